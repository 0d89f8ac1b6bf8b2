import { LocalCalendar } from './local-calendar.js';
import { SpeedAccumulator } from './speed.js';
import {
  TRAFFIC_MODES,
  type TrafficInterval,
  type TrafficMode,
  type TrafficSettings,
} from './traffic-interval.js';

export const PROFILE_BUCKETS = ['15m', 'hour', 'day', 'week', 'month'] as const;
export type ProfileBucket = (typeof PROFILE_BUCKETS)[number];

export interface ProfileRow {
  /** Start of the bucket (local days, weeks from Monday and months in the counter's zone). */
  start: string;
  counts: Partial<Record<TrafficMode, number>>;
  total: number;
  shares: Partial<Record<TrafficMode, number>>;
  /** Share of the bucket covered by accepted intervals (uptime at or above the threshold). */
  coverage: number;
  /** Some intervals had partial uptime and were scaled up. */
  scaled: boolean;
  meanKmh: number | null;
  v85Kmh: number | null;
  overLimitShare: number | null;
}

function bucketStart(ms: number, bucket: ProfileBucket, calendar: LocalCalendar): number {
  if (bucket === '15m') return Math.floor(ms / 900_000) * 900_000;
  if (bucket === 'hour') return Math.floor(ms / 3_600_000) * 3_600_000;
  const l = calendar.local(ms);
  if (bucket === 'day') return calendar.dayStartMs(l.dayIndex);
  if (bucket === 'week') return calendar.dayStartMs(l.dayIndex - (l.weekday - 1));
  return calendar.fromWall(Date.UTC(l.year, l.month - 1, 1));
}

function nextStart(start: number, bucket: ProfileBucket, calendar: LocalCalendar): number {
  if (bucket === '15m') return start + 900_000;
  if (bucket === 'hour') return start + 3_600_000;
  const l = calendar.local(start);
  if (bucket === 'day') return calendar.dayStartMs(l.dayIndex + 1);
  if (bucket === 'week') return calendar.dayStartMs(l.dayIndex + 7);
  return calendar.fromWall(Date.UTC(l.year, l.month, 1));
}

/**
 * Counts per bucket of a counter's intervals, uptime-aware: an interval under `minUptime` is missing, one above it
 * scaled to its full length (and the bucket marked `scaled`); missing time is not filled in, the coverage says how
 * much there is. Speeds are weighted by vehicles and the v85 taken from their mixture (see SpeedAccumulator).
 */
export function profileRows(
  intervals: readonly TrafficInterval[],
  bucket: ProfileBucket,
  calendar: LocalCalendar,
  settings: Pick<TrafficSettings, 'minUptime'>,
  speedLimitKmh?: number,
): ProfileRow[] {
  type Acc = {
    counts: Float64Array;
    covered: number;
    scaled: boolean;
    speed: SpeedAccumulator;
    seen: Set<number>;
  };
  const buckets = new Map<number, Acc>();
  for (const iv of intervals) {
    const start = bucketStart(iv.startMs, bucket, calendar);
    let a = buckets.get(start);
    if (!a)
      buckets.set(
        start,
        (a = {
          counts: new Float64Array(TRAFFIC_MODES.length),
          covered: 0,
          scaled: false,
          speed: new SpeedAccumulator(),
          seen: new Set(),
        }),
      );
    if (iv.uptime < settings.minUptime || iv.uptime <= 0) continue;
    a.covered += iv.seconds;
    if (iv.uptime < 1) a.scaled = true;
    TRAFFIC_MODES.forEach((m, i) => {
      const n = iv.counts[m];
      if (n === undefined) return;
      a.seen.add(i);
      a.counts[i] = (a.counts[i] as number) + n / iv.uptime;
    });
    a.speed.add(iv);
  }
  const directions = new Set(intervals.map((i) => i.direction)).size || 1;
  const r1 = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10) / 10);
  return [...buckets]
    .sort(([x], [y]) => x - y)
    .map(([start, a]) => {
      const lengthS = (nextStart(start, bucket, calendar) - start) / 1000;
      const total = a.counts.reduce((s, v) => s + v, 0);
      const counts: ProfileRow['counts'] = {};
      const shares: ProfileRow['shares'] = {};
      for (const i of a.seen) {
        const m = TRAFFIC_MODES[i] as TrafficMode;
        counts[m] = Math.round((a.counts[i] as number) * 10) / 10;
        if (total > 0) shares[m] = Math.round(((a.counts[i] as number) / total) * 10_000) / 10_000;
      }
      return {
        start: new Date(start).toISOString(),
        counts,
        total: Math.round(total * 10) / 10,
        shares,
        coverage: Math.round(Math.min(1, a.covered / lengthS / directions) * 10_000) / 10_000,
        scaled: a.scaled,
        meanKmh: r1(a.speed.meanKmh()),
        v85Kmh: r1(a.speed.v85Kmh()?.value),
        overLimitShare: speedLimitKmh === undefined ? null : (a.speed.overShare(speedLimitKmh) ?? null),
      };
    });
}
