import type { ErrorRequestHandler, RequestHandler } from 'express';
import { GreenopsError, notFound, type Logger } from '../core/index.js';

/** The one place errors become HTTP responses: `{ error: { code, message, field? } }`. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = err instanceof GreenopsError ? err : undefined;
    const bodyError = (err as { type?: string; status?: number }).type === 'entity.parse.failed';
    const status = known?.status ?? (bodyError ? 400 : 500);
    if (status >= 500) logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    const message = known?.message ?? (bodyError ? 'body: invalid JSON' : 'internal error');
    res.status(status).json({
      error: {
        code: known?.code ?? (bodyError ? 'BAD_REQUEST' : 'INTERNAL'),
        message,
        ...(known?.field ? { field: known.field } : {}),
      },
    });
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`no route for ${req.method} ${req.path}`));
};
