import type { Point } from '../core/index.js';

/** Points of one tenant whose `field` holds `value` (e.g. a driver's pseudonym in `fleet.driver`). */
export interface FieldMatch {
  measurement: string;
  tenant: string;
  field: string;
  value: string;
}

/**
 * The data-protection port of a time-series store: what retention (GDPR Art. 5(1)(e), storage limitation) and a
 * data subject's rights of access and erasure (Art. 15, 17) need. Every operation is bounded: deletes run per
 * measurement and time, and reads return at most `limit` points per call.
 */
export interface PersonalDataStore {
  /** Deletes whole points of a measurement (every tenant) older than `beforeMs`; the count when the store knows it. */
  deleteOlderThan(measurement: string, beforeMs: number): Promise<number | undefined>;
  /**
   * Removes one field's values older than `beforeMs` and keeps the rest of each point. Only string fields (the
   * identifiers: driver pseudonyms, image references) may be cleared: InfluxDB cannot drop a field from a point, so
   * there the value is overwritten with the empty string, and the old value is gone at the shard's next compaction.
   * Returns the values cleared.
   */
  clearStringFieldOlderThan(measurement: string, field: string, beforeMs: number): Promise<number>;
  /** The whole points (every field) matching, oldest first, from `afterNs` (exclusive, epoch ns as text) on. */
  pointsWithField(match: FieldMatch, options: { limit: number; afterNs?: string }): Promise<Point[]>;
  /** Deletes the whole points matching; returns how many. */
  deletePointsWithField(match: FieldMatch): Promise<number>;
}

/** Epoch nanoseconds of a point, as a bigint. */
export function pointNs(point: Point): bigint {
  return BigInt(point.timeMs) * 1_000_000n + BigInt(point.nanos ?? 0);
}

/**
 * A page of at most `limit` points sorted by time, cut where the time changes, so that a next page starting after
 * the last time loses none of several points at one instant (only when one instant alone holds more than `limit`
 * points does a page hold more).
 */
export function pageAtTimeBoundary(sorted: readonly Point[], limit: number): Point[] {
  if (sorted.length <= limit) return [...sorted];
  const boundary = pointNs(sorted[limit - 1] as Point);
  if (pointNs(sorted[limit] as Point) !== boundary) return sorted.slice(0, limit);
  const before = sorted.slice(0, limit).filter((p) => pointNs(p) < boundary);
  return before.length > 0 ? before : sorted.filter((p) => pointNs(p) <= boundary);
}
