import type { FieldValue, Point } from '../core/index.js';

export const AGGREGATE_FNS = ['mean', 'sum', 'min', 'max', 'count', 'last'] as const;
export type AggregateFn = (typeof AGGREGATE_FNS)[number];

export interface SeriesQuery {
  measurement: string;
  tenant: string;
  field: string;
  /** Tag equality filters besides tenant (e.g. device, site, quantity). */
  tags?: Record<string, string>;
  /** Inclusive start, epoch ms. */
  fromMs: number;
  /** Exclusive end, epoch ms. */
  toMs: number;
  /** Window length; without it the raw points are returned. Windows are aligned to the epoch. */
  everyMs?: number;
  /** Aggregate per window (default mean); needs everyMs. */
  fn?: AggregateFn;
  /** Most rows returned, oldest first. */
  limit?: number;
  /**
   * Longest the store may work on the query before it is abandoned with QUERY_TOO_LARGE (413): a bound on the work
   * one request can cause (OWASP API4), whatever the range and the data density.
   */
  timeoutMs?: number;
}

export interface SeriesRow {
  /** Raw point time, or window start. */
  timeMs: number;
  value: FieldValue | null;
}

export interface DeviceSummary {
  device: string;
  lastSeenMs: number;
  /** Stored records (points), duplicates excluded. */
  records: number;
}

export interface LatestQuery {
  measurement: string;
  tenant: string;
  tags: Record<string, string>;
  field: string;
  /** Only points strictly before this time, epoch ms. */
  beforeMs: number;
}

/**
 * The time-series store port. Points follow the InfluxDB data model; a point's identity is measurement, tag set
 * and time, and writing a point again replaces its fields (so redelivered messages never count twice).
 * Aggregates skip empty windows.
 */
export interface TimeSeriesStore {
  readonly kind: string;
  /** Durable when the promise resolves. Rejects with a GreenopsError whose `retryable` says if a retry helps. */
  write(points: readonly Point[]): Promise<void>;
  querySeries(query: SeriesQuery): Promise<SeriesRow[]>;
  /** Devices with points of the measurement, optionally only those with the given tag values (e.g. a site). */
  listDevices(measurement: string, tenant: string, tags?: Record<string, string>): Promise<DeviceSummary[]>;
  /** Tenants with points of the measurement (sorted): what scheduled work per tenant runs over. */
  listTenants(measurement: string): Promise<string[]>;
  latest(query: LatestQuery): Promise<SeriesRow | undefined>;
  /** Resolves when the store can take writes and queries. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
