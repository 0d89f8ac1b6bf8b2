import { badRequest, durationMs, timeExpressionMs } from '../core/index.js';

type Query = Record<string, unknown>;

/** One string value of a query parameter; a repeated parameter is refused rather than silently picked. */
export function stringParam(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(name, 'must be given once, as a single value');
  return value;
}

/** `30s`, `5m`, `1h`, `1d`, `1w` (InfluxQL duration literals). */
export function parseDuration(text: string, name: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw badRequest(name, `"${text}" is not a duration such as 30s, 15m, 1h or 1d`);
  if (ms <= 0) throw badRequest(name, 'must be longer than zero');
  return ms;
}

/** An RFC 3339 / ISO 8601 time, `now`, or a time relative to now such as `-24h`. */
export function parseTime(text: string, name: string, nowMs: number): number {
  const ms = timeExpressionMs(text, nowMs);
  if (ms === undefined)
    throw badRequest(name, `"${text}" is not an ISO 8601 time, "now" or a relative time such as -24h`);
  return ms;
}

export function intParam(
  query: Query,
  name: string,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  const text = stringParam(query, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw badRequest(name, `"${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw badRequest(name, `must be from ${min} to ${max}`);
  return n;
}

export function oneOfParam<T extends string>(
  query: Query,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const text = stringParam(query, name);
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text))
    throw badRequest(name, `"${text}" is not one of ${allowed.join(', ')}`);
  return text as T;
}
