/**
 * The project's error classes. Each carries a stable `code` that callers and clients can rely on, the `cause`
 * it wraps, an HTTP `status` for the one error middleware that maps errors to responses, and for I/O whether a
 * retry can help (`retryable`).
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_READY'
  | 'BUSY'
  | 'NOT_FOUND'
  | 'INVALID_CONFIG'
  | 'INVALID_MESSAGE'
  | 'STORE_UNAVAILABLE'
  | 'STORE_FAILED'
  | 'BROKER_UNAVAILABLE'
  | 'INVALID_INPUT_FILE'
  | 'INSUFFICIENT_DATA'
  | 'INTERNAL';

export interface GreenopsErrorOptions {
  status?: number;
  cause?: unknown;
  retryable?: boolean;
  /** The request parameter, config key or record field the error is about. */
  field?: string;
  /** When trying again makes sense (a model still training, a full work queue): sent as Retry-After. */
  retryAfterSeconds?: number;
}

export class GreenopsError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: GreenopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GreenopsError';
    this.code = code;
    this.status = options.status ?? defaultStatus(code);
    this.retryable = options.retryable ?? false;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A bad HTTP parameter or body field: 400 naming the field. */
export function badRequest(field: string, message: string): GreenopsError {
  return new GreenopsError('BAD_REQUEST', `${field}: ${message}`, { field });
}

/** A query that would take more work than one request may cause: 413 asking for a narrower one. */
export function queryTooLarge(timeoutMs: number, cause?: unknown): GreenopsError {
  return new GreenopsError(
    'QUERY_TOO_LARGE',
    `the query did not finish within ${timeoutMs} ms; narrow from/to or use a coarser every`,
    { cause, field: 'from' },
  );
}

/** The data present does not support an answer (a period without readings): 422 naming the period's field. */
export function insufficientData(field: string, message: string): GreenopsError {
  return new GreenopsError('INSUFFICIENT_DATA', `${field}: ${message}`, { field });
}

export function notFound(message: string): GreenopsError {
  return new GreenopsError('NOT_FOUND', message);
}

/** An I/O failure of a store: retryable unless the caller knows better. */
export function storeUnavailable(message: string, cause?: unknown): GreenopsError {
  return new GreenopsError('STORE_UNAVAILABLE', message, { cause, retryable: true });
}

function defaultStatus(code: ErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
    case 'INVALID_MESSAGE':
    case 'INVALID_INPUT_FILE':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'INSUFFICIENT_DATA':
      return 422;
    case 'PRECONDITION_FAILED':
      return 412;
    case 'QUERY_TOO_LARGE':
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'RATE_LIMITED':
      return 429;
    case 'STORE_UNAVAILABLE':
    case 'BROKER_UNAVAILABLE':
    case 'NOT_READY':
    case 'BUSY':
      return 503;
    default:
      return 500;
  }
}

/** Message of any thrown value, keeping the useful part of non-Error throws. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
