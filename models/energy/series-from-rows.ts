import { HOUR_MS, type HourlySeries } from './hourly-series.js';

export interface MeterRow {
  meter: string;
  timeMs: number;
  kwh: number;
  temperatureC?: number | undefined;
}

export interface MeterSeries extends HourlySeries {
  meter: string;
  /** Hours set aside as unusable: gaps, zero-filled outages, impossible values. */
  excluded: number;
}

/** Runs of exact zeros at least this long are outages filled with zeros by the metering system, not consumption. */
export const ZERO_RUN_HOURS = 6;

/**
 * Puts each meter's readings on one shared hourly grid (hours without a reading are NaN), sets aside outages
 * (long runs of exact zeros) and impossible values (negative, or above 20× the meter's median, as after a
 * register reset), and fills short temperature gaps by interpolation. Models neither train nor score on NaN.
 */
export function seriesFromRows(rows: readonly MeterRow[]): MeterSeries[] {
  if (rows.length === 0) return [];
  let first = Infinity;
  let last = -Infinity;
  for (const r of rows) {
    first = Math.min(first, r.timeMs);
    last = Math.max(last, r.timeMs);
  }
  const start = Math.floor(first / HOUR_MS) * HOUR_MS;
  const hours = Math.floor((last - start) / HOUR_MS) + 1;
  const byMeter = new Map<string, MeterSeries>();
  for (const r of rows) {
    let s = byMeter.get(r.meter);
    if (!s) {
      s = {
        meter: r.meter,
        start,
        kwh: new Array<number>(hours).fill(Number.NaN),
        temperatureC: new Array<number>(hours).fill(Number.NaN),
        excluded: 0,
      };
      byMeter.set(r.meter, s);
    }
    const i = Math.floor((r.timeMs - start) / HOUR_MS);
    s.kwh[i] = r.kwh;
    if (r.temperatureC !== undefined) s.temperatureC[i] = r.temperatureC;
  }
  for (const s of byMeter.values()) clean(s);
  return [...byMeter.values()].sort((a, b) => (a.meter < b.meter ? -1 : 1));
}

function clean(s: MeterSeries): void {
  const values = s.kwh.filter((v) => !Number.isNaN(v) && v > 0).sort((a, b) => a - b);
  const median = values[Math.floor(values.length / 2)] ?? 0;
  const exclude = (i: number) => {
    if (!Number.isNaN(s.kwh[i] as number)) s.excluded += 1;
    s.kwh[i] = Number.NaN;
  };
  for (let i = 0; i < s.kwh.length; i++) {
    const v = s.kwh[i] as number;
    if (v < 0 || (median > 0 && v > 20 * median)) exclude(i);
  }
  for (let i = 0; i < s.kwh.length;) {
    if (s.kwh[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < s.kwh.length && s.kwh[j] === 0) j++;
    if (j - i >= ZERO_RUN_HOURS) for (let k = i; k < j; k++) exclude(k);
    i = j;
  }
  interpolate(s.temperatureC);
}

/** Linear interpolation over NaN gaps; leading and trailing gaps take the nearest value; all-NaN becomes 0. */
function interpolate(values: number[]): void {
  let previous = -1;
  for (let i = 0; i <= values.length; i++) {
    if (i < values.length && Number.isNaN(values[i] as number)) continue;
    const from = previous;
    const to = i < values.length ? i : -1;
    for (let k = from + 1; k < (to === -1 ? values.length : to); k++) {
      if (from === -1 && to === -1) values[k] = 0;
      else if (from === -1) values[k] = values[to] as number;
      else if (to === -1) values[k] = values[from] as number;
      else
        values[k] =
          (values[from] as number) +
          (((values[to] as number) - (values[from] as number)) * (k - from)) / (to - from);
    }
    previous = i;
  }
}
