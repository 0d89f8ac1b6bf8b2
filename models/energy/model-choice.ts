/** The models a backtest scores and a meter may be served. */
export const BACKTEST_MODELS = ['neural', 'linear', 'towt', 'seasonalNaive'] as const;
export type BacktestModel = (typeof BACKTEST_MODELS)[number];

/** Days of a meter's most recent day-ahead forecasts that decide which model serves it. */
export const CHOICE_WINDOW_DAYS = 56;

/**
 * A model other than the linear reference must beat it by this share of its CV(RMSE) to serve a meter: on
 * a few weeks of forecasts smaller differences are noise, and the closed-form model is the cheaper and more
 * explainable one.
 */
export const CHOICE_MARGIN = 0.1;

/**
 * The model a meter is served, from each model's CV(RMSE) over the meter's own recent forecasts: the lowest,
 * with the linear reference kept unless another beats it by CHOICE_MARGIN (so the network is served only
 * where it beats the linear reference). Models without a score (NaN) are not candidates.
 */
export function chooseModel(recentCvRmsePct: Record<BacktestModel, number>): BacktestModel {
  const linear = recentCvRmsePct.linear;
  let best: BacktestModel = 'linear';
  let bestScore = Number.isNaN(linear) ? Infinity : linear * (1 - CHOICE_MARGIN);
  for (const k of ['neural', 'towt', 'seasonalNaive'] as const) {
    const score = recentCvRmsePct[k];
    if (!Number.isNaN(score) && score < bestScore) {
      best = k;
      bestScore = score;
    }
  }
  return best;
}

/** Why a meter is served what it is, for the card. */
export function choiceReason(chosen: BacktestModel, recentCvRmsePct: Record<BacktestModel, number>): string {
  const scores = (Object.entries(recentCvRmsePct) as [BacktestModel, number][])
    .filter(([, v]) => !Number.isNaN(v))
    .sort((a, b) => a[1] - b[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)} %`)
    .join(', ');
  return `${chosen}: lowest CV(RMSE) over the last ${CHOICE_WINDOW_DAYS} backtest days (${scores})${
    chosen === 'linear' ? '; the linear reference is kept unless another model beats it by 10 %' : ''
  }`;
}

/**
 * The multiplier on an interval's distances from its median that makes it cover 80 % of `actual`, given
 * intervals recorded at multiplier `used`. Bisection; 1 when there is nothing to calibrate on.
 */
export function intervalScaleFor(
  actual: readonly number[],
  median: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
  used: number,
  target = 0.8,
): number {
  const rows: [number, number, number, number][] = [];
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    const m = median[i] as number;
    if (Number.isNaN(y) || Number.isNaN(m)) continue;
    rows.push([y, m, (m - (lower[i] as number)) / used, ((upper[i] as number) - m) / used]);
  }
  if (rows.length < 48) return used;
  const coverage = (k: number) =>
    rows.filter(([y, m, dl, du]) => y >= m - k * dl && y <= m + k * du).length / rows.length;
  let lo = 0.25;
  let hi = 6;
  for (let i = 0; i < 25; i++) {
    const mid = (lo + hi) / 2;
    if (coverage(mid) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}
