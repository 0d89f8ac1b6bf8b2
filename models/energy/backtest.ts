import { accuracy, meetsAshraeG14Hourly, type Accuracy } from './accuracy.js';
import { HOUR_MS } from './hourly-series.js';
import { NeuralForecaster, dayOrigins, type NeuralOptions } from './neural-forecaster.js';
import { seasonalNaiveForecast } from './seasonal-naive.js';
import type { MeterSeries } from './series-from-rows.js';
import { predictTowt } from './towt.js';

export const BACKTEST_MODELS = ['neural', 'towt', 'seasonalNaive'] as const;
export type BacktestModel = (typeof BACKTEST_MODELS)[number];

export interface MeterBacktest {
  meter: string;
  days: number;
  excludedHours: number;
  accuracy: Record<BacktestModel, Accuracy>;
  /** Whether the neural model is within ASHRAE G14's hourly criteria for this meter. */
  neuralMeetsG14: boolean;
}

export interface BacktestReport {
  trainUntil: string;
  horizonHours: number;
  backend: string;
  trainingSeconds: number;
  /** Median milliseconds to forecast one meter's horizon with the neural model. */
  forecastMsPerMeter: number;
  meters: MeterBacktest[];
  /** Median over meters of each model's metrics. */
  median: Record<BacktestModel, Omit<Accuracy, 'n'>>;
  /** Median neural CV(RMSE) divided by median seasonal-naive CV(RMSE). */
  neuralToNaiveCvRmse: number;
}

/**
 * Trains on hours before `trainUntil`, then rolls day-ahead forecasts over the rest: for each day D the models
 * see data up to 00:00 UTC of D and forecast its next `horizon` hours. Temperatures of the forecast hours are
 * the measured ones (a perfect weather forecast); in production a forecast takes their place.
 */
export async function backtest(
  series: MeterSeries[],
  trainUntil: number,
  options: Partial<NeuralOptions> = {},
): Promise<BacktestReport> {
  const { report, forecaster } = await trainAndBacktest(series, trainUntil, options);
  forecaster.dispose();
  return report;
}

/** As backtest, keeping the trained forecaster (the caller disposes of it). */
export async function trainAndBacktest(
  series: MeterSeries[],
  trainUntil: number,
  options: Partial<NeuralOptions> = {},
): Promise<{ report: BacktestReport; forecaster: NeuralForecaster }> {
  const started = performance.now();
  const neural = await NeuralForecaster.train(series, trainUntil, options);
  const trainingSeconds = (performance.now() - started) / 1000;
  const horizon = neural.options.horizon;
  const forecastTimes: number[] = [];
  const meters: MeterBacktest[] = [];
  try {
    for (const s of series) {
      const model = neural.meters.get(s.meter);
      if (!model) continue;
      const actual: number[] = [];
      const predictions: Record<BacktestModel, number[]> = { neural: [], towt: [], seasonalNaive: [] };
      const lower: number[] = [];
      const upper: number[] = [];
      let days = 0;
      for (const origin of dayOrigins(s.start, trainUntil, s.kwh.length - horizon)) {
        days += 1;
        const t = performance.now();
        const f = neural.forecast(s, origin);
        forecastTimes.push(performance.now() - t);
        actual.push(...s.kwh.slice(origin, origin + horizon));
        predictions.neural.push(...f.median);
        lower.push(...f.lower);
        upper.push(...f.upper);
        predictions.towt.push(...predictTowt(model.towt, s, origin, horizon));
        predictions.seasonalNaive.push(...seasonalNaiveForecast(s, origin, horizon));
      }
      if (days === 0) continue;
      const result = {
        neural: accuracy(actual, predictions.neural, 0, { lower, upper }),
        towt: accuracy(actual, predictions.towt),
        seasonalNaive: accuracy(actual, predictions.seasonalNaive),
      };
      meters.push({
        meter: s.meter,
        days,
        excludedHours: s.excluded,
        accuracy: result,
        neuralMeetsG14: meetsAshraeG14Hourly(result.neural),
      });
    }
  } catch (err) {
    neural.dispose();
    throw err;
  }
  const median = Object.fromEntries(
    BACKTEST_MODELS.map((m) => {
      const of = (k: keyof Accuracy) => medianOf(meters.map((r) => r.accuracy[m][k] as number));
      const entry: Omit<Accuracy, 'n'> = {
        cvRmsePct: of('cvRmsePct'),
        nmbePct: of('nmbePct'),
        mapePct: of('mapePct'),
      };
      if (m === 'neural') entry.coverage = of('coverage');
      return [m, entry];
    }),
  ) as Record<BacktestModel, Omit<Accuracy, 'n'>>;
  const report: BacktestReport = {
    trainUntil: new Date((series[0]?.start ?? 0) + trainUntil * HOUR_MS).toISOString(),
    horizonHours: horizon,
    backend: neural.backend,
    trainingSeconds,
    forecastMsPerMeter: medianOf(forecastTimes),
    meters,
    median,
    neuralToNaiveCvRmse: median.neural.cvRmsePct / median.seasonalNaive.cvRmsePct,
  };
  return { report, forecaster: neural };
}

function medianOf(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
