import type { SeriesDay } from './traffic-interval.js';

/** 12 months × 7 weekdays. */
export const CELLS = 84;
export const cellOf = (month: number, weekday: number): number => (month - 1) * 7 + (weekday - 1);

/** z of a two-sided 90 % normal range. */
export const Z90 = 1.6449;

export interface CellMeans {
  mean: Float64Array;
  n: Uint16Array;
  /** Sample variance per cell (NaN with one day). */
  variance: Float64Array;
}

/** Mean daily volume per month × weekday (of complete days only: the caller's). */
export function cellMeans(days: readonly Pick<SeriesDay, 'month' | 'weekday' | 'volume'>[]): CellMeans {
  const sum = new Float64Array(CELLS);
  const sq = new Float64Array(CELLS);
  const n = new Uint16Array(CELLS);
  for (const d of days) {
    const c = cellOf(d.month, d.weekday);
    const v = d.volume;
    sum[c] = (sum[c] as number) + v;
    sq[c] = (sq[c] as number) + v * v;
    n[c] = (n[c] as number) + 1;
  }
  const mean = new Float64Array(CELLS);
  const variance = new Float64Array(CELLS);
  for (let c = 0; c < CELLS; c++) {
    const k = n[c] as number;
    mean[c] = k > 0 ? (sum[c] as number) / k : Number.NaN;
    variance[c] = k > 1 ? ((sq[c] as number) - k * (mean[c] as number) ** 2) / (k - 1) : Number.NaN;
  }
  return { mean, n, variance };
}

export interface AashtoResult {
  value: number;
  /** Standard error from the day-to-day spread within the cells. */
  standardError: number;
  /** Monthly averages of day-of-week averages (MADT), January first. */
  monthly: number[];
  days: number;
}

/**
 * ÅDT by the AASHTO method (AASHTO Guidelines for Traffic Data Programs; FHWA Traffic Monitoring Guide 2022, §3):
 * the average of the 12 monthly averages of the 7 day-of-week averages, so that missing days do not bias it. It needs
 * at least one complete day in each of the 84 month × weekday cells; otherwise undefined.
 */
export function aashtoAadt(cells: CellMeans): AashtoResult | undefined {
  if (cells.n.some((k) => k === 0)) return undefined;
  const monthly: number[] = [];
  for (let m = 1; m <= 12; m++) {
    let s = 0;
    for (let d = 1; d <= 7; d++) s += cells.mean[cellOf(m, d)] as number;
    monthly.push(s / 7);
  }
  const value = monthly.reduce((a, b) => a + b, 0) / 12;
  // A cell with one day has no variance of its own: use the pooled relative variance of the others.
  let relSum = 0;
  let relN = 0;
  for (let c = 0; c < CELLS; c++) {
    const v = cells.variance[c] as number;
    const m = cells.mean[c] as number;
    if (Number.isFinite(v) && m > 0) {
      relSum += v / (m * m);
      relN++;
    }
  }
  const pooledRel = relN > 0 ? relSum / relN : 0;
  let varSum = 0;
  let days = 0;
  for (let c = 0; c < CELLS; c++) {
    const k = cells.n[c] as number;
    const v = Number.isFinite(cells.variance[c])
      ? (cells.variance[c] as number)
      : pooledRel * (cells.mean[c] as number) ** 2;
    varSum += v / k;
    days += k;
  }
  return { value, standardError: Math.sqrt(varSum) / CELLS, monthly, days };
}

/**
 * Average of monthly averages of the chosen weekdays' averages, over the months that have all of them: HVDT
 * (Mon–Fri, holidays left out by the caller) over the year, or a July day when only July is given.
 */
export function averageOfDayAverages(
  days: readonly Pick<SeriesDay, 'month' | 'weekday' | 'volume'>[],
  weekdays: readonly number[],
  months: readonly number[],
): { value: number; days: number } | undefined {
  const cells = cellMeans(days);
  const monthly: number[] = [];
  let used = 0;
  for (const m of months) {
    if (weekdays.some((d) => cells.n[cellOf(m, d)] === 0)) continue;
    monthly.push(weekdays.reduce((s, d) => s + (cells.mean[cellOf(m, d)] as number), 0) / weekdays.length);
    used += weekdays.reduce((s, d) => s + (cells.n[cellOf(m, d)] as number), 0);
  }
  if (monthly.length === 0) return undefined;
  return { value: monthly.reduce((a, b) => a + b, 0) / monthly.length, days: used };
}
