import { accuracy, meetsAshraeG14Hourly } from './accuracy.js';
import type { HourlySeries } from './hourly-series.js';
import { fitTowt, predictTowt } from './towt.js';

export interface SavingsReport {
  baselineHours: number;
  reportingHours: number;
  /** Fit of the baseline model on the baseline period (ASHRAE G14 wants CV(RMSE) ≤ 30 %, |NMBE| ≤ 10 % hourly). */
  baselineFit: { cvRmsePct: number; nmbePct: number; meetsG14: boolean };
  actualKwh: number;
  /** What the building would have used in the reporting period without the measure (the adjusted baseline). */
  counterfactualKwh: number;
  avoidedKwh: number;
  avoidedPct: number;
  /** 90 % range of the avoided energy (ASHRAE Guideline 14, annex B, with autocorrelated residuals). */
  uncertaintyKwh: number;
  range: [number, number];
  /** Lag-1 autocorrelation of baseline residuals, used to count effective baseline points. */
  residualAutocorrelation: number;
}

/** Two-sided 90 % (t ≈ 1.645 for the large samples hourly data gives). */
const T_90 = 1.645;

/**
 * Avoided energy of a measure (M&V, IPMVP option C / CalTRACK hourly): a TOWT baseline fitted on the baseline
 * period is projected over the reporting period with its actual temperatures, and compared with what was metered.
 * Uncertainty follows ASHRAE Guideline 14: ΔE = t · 1.26 · CV · √((n/n′)(1 + 2/n)/m′) · E_counterfactual, where
 * n′ = n(1 − ρ)/(1 + ρ) and m′ = m(1 − ρ)/(1 + ρ) count effective points of autocorrelated hourly residuals. Hours [baselineFrom, baselineTo) and
 * [reportFrom, reportTo) of the series; missing hours are left out of both sums.
 */
export function avoidedEnergy(
  series: HourlySeries,
  baselineFrom: number,
  baselineTo: number,
  reportFrom: number,
  reportTo: number,
): SavingsReport {
  const model = fitTowt(series, baselineFrom, baselineTo);
  const fitted = predictTowt(model, series, baselineFrom, baselineTo - baselineFrom);
  const baseActual = series.kwh.slice(baselineFrom, baselineTo);
  const fit = accuracy(baseActual, fitted, model.parameters);
  const residuals = baseActual.map((y, i) => y - (fitted[i] as number));
  const rho = lag1Autocorrelation(residuals);

  const projected = predictTowt(model, series, reportFrom, reportTo - reportFrom);
  let actualKwh = 0;
  let counterfactualKwh = 0;
  let m = 0;
  for (let i = reportFrom; i < reportTo; i++) {
    const y = series.kwh[i] as number;
    const f = projected[i - reportFrom] as number;
    if (Number.isNaN(y) || Number.isNaN(f)) continue;
    actualKwh += y;
    counterfactualKwh += f;
    m += 1;
  }
  const n = fit.n;
  const effective = (count: number) => Math.max(1, (count * (1 - rho)) / (1 + rho));
  // Hourly residuals are strongly autocorrelated; G14's formula corrects the baseline count for it, and the
  // reporting count needs the same correction, or the range is far too narrow (Sun & Baltazar 2013).
  const uncertaintyKwh =
    T_90 *
    1.26 *
    (fit.cvRmsePct / 100) *
    Math.sqrt(((n / effective(n)) * (1 + 2 / n)) / effective(m)) *
    counterfactualKwh;
  return {
    baselineHours: n,
    reportingHours: m,
    baselineFit: {
      cvRmsePct: fit.cvRmsePct,
      nmbePct: fit.nmbePct,
      meetsG14: meetsAshraeG14Hourly(fit),
    },
    ...savingsTotals(actualKwh, counterfactualKwh, uncertaintyKwh),
    residualAutocorrelation: rho,
  };
}

export type SavingsTotals = Pick<
  SavingsReport,
  'actualKwh' | 'counterfactualKwh' | 'avoidedKwh' | 'avoidedPct' | 'uncertaintyKwh' | 'range'
>;

/** Avoided energy, its share and its range from actual and counterfactual use and the uncertainty. */
export function savingsTotals(
  actualKwh: number,
  counterfactualKwh: number,
  uncertaintyKwh: number,
): SavingsTotals {
  const avoidedKwh = counterfactualKwh - actualKwh;
  return {
    actualKwh,
    counterfactualKwh,
    avoidedKwh,
    avoidedPct: (avoidedKwh / counterfactualKwh) * 100,
    uncertaintyKwh,
    range: [avoidedKwh - uncertaintyKwh, avoidedKwh + uncertaintyKwh],
  };
}

function lag1Autocorrelation(values: number[]): number {
  const xs = values.filter((v) => !Number.isNaN(v));
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < values.length; i++) {
    const a = values[i] as number;
    if (Number.isNaN(a)) continue;
    den += (a - mean) ** 2;
    const b = values[i + 1];
    if (b !== undefined && !Number.isNaN(b)) num += (a - mean) * (b - mean);
  }
  return den === 0 ? 0 : Math.min(0.99, Math.max(-0.99, num / den));
}
