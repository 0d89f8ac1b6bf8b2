import type { HourlySeries } from './hourly-series.js';

/**
 * The reference every forecaster must beat: tomorrow's hour h is last week's hour h (the same hour of the same
 * weekday). Forecasts hours [from, from + horizon) seeing only data before `from`.
 */
export function seasonalNaiveForecast(series: HourlySeries, from: number, horizon: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < horizon; h++) {
    let index = from + h - 168;
    // A missing hour last week falls back to the week before, then gives up (NaN is not scored).
    while (index >= 0 && index >= from + h - 3 * 168 && Number.isNaN(series.kwh[index] as number))
      index -= 168;
    out.push(index >= 0 && index < from ? (series.kwh[index] as number) : Number.NaN);
  }
  return out;
}
