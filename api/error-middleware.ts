import type { ErrorRequestHandler, RequestHandler } from 'express';
import { GreenopsError, notFound, type Logger } from '../core/index.js';

/** The one place errors become HTTP responses: `{ error: { code, message, field? } }`. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = err instanceof GreenopsError ? err : undefined;
    // The body parsers' own errors (invalid JSON, too large, bad charset) carry a 4xx status and a type.
    const parser = err as { type?: string; status?: number; message?: string; limit?: number };
    const bodyError =
      typeof parser.type === 'string' &&
      typeof parser.status === 'number' &&
      parser.status >= 400 &&
      parser.status < 500;
    const status = known?.status ?? (bodyError ? (parser.status as number) : 500);
    if (status >= 500) logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    const bodyMessage =
      parser.type === 'entity.parse.failed'
        ? 'body: invalid JSON'
        : parser.type === 'entity.too.large'
          ? `body: larger than the ${parser.limit} bytes this route accepts`
          : `body: ${parser.message}`;
    const message = known?.message ?? (bodyError ? bodyMessage : 'internal error');
    // RFC 6750 §3: every 401 names the scheme; `invalid_token` only when a credential was presented (§3.1).
    if (status === 401)
      res.setHeader(
        'WWW-Authenticate',
        req.header('authorization') === undefined
          ? 'Bearer realm="greenops"'
          : 'Bearer realm="greenops", error="invalid_token"',
      );
    // RFC 9110 §10.2.3: a 503 that knows when to try again says so.
    if (known?.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(known.retryAfterSeconds))));
    res.status(status).json({
      error: {
        code: known?.code ?? (bodyError ? 'BAD_REQUEST' : 'INTERNAL'),
        message,
        ...(known?.field ? { field: known.field } : bodyError ? { field: 'body' } : {}),
      },
    });
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`no route for ${req.method} ${req.path}`));
};
