const DURATION_RE = /^(\d+)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `30s`, `5m`, `1h`, `1d`, `1w` (InfluxQL duration literals) in ms; undefined when `text` is not one. */
export function durationMs(text: string): number | undefined {
  const match = DURATION_RE.exec(text);
  return match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : undefined;
}

/**
 * A time as users write it in query parameters and CLI flags: ISO 8601 / RFC 3339, `now`, or relative to now
 * (`-24h`). Epoch ms; undefined when `text` is none of those.
 */
export function timeExpressionMs(text: string, nowMs: number): number | undefined {
  if (text === 'now') return nowMs;
  if (text.startsWith('-')) {
    const ms = durationMs(text.slice(1));
    return ms === undefined ? undefined : nowMs - ms;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
