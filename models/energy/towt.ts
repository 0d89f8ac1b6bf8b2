import { hourOfWeek, HOUR_MS, type HourlySeries } from './hourly-series.js';
import { solveSymmetric } from './least-squares.js';

/**
 * Knots (°C) of the piecewise-linear temperature response: CalTRACK's hourly knots (30, 45, 55, 65, 75, 90 °F)
 * in Celsius.
 */
export const TEMPERATURE_KNOTS_C = [-1, 7, 13, 18, 24, 32] as const;
const SEGMENTS = TEMPERATURE_KNOTS_C.length + 1;
const HOURS_OF_WEEK = 168;

/**
 * A time-of-week-and-temperature regression (the CalTRACK hourly baseline, LBNL's TOWT): one coefficient per
 * hour of the week, plus a piecewise-linear temperature response fitted separately for occupied and unoccupied
 * hours. An hour of the week counts as occupied when its mean load is above the midpoint of its low and high
 * hours (CalTRACK derives occupancy from a first fit; the midpoint split is a simpler stand-in). Fitted by least squares in
 * closed form.
 */
export interface TowtModel {
  /** Per hour of week. */
  intercepts: number[];
  occupied: boolean[];
  /** Temperature slopes per segment, for occupied and unoccupied hours. */
  slopesOccupied: number[];
  slopesUnoccupied: number[];
  /** Number of fitted parameters (for ASHRAE G14's n − p). */
  parameters: number;
}

export function temperatureSegments(t: number): number[] {
  const out = new Array<number>(SEGMENTS).fill(0);
  let lower = -Infinity;
  for (let k = 0; k <= TEMPERATURE_KNOTS_C.length; k++) {
    const upper = k < TEMPERATURE_KNOTS_C.length ? (TEMPERATURE_KNOTS_C[k] as number) : Infinity;
    if (k === 0) out[0] = Math.min(t, upper);
    else out[k] = Math.max(0, Math.min(t, upper) - lower);
    lower = upper;
  }
  return out;
}

/** Fits on hours [from, to) of the series; hours with a missing load or temperature are skipped. */
export function fitTowt(series: HourlySeries, from = 0, to = series.kwh.length): TowtModel {
  const sums = new Array<number>(HOURS_OF_WEEK).fill(0);
  const counts = new Array<number>(HOURS_OF_WEEK).fill(0);
  for (let i = from; i < to; i++) {
    const y = series.kwh[i] as number;
    if (Number.isNaN(y) || Number.isNaN(series.temperatureC[i] as number)) continue;
    const tow = hourOfWeek(series.start + i * HOUR_MS);
    sums[tow] = (sums[tow] as number) + y;
    counts[tow] = (counts[tow] as number) + 1;
  }
  const means = sums.map((s, j) => (counts[j] ? s / (counts[j] as number) : Number.NaN));
  // Occupied: hours of the week whose mean load is above the midpoint between low (10th percentile) and high
  // (90th) hours. Load in buildings is bimodal (open/closed); the midpoint separates the modes where a median
  // would cut through the larger one (most hours of a week are closed).
  const sorted = means.filter((m) => !Number.isNaN(m)).sort((a, b) => a - b);
  const low = sorted[Math.floor(sorted.length * 0.1)] ?? 0;
  const high = sorted[Math.floor(sorted.length * 0.9)] ?? 0;
  const occupied = means.map((m) => m > (low + high) / 2);

  // Normal equations, built sparsely: each row has one hour-of-week indicator and SEGMENTS temperature terms.
  const p = HOURS_OF_WEEK + 2 * SEGMENTS;
  const xtx = Array.from({ length: p }, () => new Float64Array(p));
  const xty = new Float64Array(p);
  const inc = (row: Float64Array, i: number, v: number) => {
    row[i] = (row[i] as number) + v;
  };
  for (let i = from; i < to; i++) {
    const y = series.kwh[i] as number;
    const t = series.temperatureC[i] as number;
    if (Number.isNaN(y) || Number.isNaN(t)) continue;
    const tow = hourOfWeek(series.start + i * HOUR_MS);
    const base = HOURS_OF_WEEK + (occupied[tow] ? 0 : SEGMENTS);
    const segs = temperatureSegments(t);
    const towRow = xtx[tow] as Float64Array;
    inc(towRow, tow, 1);
    inc(xty, tow, y);
    for (let k = 0; k < SEGMENTS; k++) {
      const a = base + k;
      const ak = segs[k] as number;
      if (ak === 0) continue;
      const row = xtx[a] as Float64Array;
      inc(towRow, a, ak);
      inc(row, tow, ak);
      inc(xty, a, ak * y);
      for (let l = 0; l < SEGMENTS; l++) inc(row, base + l, ak * (segs[l] as number));
    }
  }
  // A tiny ridge keeps unseen hours of week and unused temperature segments solvable (they fit to zero).
  for (let j = 0; j < p; j++) inc(xtx[j] as Float64Array, j, 1e-6);
  const beta = solveSymmetric(xtx, xty);
  const used = counts.filter((c) => c > 0).length;
  return {
    intercepts: Array.from(beta.subarray(0, HOURS_OF_WEEK)),
    occupied,
    slopesOccupied: Array.from(beta.subarray(HOURS_OF_WEEK, HOURS_OF_WEEK + SEGMENTS)),
    slopesUnoccupied: Array.from(beta.subarray(HOURS_OF_WEEK + SEGMENTS)),
    parameters: used + 2 * SEGMENTS,
  };
}

/** Predicts hours [from, from + horizon) given their outdoor temperatures (a forecast, or actuals in backtests). */
export function predictTowt(model: TowtModel, series: HourlySeries, from: number, horizon: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < horizon; h++) {
    const i = from + h;
    const t = series.temperatureC[i] as number;
    const tow = hourOfWeek(series.start + i * HOUR_MS);
    if (t === undefined || Number.isNaN(t)) {
      out.push(Number.NaN);
      continue;
    }
    const slopes = model.occupied[tow] ? model.slopesOccupied : model.slopesUnoccupied;
    const segs = temperatureSegments(t);
    let y = model.intercepts[tow] as number;
    for (let k = 0; k < SEGMENTS; k++) y += (slopes[k] as number) * (segs[k] as number);
    out.push(y);
  }
  return out;
}
