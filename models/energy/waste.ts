import { hourOfWeek, HOUR_MS, type HourlySeries } from './hourly-series.js';
import { fitTowt, predictTowt } from './towt.js';

export type WasteKind = 'after_hours' | 'outside_expected_range' | 'drift';

export interface WasteFinding {
  kind: WasteKind;
  from: string;
  to: string;
  excessKwh: number;
  costDkk: number;
  co2Kg: number;
  detail: string;
}

export interface WasteSettings {
  priceDkkPerKwh: number;
  co2KgPerKwh: number;
}

/** Illustrative defaults (also those of GREENOPS_ENERGY_PRICE_DKK_PER_KWH and GREENOPS_GRID_CO2_KG_PER_KWH). */
export const DEFAULT_WASTE_SETTINGS: WasteSettings = { priceDkkPerKwh: 2, co2KgPerKwh: 0.1 };

/**
 * Finds waste in hours [from, to) of a meter, against a TOWT model of its normal behaviour fitted on the
 * reference period [referenceFrom, referenceTo) before it:
 * - after hours: an unoccupied stretch (night, weekend, holiday) using clearly more than expected, as when
 *   ventilation or lighting is left on (excess above 20 % of expected and above 3 σ of normal variation);
 * - outside the expected range: three or more occupied hours in a row above expected + 3 σ;
 * - drift: the 14-day mean running 10 % or more above expected, a slow change such as a failing control.
 * σ is the standard deviation of hourly residuals in the reference period. Excess is actual − expected.
 */
export function detectWaste(
  series: HourlySeries,
  referenceFrom: number,
  referenceTo: number,
  from: number,
  to: number,
  settings: WasteSettings,
): WasteFinding[] {
  const model = fitTowt(series, referenceFrom, referenceTo);
  const referenceExpected = predictTowt(model, series, referenceFrom, referenceTo - referenceFrom);
  const residuals = series.kwh
    .slice(referenceFrom, referenceTo)
    .map((y, i) => y - (referenceExpected[i] as number))
    .filter((r) => !Number.isNaN(r));
  const sigma = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / Math.max(1, residuals.length));
  const expected = predictTowt(model, series, from, to - from);
  const findings: WasteFinding[] = [];
  const at = (i: number) => new Date(series.start + i * HOUR_MS).toISOString();
  const finding = (kind: WasteKind, a: number, b: number, excess: number, detail: string): WasteFinding => ({
    kind,
    from: at(a),
    to: at(b),
    excessKwh: round(excess),
    costDkk: round(excess * settings.priceDkkPerKwh),
    co2Kg: round(excess * settings.co2KgPerKwh),
    detail,
  });
  const hourOfWeekOccupied = (i: number) => model.occupied[hourOfWeek(series.start + i * HOUR_MS)] ?? false;

  // After hours: contiguous unoccupied stretches.
  for (let i = from; i < to;) {
    if (hourOfWeekOccupied(i)) {
      i++;
      continue;
    }
    let j = i;
    let actual = 0;
    let exp = 0;
    let hours = 0;
    while (j < to && !hourOfWeekOccupied(j)) {
      const y = series.kwh[j] as number;
      const e = expected[j - from] as number;
      if (!Number.isNaN(y) && !Number.isNaN(e)) {
        actual += y;
        exp += e;
        hours += 1;
      }
      j++;
    }
    const excess = actual - exp;
    if (hours >= 4 && excess > 0.2 * exp && excess > 3 * sigma * Math.sqrt(hours)) {
      findings.push(
        finding(
          'after_hours',
          i,
          j,
          excess,
          `${hours} unoccupied hours used ${round(actual)} kWh, ${round(exp)} expected`,
        ),
      );
    }
    i = j;
  }

  // Outside the expected range: runs of at least 3 occupied hours above expected + 3σ (unoccupied hours are
  // judged as after-hours use above, so nothing is counted twice).
  for (let i = from; i < to;) {
    const above = (k: number) =>
      hourOfWeekOccupied(k) && (series.kwh[k] as number) > (expected[k - from] as number) + 3 * sigma;
    if (!above(i)) {
      i++;
      continue;
    }
    let j = i;
    let excess = 0;
    while (j < to && above(j)) {
      excess += (series.kwh[j] as number) - (expected[j - from] as number);
      j++;
    }
    if (j - i >= 3)
      findings.push(
        finding(
          'outside_expected_range',
          i,
          j,
          excess,
          `${j - i} hours above the expected range (expected + 3σ, σ = ${round(sigma)} kWh)`,
        ),
      );
    i = j;
  }

  // Drift: 14-day windows, stepping by a week, 10 % or more above expected.
  const window = 14 * 24;
  for (let i = from; i + window <= to; i += 7 * 24) {
    let actual = 0;
    let exp = 0;
    for (let k = i; k < i + window; k++) {
      const y = series.kwh[k] as number;
      const e = expected[k - from] as number;
      if (Number.isNaN(y) || Number.isNaN(e)) continue;
      actual += y;
      exp += e;
    }
    if (exp > 0 && actual > 1.1 * exp) {
      const last = findings.at(-1);
      if (last?.kind === 'drift' && Date.parse(last.to) >= series.start + i * HOUR_MS) {
        // Overlapping windows of one drift: extend the finding instead of counting the excess twice.
        const extra = sumExcess(
          series,
          expected,
          from,
          Math.round((Date.parse(last.to) - series.start) / HOUR_MS),
          i + window,
        );
        Object.assign(
          last,
          finding(
            'drift',
            Math.round((Date.parse(last.from) - series.start) / HOUR_MS),
            i + window,
            last.excessKwh + extra,
            last.detail,
          ),
        );
      } else {
        findings.push(
          finding(
            'drift',
            i,
            i + window,
            actual - exp,
            `14-day use ${round((actual / exp - 1) * 100)} % above expected`,
          ),
        );
      }
    }
  }
  return findings.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}

function sumExcess(series: HourlySeries, expected: number[], from: number, a: number, b: number): number {
  let s = 0;
  for (let k = a; k < b; k++) {
    const y = series.kwh[k] as number;
    const e = expected[k - from] as number;
    if (!Number.isNaN(y) && !Number.isNaN(e)) s += y - e;
  }
  return s;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
