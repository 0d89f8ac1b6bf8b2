import { badRequest } from '../core/index.js';

type Query = Record<string, unknown>;

const DURATION_RE = /^(\d+)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** One string value of a query parameter; a repeated parameter is refused rather than silently picked. */
export function stringParam(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(name, 'must be given once, as a single value');
  return value;
}

/** `30s`, `5m`, `1h`, `1d`, `1w` (InfluxQL duration literals). */
export function parseDuration(text: string, name: string): number {
  const match = DURATION_RE.exec(text);
  if (!match) throw badRequest(name, `"${text}" is not a duration such as 30s, 15m, 1h or 1d`);
  const ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  if (ms <= 0) throw badRequest(name, 'must be longer than zero');
  return ms;
}

/** An RFC 3339 / ISO 8601 time, `now`, or a time relative to now such as `-24h`. */
export function parseTime(text: string, name: string, nowMs: number): number {
  if (text === 'now') return nowMs;
  if (text.startsWith('-')) return nowMs - parseDuration(text.slice(1), name);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text))
    throw badRequest(name, `"${text}" is not an ISO 8601 time, "now" or a relative time such as -24h`);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw badRequest(name, `"${text}" is not a valid time`);
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
