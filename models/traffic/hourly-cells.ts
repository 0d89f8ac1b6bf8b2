import { badRequest } from '../../core/index.js';
import { TRAFFIC_MODES, type TrafficInterval, type TrafficSettings } from './traffic-interval.js';

const HOUR_MS = 3_600_000;
const MODE_COUNT = TRAFFIC_MODES.length;
/** Longest span of one counter's data held hour by hour (dense arrays): 25 years. */
const MAX_SPAN_HOURS = 25 * 8784;

/**
 * The hours of one direction, dense from the counter's first hour: hour `i` is `firstHourMs + i` hours. A year of
 * 15-minute intervals folds into a few typed arrays instead of a map of small objects per hour, which is what kept
 * the garbage collector busy (issue 13: 500 counters a year in 60 s).
 */
export interface DirectionHours {
  /** Per hour and mode (`i * TRAFFIC_MODES.length + m`), scaled for uptime. */
  counts: Float64Array;
  /** Seconds of the hour covered by accepted intervals. */
  coveredS: Float64Array;
  /** Seconds of the hour in intervals whose partial uptime was scaled up. */
  scaledS: Float64Array;
  /** Seconds in intervals refused for uptime under the threshold. */
  refusedS: Float64Array;
}

export interface CounterHours {
  counter: string;
  directions: string[];
  /** Modes this counter reported at least once. */
  modes: Set<number>;
  /** UTC start of hour 0 (NaN when there are no intervals). */
  firstHourMs: number;
  /** Hours held, from firstHourMs to the last hour with an interval. */
  hours: number;
  /** By direction, in the order of `directions`. */
  byDirection: DirectionHours[];
}

/** The counts of all modes of one direction's hour. */
export function hourTotal(d: DirectionHours, i: number): number {
  let s = 0;
  for (let m = i * MODE_COUNT, end = m + MODE_COUNT; m < end; m++) s += d.counts[m] as number;
  return s;
}

/**
 * Folds a counter's intervals into hours per direction, uptime-aware: an interval under `minUptime` is missing, one
 * above it is scaled to its full length. An interval longer than an hour is spread evenly over its hours (a daily
 * count has no hourly shape to keep).
 */
export function hourlyCells(
  counter: string,
  intervals: readonly TrafficInterval[],
  settings: Pick<TrafficSettings, 'minUptime'>,
): CounterHours {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const directionIndex = new Map<string, number>();
  for (const iv of intervals) {
    if (iv.startMs < first) first = iv.startMs;
    const pieces = iv.seconds > 3600 ? Math.ceil(iv.seconds / 3600) : 1;
    const end = iv.startMs + (pieces - 1) * (iv.seconds / pieces) * 1000;
    if (end > last) last = end;
    if (!directionIndex.has(iv.direction)) directionIndex.set(iv.direction, directionIndex.size);
  }
  if (intervals.length === 0)
    return { counter, directions: [], modes: new Set(), firstHourMs: Number.NaN, hours: 0, byDirection: [] };
  const firstHour = Math.floor(first / HOUR_MS);
  const hours = Math.floor(last / HOUR_MS) - firstHour + 1;
  if (hours > MAX_SPAN_HOURS)
    throw badRequest(
      'counter',
      `${counter}: counts from ${new Date(first).toISOString()} to ${new Date(last).toISOString()} span more than 25 years`,
    );
  const slots = [...directionIndex.keys()].map(() => ({
    counts: new Float64Array(hours * MODE_COUNT),
    coveredS: new Float64Array(hours),
    scaledS: new Float64Array(hours),
    refusedS: new Float64Array(hours),
  }));
  const seenModes = new Uint8Array(MODE_COUNT);
  for (const iv of intervals) {
    const d = slots[directionIndex.get(iv.direction) as number] as DirectionHours;
    const pieces = iv.seconds > 3600 ? Math.ceil(iv.seconds / 3600) : 1;
    const pieceS = iv.seconds / pieces;
    const accepted = iv.uptime >= settings.minUptime && iv.uptime > 0;
    for (let p = 0; p < pieces; p++) {
      const i = Math.floor((iv.startMs + p * pieceS * 1000) / HOUR_MS) - firstHour;
      if (!accepted) {
        d.refusedS[i] = (d.refusedS[i] as number) + pieceS;
        continue;
      }
      d.coveredS[i] = (d.coveredS[i] as number) + pieceS;
      if (iv.uptime < 1) d.scaledS[i] = (d.scaledS[i] as number) + pieceS;
      const scale = 1 / iv.uptime / pieces;
      const base = i * MODE_COUNT;
      const c = iv.counts;
      for (let m = 0; m < MODE_COUNT; m++) {
        const n = c[TRAFFIC_MODES[m] as (typeof TRAFFIC_MODES)[number]];
        if (n === undefined) continue;
        seenModes[m] = 1;
        d.counts[base + m] = (d.counts[base + m] as number) + n * scale;
      }
    }
  }
  const order = [...directionIndex.keys()].sort();
  const modes = new Set<number>();
  seenModes.forEach((seen, m) => seen && modes.add(m));
  return {
    counter,
    directions: order,
    modes,
    firstHourMs: firstHour * HOUR_MS,
    hours,
    byDirection: order.map((k) => slots[directionIndex.get(k) as number] as DirectionHours),
  };
}
