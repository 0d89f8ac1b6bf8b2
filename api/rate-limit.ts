import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { GreenopsError } from '../core/index.js';
import { maybePrincipalOf } from './auth/request-context.js';

export interface RateLimitOptions {
  /** Requests per credential per minute; 0 turns the limit off. */
  perMinute: number;
}

/**
 * Per-credential rate limit (OWASP API4): each key or token subject gets its own budget per minute, so one busy
 * script cannot starve the others; callers without a credential share their address's budget. The count is per
 * process: N API replicas allow up to N times the budget. Answers 429 with `Retry-After` and the RateLimit headers
 * of the IETF draft. Health probes are never limited.
 */
export function perCredentialRateLimit({ perMinute }: RateLimitOptions): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (req) => req.path === '/health' || req.path.startsWith('/health/'),
    keyGenerator: (req) => {
      const principal = maybePrincipalOf(req);
      return principal ? `${principal.kind}:${principal.id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    handler: (_req, _res, next, options) => {
      next(
        new GreenopsError(
          'RATE_LIMITED',
          `more than ${options.limit} requests a minute for this credential; retry after the Retry-After seconds`,
        ),
      );
    },
  });
}
