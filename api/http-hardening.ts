import type { RequestHandler } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { GreenopsError } from '../core/index.js';

/**
 * Security headers (helmet's defaults: CSP, HSTS, nosniff, frame-ancestors none, no referrer leakage) for the API
 * and the pages it serves.
 */
export function securityHeaders(): RequestHandler {
  return helmet();
}

/**
 * CORS is off unless origins are configured (GREENOPS_CORS_ORIGINS, comma-separated, or `*`): a browser page of
 * another origin then may call the API with a bearer token; credentials (cookies) are never allowed across origins.
 */
export function corsPolicy(origins: string | undefined): RequestHandler | undefined {
  if (origins === undefined || origins.trim() === '') return undefined;
  const list = origins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of list) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin))
      throw new GreenopsError(
        'INVALID_CONFIG',
        `GREENOPS_CORS_ORIGINS: "${origin}" is not an origin such as https://console.example.dk`,
      );
  }
  return cors({
    origin: list.includes('*') ? '*' : list,
    credentials: false,
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'X-Request-Id'],
    exposedHeaders: ['ETag', 'Retry-After', 'X-Request-Id', 'RateLimit', 'RateLimit-Policy'],
    maxAge: 600,
  });
}
