import type { Point } from '../../core/index.js';
import type { CounterAnalysis } from './counter-analysis.js';
import { SpeedAccumulator } from './speed.js';
import { TRAFFIC_MODES, type TrafficInterval } from './traffic-interval.js';
import type { CounterYearReport } from './traffic-report.js';

/** Measurement of a counter's local days in the store (for dashboards). */
export const TRAFFIC_DAILY_MEASUREMENT = 'traffic_daily';
/** Measurement of a counter's key figures per local year. */
export const TRAFFIC_YEARLY_MEASUREMENT = 'traffic_yearly';

const STATUS_CODE = { ok: 0, warning: 1, fault: 2 } as const;
const METHOD_CODE = { aashto: 0, 'short-count': 1, 'mean-of-days': 2 } as const;

/** Vehicle-weighted speeds per local day of a counter (a v85 is solved from the day's mixture, never averaged). */
export function dailySpeeds(
  intervals: readonly TrafficInterval[],
  analysis: Pick<CounterAnalysis, 'calendar'>,
): Map<number, SpeedAccumulator> {
  const out = new Map<number, SpeedAccumulator>();
  for (const iv of intervals) {
    if (iv.meanKmh === undefined && iv.v85Kmh === undefined) continue;
    const day = analysis.calendar.local(iv.startMs).dayIndex;
    let acc = out.get(day);
    if (!acc) out.set(day, (acc = new SpeedAccumulator()));
    acc.add(iv);
  }
  return out;
}

/**
 * A counter's local days as `traffic_daily` points (tags tenant, device; time = the local day's first instant). The
 * field set of a counter is the same on every day and every run (a mode it counts, 0 when none passed), so writing
 * again replaces every field: results are recomputed, never accumulated. Speeds are written for days with speeds.
 */
export function dailyResultPoints(
  tenant: string,
  analysis: CounterAnalysis,
  speeds: ReadonlyMap<number, SpeedAccumulator> = new Map(),
  years?: ReadonlySet<number>,
): Point[] {
  const modes = analysis.modes.map((m) => [m, TRAFFIC_MODES.indexOf(m)] as const);
  const points: Point[] = [];
  for (const d of analysis.days) {
    if (years && !years.has(d.year)) continue;
    const fields: Point['fields'] = {
      total: d.total,
      hours: d.hours,
      hours_seen: d.hoursSeen,
      hours_scaled: d.hoursScaled,
      availability: d.hoursSeen / d.hours,
      complete: d.complete ? 1 : 0,
    };
    for (const [m, i] of modes) fields[`count_${m}`] = d.modes[i] as number;
    const acc = speeds.get(d.dayIndex);
    const mean = acc?.meanKmh();
    const v85 = acc?.v85Kmh();
    if (mean !== undefined) fields.mean_kmh = mean;
    if (v85 !== undefined) fields.v85_kmh = v85.value;
    points.push({
      measurement: TRAFFIC_DAILY_MEASUREMENT,
      tags: { tenant, device: analysis.counter },
      fields,
      timeMs: analysis.calendar.dayStartMs(d.dayIndex),
    });
  }
  return points;
}

/**
 * A counter-year's key figures as a `traffic_yearly` point (tags tenant, device; time = the local year's first
 * instant). Every point carries the same fields, so a recomputation leaves nothing stale: a figure not known is
 * written as -1 (HVDT and July of a count without factors, the peak-hour share of a short count), a missing range
 * as low = high = the ÅDT with `ranged` 0; `method` is a code (0 aashto, 1 short-count, 2 mean-of-days) and
 * `health` one (0 ok, 1 warning, 2 fault).
 */
export function yearlyResultPoint(
  tenant: string,
  report: CounterYearReport,
  analysis: Pick<CounterAnalysis, 'calendar'>,
): Point {
  const a = report.aadt;
  const known = (v: number | null) => (v === null ? -1 : v);
  return {
    measurement: TRAFFIC_YEARLY_MEASUREMENT,
    tags: { tenant, device: report.counter },
    fields: {
      aadt: a.value,
      aadt_low: a.low ?? a.value,
      aadt_high: a.high ?? a.value,
      ranged: a.low === null || a.high === null ? 0 : 1,
      method: METHOD_CODE[a.method],
      days: a.days,
      hvdt: known(report.hvdt),
      july: known(report.july),
      heavy_share: known(report.heavyShare),
      peak_hour_share: known(report.peakHourShare),
      availability: report.health.availability,
      health: STATUS_CODE[report.health.status],
      issues: Object.values(report.health.counts).reduce((s, n) => s + n, 0),
    },
    timeMs: analysis.calendar.fromWall(Date.UTC(report.year, 0, 1)),
  };
}
