import { TRAFFIC_MODES, type TrafficInterval, type TrafficSettings } from './traffic-interval.js';

const HOUR_MS = 3_600_000;
const MODE_COUNT = TRAFFIC_MODES.length;

/** One UTC hour of one direction: counts scaled for partial uptime, and how much of the hour was seen. */
export interface HourCell {
  /** Per mode (in TRAFFIC_MODES order), scaled for uptime. */
  counts: Float64Array;
  /** Seconds of the hour covered by accepted intervals. */
  coveredS: number;
  /** Seconds of the hour in intervals whose partial uptime was scaled up. */
  scaledS: number;
  /** Seconds in intervals refused for uptime under the threshold. */
  refusedS: number;
}

export interface CounterHours {
  counter: string;
  directions: string[];
  /** Modes this counter reported at least once. */
  modes: Set<number>;
  cells: Map<string, Map<number, HourCell>>;
}

/**
 * Folds a counter's intervals into hours per direction, uptime-aware: an interval under `minUptime` is missing, one
 * above it is scaled to its full length. An interval longer than an hour is spread evenly over its hours (a daily
 * count has no hourly shape to keep).
 */
export function hourlyCells(
  counter: string,
  intervals: Iterable<TrafficInterval>,
  settings: Pick<TrafficSettings, 'minUptime'>,
): CounterHours {
  const cells = new Map<string, Map<number, HourCell>>();
  const modes = new Set<number>();
  for (const iv of intervals) {
    let byHour = cells.get(iv.direction);
    if (!byHour) cells.set(iv.direction, (byHour = new Map()));
    const pieces = Math.max(1, Math.ceil(iv.seconds / 3600));
    const pieceS = iv.seconds / pieces;
    const accepted = iv.uptime >= settings.minUptime && iv.uptime > 0;
    for (let p = 0; p < pieces; p++) {
      const hour = Math.floor((iv.startMs + p * pieceS * 1000) / HOUR_MS) * HOUR_MS;
      let cell = byHour.get(hour);
      if (!cell) {
        cell = { counts: new Float64Array(MODE_COUNT), coveredS: 0, scaledS: 0, refusedS: 0 };
        byHour.set(hour, cell);
      }
      if (!accepted) {
        cell.refusedS += pieceS;
        continue;
      }
      cell.coveredS += pieceS;
      if (iv.uptime < 1) cell.scaledS += pieceS;
      for (let m = 0; m < MODE_COUNT; m++) {
        const n = iv.counts[TRAFFIC_MODES[m] as (typeof TRAFFIC_MODES)[number]];
        if (n === undefined) continue;
        modes.add(m);
        cell.counts[m] = (cell.counts[m] as number) + n / iv.uptime / pieces;
      }
    }
  }
  return { counter, directions: [...cells.keys()].sort(), modes, cells };
}
