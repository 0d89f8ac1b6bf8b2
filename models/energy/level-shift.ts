import { isDanishClosureDay } from '../../core/index.js';
import { HOUR_MS, type HourlySeries } from './hourly-series.js';

/** Mean of the known loads in hours [from, to), or `fallback` when none is known. */
export function meanOf(s: HourlySeries, from: number, to: number, fallback: number): number {
  let sum = 0;
  let n = 0;
  for (let i = Math.max(0, from); i < to; i++) {
    const v = s.kwh[i] as number;
    if (!Number.isNaN(v)) {
      sum += v;
      n += 1;
    }
  }
  return n > 0 ? sum / n : fallback;
}

/** Days in a row a meter must run above or below the same days a week earlier to count as changed use. */
export const SHIFT_DAYS = 3;
/** How far (as a ratio to the same day a week earlier) each of those days must be: half or double. A cold snap
 * raises an electrically heated building by less; a building changing use (−80 %) by more. */
const SHIFT_RATIO = 0.5;

/**
 * Whether the meter's level moved in the last SHIFT_DAYS days, each day against the same weekday a week before:
 * the factor to bring older loads to the new level, or 1. A level shift (a building changing use) would
 * otherwise be followed only as the week-old lags roll over. Holidays do not trip it (days on or a week after
 * a public holiday are not compared) and neither does one odd day (it needs three in a row on the same side).
 */
export function levelShift(s: HourlySeries, origin: number): number {
  const ratios: number[] = [];
  for (let d = 1; d <= SHIFT_DAYS; d++) {
    // Holidays are known, not a change of use: a day or its week-before day on one settles nothing.
    const noon = s.start + (origin - 24 * d + 12) * HOUR_MS;
    if (isDanishClosureDay(noon) || isDanishClosureDay(noon - 7 * 86_400_000)) return 1;
    const day = meanOf(s, origin - 24 * d, origin - 24 * (d - 1), Number.NaN);
    const before = meanOf(s, origin - 24 * d - 168, origin - 24 * (d - 1) - 168, Number.NaN);
    if (!(day > 0) || !(before > 0)) return 1;
    ratios.push(day / before);
  }
  const down = ratios.every((r) => r < SHIFT_RATIO);
  const up = ratios.every((r) => r > 1 / SHIFT_RATIO);
  if (!down && !up) return 1;
  return Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
}

/** A change of use found in a meter's history: from hour `at` on, its level is `ratio` times what it was. */
export interface LevelShift {
  at: number;
  ratio: number;
  /** The first forecast origin that knows of it (SHIFT_DAYS days after `at`). */
  knownFrom: number;
}

const shiftCache = new WeakMap<HourlySeries, { length: number; shifts: LevelShift[] }>();

/**
 * Every level shift in the series, each found only from data before its `knownFrom` (so a backtest never
 * sees one early), at least a week apart. Cached per series while it does not grow.
 */
export function levelShifts(s: HourlySeries): LevelShift[] {
  const cached = shiftCache.get(s);
  if (cached?.length === s.kwh.length) return cached.shifts;
  const shifts: LevelShift[] = [];
  const firstMidnight = Math.ceil(s.start / 86_400_000) * 86_400_000;
  for (let origin = (firstMidnight - s.start) / HOUR_MS; origin <= s.kwh.length; origin += 24) {
    if (origin < 168 + 24 * SHIFT_DAYS) continue;
    const at = origin - 24 * SHIFT_DAYS;
    const last = shifts.at(-1);
    if (last && at < last.at + 168) continue;
    const ratio = levelShift(s, origin);
    if (ratio !== 1) shifts.push({ at, ratio, knownFrom: origin });
  }
  shiftCache.set(s, { length: s.kwh.length, shifts });
  return shifts;
}
