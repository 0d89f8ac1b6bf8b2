/**
 * Forecast accuracy as ASHRAE Guideline 14 defines it for calibrated models:
 *   CV(RMSE) = sqrt(Σ(y − ŷ)² / (n − p)) / ȳ
 *   NMBE     = Σ(y − ŷ) / ((n − p) · ȳ)
 * with p the number of model parameters (use 0 for out-of-sample forecasts, where nothing was fitted to the
 * data scored), reported in percent. G14 accepts an hourly model at CV(RMSE) ≤ 30 % and |NMBE| ≤ 10 %.
 * Pairs where either value is missing (NaN) are left out.
 */
export interface Accuracy {
  n: number;
  cvRmsePct: number;
  nmbePct: number;
  /** Mean absolute percentage error over actuals above 1 % of the mean (near-zero actuals make it explode). */
  mapePct: number;
  /** Share of actuals inside [lower, upper], when intervals are given. */
  coverage?: number;
}

export const ASHRAE_G14_HOURLY = { maxCvRmsePct: 30, maxAbsNmbePct: 10 } as const;

export function accuracy(
  actual: readonly number[],
  predicted: readonly number[],
  parameters = 0,
  interval?: { lower: readonly number[]; upper: readonly number[] },
): Accuracy {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let bias = 0;
  let covered = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    const f = predicted[i] as number;
    if (Number.isNaN(y) || Number.isNaN(f) || f === undefined) continue;
    n += 1;
    sum += y;
    sumSq += (y - f) ** 2;
    bias += y - f;
    if (interval && y >= (interval.lower[i] as number) && y <= (interval.upper[i] as number)) covered += 1;
  }
  const mean = sum / n;
  const dof = Math.max(1, n - parameters);
  let apeSum = 0;
  let apeN = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    const f = predicted[i] as number;
    if (Number.isNaN(y) || Number.isNaN(f) || Math.abs(y) <= 0.01 * Math.abs(mean)) continue;
    apeSum += Math.abs((y - f) / y);
    apeN += 1;
  }
  const result: Accuracy = {
    n,
    cvRmsePct: (Math.sqrt(sumSq / dof) / mean) * 100,
    nmbePct: (bias / (dof * mean)) * 100,
    mapePct: (apeSum / Math.max(1, apeN)) * 100,
  };
  if (interval) result.coverage = covered / Math.max(1, n);
  return result;
}

export function meetsAshraeG14Hourly(a: Accuracy): boolean {
  return (
    a.cvRmsePct <= ASHRAE_G14_HOURLY.maxCvRmsePct && Math.abs(a.nmbePct) <= ASHRAE_G14_HOURLY.maxAbsNmbePct
  );
}
