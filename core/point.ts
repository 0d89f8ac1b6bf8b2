export type FieldValue = number | string | boolean;

/**
 * One stored point, in the InfluxDB data model: a measurement, a bounded tag set (indexed), fields and a time.
 * A point's identity is measurement + tags + time, so writing the same record twice overwrites rather than
 * duplicates. Time is epoch milliseconds plus an optional sub-millisecond offset in nanoseconds, which keeps
 * nanosecond identity (InfluxDB's precision) without BigInt on the hot path.
 */
export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  timeMs: number;
  /** 0 … 999,999 ns added to timeMs. */
  nanos?: number;
}

/** Time of a point in epoch nanoseconds, as a decimal string (InfluxDB line protocol precision `ns`). */
export function pointTimeNs(point: Point): string {
  const nanos = point.nanos ?? 0;
  return `${point.timeMs}${String(nanos).padStart(6, '0')}`;
}

/** A deterministic sub-millisecond offset from an id, so distinct records with equal timestamps stay distinct. */
export function nanosFromId(id: string): number {
  // FNV-1a 32-bit: fast, stable across platforms and releases.
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 1_000_000;
}
