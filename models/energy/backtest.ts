import { accuracy, meetsAshraeG14Hourly, type Accuracy } from './accuracy.js';
import { HOUR_MS, setEnergyHolidayCalendar } from './hourly-series.js';
import { levelShifts } from './level-shift.js';
import { LinearFitter, predictLinear, type LinearModel, type LinearOptions } from './linear-reference.js';
import { NeuralForecaster, dayOrigins, type Forecast, type NeuralOptions } from './neural-forecaster.js';
import {
  BACKTEST_MODELS,
  chooseModel,
  CHOICE_WINDOW_DAYS,
  intervalScaleFor,
  type BacktestModel,
} from './model-choice.js';
import { seasonalNaiveForecast } from './seasonal-naive.js';
import type { MeterSeries } from './series-from-rows.js';
import { fitTowt, predictTowt, type TowtModel } from './towt.js';
import { REFERENCES_FORMAT, type ServingReferences } from './references.js';

export { BACKTEST_MODELS, type BacktestModel };
/** The scored forecasts: each model, and what greenops served (each meter's own choice at each retraining). */
export type ScoredModel = BacktestModel | 'served';

export interface MeterBacktest {
  meter: string;
  days: number;
  excludedHours: number;
  accuracy: Record<ScoredModel, Accuracy>;
  /** Whether the neural model is within ASHRAE G14's hourly criteria for this meter. */
  neuralMeetsG14: boolean;
  /** What greenops serves this meter after the backtest, by its last CHOICE_WINDOW_DAYS of forecasts. */
  chosen: BacktestModel;
  /** CV(RMSE) of each model over those days, the basis of the choice. */
  recentCvRmsePct: Record<BacktestModel, number>;
  /** Multiplier on the linear reference's interval that covered 80 % over those days. */
  linearIntervalScale: number;
  /**
   * Where the served forecast's error comes from: CV(RMSE) of each day's mean error (level: the day's total
   * was wrong) and of the rest (shape and hour-to-hour noise); level² + shape² = CV(RMSE)².
   */
  servedErrorSplit: { levelCvRmsePct: number; shapeCvRmsePct: number };
  /**
   * Level changes found in the meter's history (the load halved or doubled for three days in a row against the
   * same days a week before: a change of use, a long closure, a cold spell): from when, by what ratio, and from
   * when the forecasts knew of it. The references follow the new level from then on.
   */
  levelShifts: { from: string; ratio: number; knownFrom: string }[];
}

export interface BacktestOptions extends Partial<NeuralOptions> {
  /** Hours between retrainings, as the service does (GREENOPS_ENERGY_RETRAIN_HOURS); 0: train once. */
  retrainEveryHours?: number;
  /** Epochs of warm-started fine-tuning of the network at each retraining (0: the network is trained once). */
  fineTuneEpochs?: number;
  /** Days of the most recent history the network is fine-tuned on. */
  fineTuneDays?: number;
  /** Leave the network out (closed-form models only: fast). */
  skipNeural?: boolean;
  linear?: Partial<LinearOptions>;
  /** The holiday calendar of the buildings (see setEnergyHolidayCalendar); unset: the process's. */
  holidayCalendar?: string;
  /** Called after each forecast day with days done and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface BacktestReport {
  trainUntil: string;
  horizonHours: number;
  retrainEveryHours: number;
  retrainings: number;
  backend: string;
  trainingSeconds: number;
  /** Seconds of the whole replay (training, retraining and forecasting). */
  backtestSeconds: number;
  /** Median milliseconds to forecast one meter's horizon with the neural model (a day's meters in one batch). */
  forecastMsPerMeter: number;
  meters: MeterBacktest[];
  /** Median over meters of each model's metrics. */
  median: Record<ScoredModel, Omit<Accuracy, 'n'>>;
  /** 90th percentile over meters of each model's CV(RMSE). */
  p90CvRmsePct: Record<ScoredModel, number>;
  /** Meters within ASHRAE G14 hourly, per model. */
  g14Met: Record<ScoredModel, number>;
  /** Median neural CV(RMSE) divided by median seasonal-naive CV(RMSE). */
  neuralToNaiveCvRmse: number;
}

export async function backtest(
  series: MeterSeries[],
  trainUntil: number,
  options: BacktestOptions = {},
): Promise<BacktestReport> {
  const { report, forecaster } = await trainAndBacktest(series, trainUntil, options);
  forecaster?.dispose();
  return report;
}

/** Coverage the linear interval is calibrated to on the last weeks (see rechoose). */
const LINEAR_INTERVAL_TARGET = 0.85;

interface MeterState {
  s: MeterSeries;
  fitter: LinearFitter;
  linear: LinearModel;
  towt: TowtModel;
  chosen: BacktestModel;
  linearScale: number;
  actual: number[];
  predictions: Record<ScoredModel, number[]>;
  lower: Record<'neural' | 'linear' | 'served', number[]>;
  upper: Record<'neural' | 'linear' | 'served', number[]>;
  days: number;
}

/**
 * Replays the service: trains on hours before `trainUntil`, then rolls day-ahead forecasts over the rest (for
 * each day D the models see data up to 00:00 UTC of D) and retrains every `retrainEveryHours` on the data the
 * service would have had by then: closed-form models refitted, the network fine-tuned from its last weights,
 * and each meter's served model chosen again by its own recent forecasts. Temperatures of the forecast hours
 * are the measured ones (a perfect weather forecast); in production a forecast takes their place.
 * Returns the network as last retrained (undefined with `skipNeural`), and the closed-form models refitted once
 * more on all the data (as a retraining at the end of it would): what the service stores and serves until its
 * next retraining.
 */
export async function trainAndBacktest(
  series: MeterSeries[],
  trainUntil: number,
  options: BacktestOptions = {},
): Promise<{
  report: BacktestReport;
  forecaster: NeuralForecaster | undefined;
  references: ServingReferences;
}> {
  const {
    retrainEveryHours = 0,
    fineTuneEpochs = 3,
    fineTuneDays = 56,
    skipNeural = false,
    linear: linearOptions = {},
    holidayCalendar,
    onProgress,
    ...neuralOptions
  } = options;
  // A worker thread starts with the default calendar: the service passes its own.
  if (holidayCalendar !== undefined) setEnergyHolidayCalendar(holidayCalendar);
  const started = performance.now();
  const neural = skipNeural ? undefined : await NeuralForecaster.train(series, trainUntil, neuralOptions);
  const trainingSeconds = (performance.now() - started) / 1000;
  const horizon = neural?.options.horizon ?? neuralOptions.horizon ?? 24;
  const states: MeterState[] = series.map((s) => {
    const fitter = new LinearFitter(s, { ...linearOptions, horizon });
    fitter.advanceTo(trainUntil);
    const empty = () => [] as number[];
    return {
      s,
      fitter,
      linear: fitter.model(),
      towt: fitTowt(s, Math.max(0, trainUntil - 365 * 24), trainUntil),
      chosen: 'linear',
      linearScale: 1,
      actual: [],
      predictions: { neural: [], linear: [], towt: [], seasonalNaive: [], served: [] },
      lower: { neural: empty(), linear: empty(), served: empty() },
      upper: { neural: empty(), linear: empty(), served: empty() },
      days: 0,
    };
  });
  const forecastTimes: number[] = [];
  let retrainings = 0;
  try {
    const length = Math.max(...series.map((s) => s.kwh.length));
    const start = series[0]?.start ?? 0;
    const origins = dayOrigins(start, trainUntil, length - horizon);
    let trainedAt = trainUntil;
    for (const [done, origin] of origins.entries()) {
      if (retrainEveryHours > 0 && origin - trainedAt >= retrainEveryHours) {
        trainedAt = origin;
        retrainings += 1;
        for (const m of states) {
          m.fitter.advanceTo(origin);
          m.linear = m.fitter.model();
          m.towt = fitTowt(m.s, Math.max(0, origin - 365 * 24), origin);
          rechoose(m, horizon);
        }
        if (neural && fineTuneEpochs > 0) await neural.fineTune(series, origin, fineTuneEpochs, fineTuneDays);
      }
      const withNetwork = neural ? states.filter((m) => neural.meters.has(m.s.meter)) : [];
      const t = performance.now();
      const networkForecasts = new Map(
        neural
          ? neural
              .forecastMany(withNetwork.map((m) => ({ series: m.s, origin })))
              .map((f, i) => [(withNetwork[i] as MeterState).s.meter, f])
          : [],
      );
      if (withNetwork.length > 0) forecastTimes.push((performance.now() - t) / withNetwork.length);
      for (const m of states) forecastDay(m, origin, horizon, networkForecasts.get(m.s.meter));
      onProgress?.(done + 1, origins.length);
    }
  } catch (err) {
    neural?.dispose();
    throw err;
  }
  const meters: MeterBacktest[] = [];
  for (const m of states) {
    if (m.days === 0) continue;
    rechoose(m, horizon);
    const scored = (k: ScoredModel) =>
      k === 'neural' || k === 'linear' || k === 'served'
        ? accuracy(m.actual, m.predictions[k], 0, { lower: m.lower[k], upper: m.upper[k] })
        : accuracy(m.actual, m.predictions[k]);
    const result = Object.fromEntries(
      [...BACKTEST_MODELS, 'served' as const].map((k) => [k, scored(k)]),
    ) as Record<ScoredModel, Accuracy>;
    meters.push({
      meter: m.s.meter,
      days: m.days,
      excludedHours: m.s.excluded,
      accuracy: result,
      neuralMeetsG14: meetsAshraeG14Hourly(result.neural),
      chosen: m.chosen,
      recentCvRmsePct: recentCvRmse(m, horizon),
      linearIntervalScale: m.linearScale,
      servedErrorSplit: errorSplit(m.actual, m.predictions.served, horizon),
      levelShifts: levelShifts(m.s).map((x) => ({
        from: new Date(m.s.start + x.at * HOUR_MS).toISOString(),
        ratio: Math.round(x.ratio * 100) / 100,
        knownFrom: new Date(m.s.start + x.knownFrom * HOUR_MS).toISOString(),
      })),
    });
  }
  const scoredModels = [...BACKTEST_MODELS, 'served' as const];
  const median = Object.fromEntries(
    scoredModels.map((k) => {
      const of = (key: keyof Accuracy) => medianOf(meters.map((r) => r.accuracy[k][key] as number));
      const entry: Omit<Accuracy, 'n'> = {
        cvRmsePct: of('cvRmsePct'),
        nmbePct: of('nmbePct'),
        mapePct: of('mapePct'),
      };
      if (meters[0]?.accuracy[k].coverage !== undefined) entry.coverage = of('coverage');
      return [k, entry];
    }),
  ) as Record<ScoredModel, Omit<Accuracy, 'n'>>;
  const p90CvRmsePct = Object.fromEntries(
    scoredModels.map((k) => [
      k,
      quantileOf(
        meters.map((r) => r.accuracy[k].cvRmsePct),
        0.9,
      ),
    ]),
  ) as Record<ScoredModel, number>;
  const g14Met = Object.fromEntries(
    scoredModels.map((k) => [k, meters.filter((r) => meetsAshraeG14Hourly(r.accuracy[k])).length]),
  ) as Record<ScoredModel, number>;
  const report: BacktestReport = {
    trainUntil: new Date((series[0]?.start ?? 0) + trainUntil * HOUR_MS).toISOString(),
    horizonHours: horizon,
    retrainEveryHours,
    retrainings,
    backend: neural?.backend ?? 'none',
    trainingSeconds,
    backtestSeconds: (performance.now() - started) / 1000,
    forecastMsPerMeter: medianOf(forecastTimes),
    meters,
    median,
    p90CvRmsePct,
    g14Met,
    neuralToNaiveCvRmse: median.neural.cvRmsePct / median.seasonalNaive.cvRmsePct,
  };
  const end = Math.max(...series.map((s) => s.kwh.length));
  const references: ServingReferences = {
    format: REFERENCES_FORMAT,
    fittedUntil: new Date((series[0]?.start ?? 0) + end * HOUR_MS).toISOString(),
    meters: {},
  };
  for (const m of states) {
    m.fitter.advanceTo(end);
    references.meters[m.s.meter] = {
      linear: m.fitter.model(),
      towt: fitTowt(m.s, Math.max(0, end - 365 * 24), end),
    };
  }
  return { report, forecaster: neural, references };
}

function forecastDay(m: MeterState, origin: number, horizon: number, network: Forecast | undefined): void {
  const { s } = m;
  m.days += 1;
  m.actual.push(...s.kwh.slice(origin, origin + horizon));
  const nan = () => new Array<number>(horizon).fill(Number.NaN);
  const nf = network ?? { median: nan(), lower: nan(), upper: nan() };
  const lf = predictLinear(m.linear, s, origin, horizon, m.linearScale);
  const towt = predictTowt(m.towt, s, origin, horizon);
  const naive = seasonalNaiveForecast(s, origin, horizon);
  const byModel: Record<BacktestModel, number[]> = {
    neural: nf.median,
    linear: lf.median,
    towt,
    seasonalNaive: naive,
  };
  for (const k of BACKTEST_MODELS) m.predictions[k].push(...byModel[k]);
  m.lower.neural.push(...nf.lower);
  m.upper.neural.push(...nf.upper);
  m.lower.linear.push(...lf.lower);
  m.upper.linear.push(...lf.upper);
  m.predictions.served.push(...byModel[m.chosen]);
  // Only the network and the linear reference give an interval; a served TOWT or naive forecast takes the
  // linear reference's.
  const interval = m.chosen === 'neural' ? nf : lf;
  m.lower.served.push(...interval.lower);
  m.upper.served.push(...interval.upper);
}

function recentCvRmse(m: MeterState, horizon: number): Record<BacktestModel, number> {
  const from = Math.max(0, m.actual.length - CHOICE_WINDOW_DAYS * horizon);
  // Models are compared on the same hours: those every model that forecast at all forecast.
  const forecasting = BACKTEST_MODELS.filter((k) =>
    m.predictions[k].slice(from).some((v) => !Number.isNaN(v)),
  );
  const actual = m.actual
    .slice(from)
    .map((y, i) =>
      forecasting.some((k) => Number.isNaN(m.predictions[k][from + i] as number)) ? Number.NaN : y,
    );
  return Object.fromEntries(
    BACKTEST_MODELS.map((k) => [k, accuracy(actual, m.predictions[k].slice(from)).cvRmsePct]),
  ) as Record<BacktestModel, number>;
}

function rechoose(m: MeterState, horizon: number): void {
  if (m.days < 7) return;
  m.chosen = chooseModel(recentCvRmse(m, horizon));
  const from = Math.max(0, m.actual.length - CHOICE_WINDOW_DAYS * horizon);
  // The linear interval's multiplier, from its own recent out-of-sample forecasts. It aims above 80 %: it is
  // applied to the weeks after the ones it was found on, where forecasts miss by more (aiming at 82 % covered
  // 75.8 % on the real set's median meter, 21 of 30 meters in 75–85 %; at 85 %, 78.5 % and 30 of 30).
  m.linearScale = intervalScaleFor(
    m.actual.slice(from),
    m.predictions.linear.slice(from),
    m.lower.linear.slice(from),
    m.upper.linear.slice(from),
    m.linearScale,
    LINEAR_INTERVAL_TARGET,
  );
}

function errorSplit(
  actual: readonly number[],
  predicted: readonly number[],
  horizon: number,
): MeterBacktest['servedErrorSplit'] {
  let level = 0;
  let shape = 0;
  let sum = 0;
  let n = 0;
  for (let d = 0; d + horizon <= actual.length; d += horizon) {
    const errors: number[] = [];
    for (let h = d; h < d + horizon; h++) {
      const y = actual[h] as number;
      const f = predicted[h] as number;
      if (Number.isNaN(y) || Number.isNaN(f)) continue;
      errors.push(y - f);
      sum += y;
    }
    if (errors.length === 0) continue;
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    for (const e of errors) {
      level += mean ** 2;
      shape += (e - mean) ** 2;
    }
    n += errors.length;
  }
  const ybar = sum / Math.max(1, n);
  const pct = (sq: number) => (Math.sqrt(sq / Math.max(1, n)) / ybar) * 100;
  return { levelCvRmsePct: pct(level), shapeCvRmsePct: pct(shape) };
}

function medianOf(values: number[]): number {
  return quantileOf(values, 0.5);
}

/** Quantile with linear interpolation between order statistics (NaN ignored). */
function quantileOf(values: number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}
