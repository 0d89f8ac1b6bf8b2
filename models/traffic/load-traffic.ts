import type { SeriesQuery, TimeSeriesStore } from '../../store/index.js';
import { TRAFFIC_MODES, type TrafficInterval, type TrafficMode } from './traffic-interval.js';

const HOUR_MS = 3_600_000;
/** Rows of one query: a leap year of hours and some. */
const MAX_ROWS = 10_000;

export interface LoadTrafficOptions {
  tenant: string;
  device: string;
  /** One direction, or all of them together. */
  direction?: string;
  fromMs: number;
  toMs: number;
  /** Window of the store's aggregation: an hour (default) or 15 minutes. */
  everyMs?: number;
  timeoutMs?: number;
}

/**
 * A counter's counts from the time-series store, as one interval per window (hour or 15 minutes): counts summed per
 * mode, uptime averaged, speeds averaged within the window. Only the port's windowed queries are used, so the same
 * code runs on DuckDB and on InfluxDB (InfluxQL `GROUP BY time`). Windows are UTC-aligned, which matches local hours
 * and quarters in every zone with a whole-hour offset. How much of a window the counter covered is told by the number
 * of intervals stored in it: records × interval length / (window × directions), the directions being the most records
 * any window holds.
 */
export async function loadTrafficIntervals(
  store: TimeSeriesStore,
  options: LoadTrafficOptions,
): Promise<TrafficInterval[]> {
  const everyMs = options.everyMs ?? HOUR_MS;
  const tags: Record<string, string> = { device: options.device };
  if (options.direction !== undefined) tags.direction = options.direction;
  const base: Omit<SeriesQuery, 'field'> = {
    measurement: 'traffic',
    tenant: options.tenant,
    tags,
    fromMs: options.fromMs,
    toMs: options.toMs,
    everyMs,
    limit: MAX_ROWS,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const byTime = async (field: string, fn: SeriesQuery['fn']) =>
    new Map(
      (await store.querySeries({ ...base, field, fn })).map((r) => [r.timeMs, r.value as number | null]),
    );
  const records = await byTime('uptime', 'count');
  if (records.size === 0) return [];
  const [uptime, seconds, meanKmh, v85Kmh, ...counts] = await Promise.all([
    byTime('uptime', 'mean'),
    byTime('interval_s', 'mean'),
    byTime('speed_mean_kmh', 'mean'),
    byTime('speed_v85_kmh', 'mean'),
    ...TRAFFIC_MODES.map((m) => byTime(`count_${m}`, 'sum')),
  ]);
  let lanes = 1;
  for (const [t, n] of records)
    lanes = Math.max(lanes, Math.round(((n ?? 0) * (seconds.get(t) ?? 0)) / (everyMs / 1000)));
  const out: TrafficInterval[] = [];
  for (const [t, n] of [...records].sort(([a], [b]) => a - b)) {
    const covered = Math.min(1, ((n ?? 0) * (seconds.get(t) ?? 0)) / (everyMs / 1000) / lanes);
    const c: Partial<Record<TrafficMode, number>> = {};
    TRAFFIC_MODES.forEach((m, i) => {
      const v = counts[i]?.get(t);
      if (v !== undefined && v !== null) c[m] = v;
    });
    const mean = meanKmh.get(t);
    const v85 = v85Kmh.get(t);
    out.push({
      counter: options.device,
      startMs: t,
      seconds: (covered * everyMs) / 1000,
      direction: options.direction ?? 'all',
      counts: c,
      uptime: uptime.get(t) ?? 0,
      ...(mean === undefined || mean === null ? {} : { meanKmh: mean }),
      ...(v85 === undefined || v85 === null ? {} : { v85Kmh: v85 }),
    });
  }
  return out;
}
