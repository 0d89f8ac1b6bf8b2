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

/** Raw points of a measurement with several fields at once, joined on time (a sample read whole). */
export interface FieldsQuery {
  measurement: string;
  tenant: string;
  fields: readonly string[];
  /** Tag equality filters besides tenant (e.g. device). */
  tags?: Record<string, string>;
  /** Inclusive start, epoch ms. */
  fromMs: number;
  /** Exclusive end, epoch ms. */
  toMs: number;
  /** Most rows (times) returned, oldest first. */
  limit?: number;
  timeoutMs?: number;
}

export interface FieldsRow {
  timeMs: number;
  /** One value per requested field, in the query's order; null where the point has no such field. */
  values: (FieldValue | null)[];
}

/** Raw numeric fields of several devices in one pass over a period (the fleet report's read of a pool). */
export interface ScanFieldsQuery {
  measurement: string;
  tenant: string;
  /** The devices to read; a chunk's `device` column holds indexes into this list. */
  devices: readonly string[];
  fields: readonly string[];
  /** Inclusive start, epoch ms. */
  fromMs: number;
  /** Exclusive end, epoch ms. */
  toMs: number;
  /** Longest the whole scan may take (to its last chunk) before it is abandoned with QUERY_TOO_LARGE (413). */
  timeoutMs?: number;
}

/**
 * A chunk of a fields scan, column-wise: row i of every array is one time of one device. Numbers as stored,
 * booleans 1 or 0, text and missing fields NaN. The arrays are the visitor's only during its call (they may be
 * reused for the next chunk).
 */
export interface FieldColumns {
  /** Rows in this chunk (the arrays may be longer). */
  length: number;
  /** Index into the query's devices. */
  device: Float64Array;
  timeMs: Float64Array;
  /** One column per requested field, in the query's order. */
  columns: Float64Array[];
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
  /**
   * Raw points with several fields in one query, a row per time (points of several series at one time merge; give
   * a device tag to read one series). What a per-sample analysis (trips) reads instead of a query per field.
   */
  queryFields(query: FieldsQuery): Promise<FieldsRow[]>;
  /**
   * Streams the numeric fields of several devices over a period to `visit`, chunk by chunk, without building a row
   * object per sample: each device's rows in time order (points of several series at one time merge, as in
   * queryFields); the order of the devices is the store's, and a store may interleave different devices' chunks
   * (InfluxDB's queries side by side). Memory stays bounded by a chunk on our side
   * (the store may spill its sort to disk). Resolves with the rows visited.
   */
  scanFields(query: ScanFieldsQuery, visit: (chunk: FieldColumns) => void): Promise<number>;
  /** Devices with points of the measurement, optionally only those with the given tag values (e.g. a site). */
  listDevices(measurement: string, tenant: string, tags?: Record<string, string>): Promise<DeviceSummary[]>;
  /**
   * The names of the devices listDevices would list, sorted, without its counts: what a caller that needs only the
   * names asks (cheap on a large store, where counting the points is a pass over all of them). With `range`, at least
   * the devices with points in [fromMs, toMs) — a store may list more (InfluxDB answers from its series index,
   * whatever the time); DuckDB then reads only that period.
   */
  listDeviceNames(
    measurement: string,
    tenant: string,
    tags?: Record<string, string>,
    range?: { fromMs: number; toMs: number },
  ): Promise<string[]>;
  /** Tenants with points of the measurement, sorted (scheduled jobs run for each of them). */
  listTenants(measurement: string): Promise<string[]>;
  latest(query: LatestQuery): Promise<SeriesRow | undefined>;
  /** Resolves when the store can take writes and queries. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
