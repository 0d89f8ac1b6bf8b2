import { danishLocalTime, GreenopsError } from '../../core/index.js';
import { HOUR_MS, isEnergyHoliday, type HourlySeries } from './hourly-series.js';
import { fitTowt, predictTowt, type TowtModel } from './towt.js';
import { loadTf, type Tf } from './tf-runtime.js';

export const QUANTILES = [0.1, 0.5, 0.9] as const;

export interface NeuralOptions {
  horizon: number;
  /** Units of the hidden layer; 0 for a linear model. */
  hidden: number;
  /** Learn corrections to TOWT's expectation ('towt', the default) or the load itself ('none'). */
  baseline: 'towt' | 'none';
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Called after each epoch with the training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

export const DEFAULT_NEURAL_OPTIONS: NeuralOptions = {
  horizon: 24,
  hidden: 64,
  baseline: 'towt',
  epochs: 40,
  batchSize: 128,
  learningRate: 0.003,
  seed: 1,
};

const RESIDUAL_LAGS = 48;
const LOAD_LAGS = 24;

export interface MeterModel {
  meter: string;
  towt: TowtModel;
  /** Mean load over the training range: every input and output is scaled by it (one model for all meters). */
  scale: number;
}

export interface ForecasterArtifacts {
  manifest: {
    format: string;
    topology: object;
    weightSpecs: import('@tensorflow/tfjs').io.WeightsManifestEntry[];
    meters: MeterModel[];
    options: Omit<NeuralOptions, 'onEpoch'> & { onEpoch?: undefined };
    intervalScale: number;
  };
  weights: Buffer;
}

export interface Forecast {
  median: number[];
  lower: number[];
  upper: number[];
}

/**
 * A day-ahead forecaster trained across all meters of a tenant. Each meter's TOWT regression supplies the
 * expected load from time of week and temperature; a small network learns what TOWT misses from the last two
 * days' residuals, the last day's load and last week's same hours, and outputs the 10th, 50th and 90th
 * percentile of each hour's correction (pinball loss), so the forecast comes with an 80 % interval. The
 * interval is then widened or narrowed on held-out days until it covers 80 % there (split-conformal style).
 */
export class NeuralForecaster {
  private constructor(
    private readonly tf: Tf,
    private readonly network: import('@tensorflow/tfjs').LayersModel,
    readonly meters: Map<string, MeterModel>,
    readonly options: NeuralOptions,
    /** Multiplier on the distance from median to each interval bound, found on held-out days. */
    readonly intervalScale: number,
    readonly backend: string,
  ) {}

  /** Trains on hours [0, trainUntil) of each series (all on the same hourly grid). */
  static async train(
    series: readonly (HourlySeries & { meter: string })[],
    trainUntil: number,
    options: Partial<NeuralOptions> = {},
  ): Promise<NeuralForecaster> {
    const o = { ...DEFAULT_NEURAL_OPTIONS, ...options };
    const { tf, backend } = await loadTf();
    const meters = new Map<string, MeterModel>();
    const samples: { x: number[]; y: number[]; origin: number }[] = [];
    const usableDays = new Map<string, number>();
    for (const s of series) {
      usableDays.set(s.meter, 0);
      const towt = fitTowt(s, 0, trainUntil);
      const used = s.kwh.slice(0, trainUntil).filter((v) => !Number.isNaN(v));
      const scale = Math.max(1e-6, used.reduce((a, b) => a + b, 0) / Math.max(1, used.length));
      const model = { meter: s.meter, towt, scale };
      meters.set(s.meter, model);
      const expected =
        o.baseline === 'towt'
          ? predictTowt(towt, s, 0, s.kwh.length)
          : new Array<number>(s.kwh.length).fill(0);
      for (const origin of dayOrigins(s.start, 168, trainUntil - o.horizon)) {
        const y = targets(s, expected, model.scale, origin, o.horizon);
        if (y.some(Number.isNaN)) continue;
        usableDays.set(s.meter, (usableDays.get(s.meter) ?? 0) + 1);
        samples.push({ x: features(s, expected, model.scale, origin, o.horizon), y, origin });
      }
    }
    if (samples.length < MIN_TRAINING_DAYS) throw tooLittleHistory(usableDays);
    // The last tenth of days (by time) is held out to calibrate the interval.
    const cutoff =
      [...samples].sort((a, b) => a.origin - b.origin)[Math.floor(samples.length * 0.9)]?.origin ?? Infinity;
    const fit = samples.filter((s) => s.origin < cutoff);
    const held = samples.filter((s) => s.origin >= cutoff);

    const inputs = (fit[0] as { x: number[] }).x.length;
    const network = tf.sequential();
    if (o.hidden > 0) {
      network.add(
        tf.layers.dense({
          units: o.hidden,
          activation: 'relu',
          inputShape: [inputs],
          kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed }),
        }),
      );
    }
    network.add(
      tf.layers.dense({
        units: o.horizon * QUANTILES.length,
        ...(o.hidden > 0 ? {} : { inputShape: [inputs] }),
        kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 1 }),
      }),
    );
    network.compile({
      optimizer: tf.train.adam(o.learningRate),
      loss: (yTrue: import('@tensorflow/tfjs').Tensor, yPred: import('@tensorflow/tfjs').Tensor) =>
        pinball(tf, yTrue, yPred, o.horizon),
    });
    const x = tf.tensor2d(fit.map((s) => s.x));
    // tfjs wants targets shaped like the output: the hour targets once per quantile.
    const y = tf.tensor2d(fit.map((s) => QUANTILES.flatMap(() => s.y)));
    try {
      await network.fit(x, y, {
        epochs: o.epochs,
        batchSize: o.batchSize,
        shuffle: true,
        verbose: 0,
        callbacks: {
          onEpochEnd: async (epoch, logs) => o.onEpoch?.(epoch + 1, Number(logs?.loss ?? Number.NaN)),
        },
      });
    } finally {
      x.dispose();
      y.dispose();
    }
    const forecaster = new NeuralForecaster(tf, network, meters, o, 1, backend);
    return new NeuralForecaster(tf, network, meters, o, forecaster.calibrate(held), backend);
  }

  /**
   * Retraining as the service does it, warm-started: each meter's TOWT is refitted on the year before `until`
   * and its scale set to its last four weeks' mean load (so a building that changed use is seen at its new
   * level), then the network continues from its current weights for `epochs` on the last `days` days.
   */
  async fineTune(
    series: readonly (HourlySeries & { meter: string })[],
    until: number,
    epochs: number,
    days: number,
  ): Promise<void> {
    const o = this.options;
    const samples: { x: number[]; y: number[] }[] = [];
    for (const s of series) {
      const previous = this.meters.get(s.meter);
      if (!previous) continue;
      const towt = fitTowt(s, Math.max(0, until - 365 * 24), until);
      const recent = s.kwh.slice(Math.max(0, until - 28 * 24), until).filter((v) => !Number.isNaN(v));
      const scale =
        recent.length >= 24
          ? Math.max(1e-6, recent.reduce((a, b) => a + b, 0) / recent.length)
          : previous.scale;
      const model = { meter: s.meter, towt, scale };
      this.meters.set(s.meter, model);
      const from = Math.max(168, until - days * 24);
      const expected =
        o.baseline === 'towt'
          ? new Array<number>(from - 168)
              .fill(Number.NaN)
              .concat(predictTowt(towt, s, from - 168, until - from + 168))
          : new Array<number>(until).fill(0);
      for (const origin of dayOrigins(s.start, from, until - o.horizon)) {
        const y = targets(s, expected, scale, origin, o.horizon);
        if (y.some(Number.isNaN)) continue;
        samples.push({ x: features(s, expected, scale, origin, o.horizon), y });
      }
    }
    if (samples.length < 10 || epochs <= 0) return;
    const x = this.tf.tensor2d(samples.map((s) => s.x));
    const y = this.tf.tensor2d(samples.map((s) => QUANTILES.flatMap(() => s.y)));
    try {
      await this.network.fit(x, y, { epochs, batchSize: o.batchSize, shuffle: true, verbose: 0 });
    } finally {
      x.dispose();
      y.dispose();
    }
  }

  /** Forecasts `horizon` hours from `origin` (an hour index of the series) using only data before it. */
  forecast(series: HourlySeries & { meter: string }, origin: number): Forecast {
    return this.forecastMany([{ series, origin }])[0] as Forecast;
  }

  /** Several forecasts in one pass of the network (a backtest day over every meter). */
  forecastMany(items: readonly { series: HourlySeries & { meter: string }; origin: number }[]): Forecast[] {
    if (items.length === 0) return [];
    const prepared = items.map(({ series, origin }) => {
      const model = this.meters.get(series.meter);
      if (!model) throw new Error(`no model for meter ${series.meter}`);
      const expected =
        this.options.baseline === 'towt'
          ? predictTowt(model.towt, series, origin - 168, 168 + this.options.horizon)
          : new Array<number>(168 + this.options.horizon).fill(0);
      const full = new Array<number>(origin - 168).fill(Number.NaN).concat(expected);
      return { full, model, origin, x: features(series, full, model.scale, origin, this.options.horizon) };
    });
    const raw = this.predictRaw(prepared.map((p) => p.x));
    return prepared.map((p, i) =>
      this.toForecast(raw[i] as number[], p.full, p.model.scale, p.origin, this.intervalScale),
    );
  }

  dispose(): void {
    this.network.dispose();
  }

  /** Everything needed to load this forecaster again: the network's topology and weights, and per-meter parts. */
  async toArtifacts(): Promise<ForecasterArtifacts> {
    let saved: import('@tensorflow/tfjs').io.ModelArtifacts | undefined;
    await this.network.save(
      this.tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (!saved?.weightData || !saved.weightSpecs) throw new Error('the network did not save its weights');
    const weightData = Array.isArray(saved.weightData)
      ? Buffer.concat(saved.weightData.map((b) => Buffer.from(b)))
      : Buffer.from(saved.weightData);
    return {
      manifest: {
        format: 'greenops-energy-neural/1',
        topology: saved.modelTopology as object,
        weightSpecs: saved.weightSpecs,
        meters: [...this.meters.values()],
        options: { ...this.options, onEpoch: undefined },
        intervalScale: this.intervalScale,
      },
      weights: weightData,
    };
  }

  static async fromArtifacts({ manifest, weights }: ForecasterArtifacts): Promise<NeuralForecaster> {
    if (manifest.format !== 'greenops-energy-neural/1')
      throw new Error(`unknown model format ${String(manifest.format)}`);
    const { tf, backend } = await loadTf();
    const buffer = weights.buffer.slice(
      weights.byteOffset,
      weights.byteOffset + weights.byteLength,
    ) as ArrayBuffer;
    const network = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: manifest.topology,
        weightSpecs: manifest.weightSpecs,
        weightData: buffer,
      }),
    );
    const meters = new Map(manifest.meters.map((m) => [m.meter, m]));
    return new NeuralForecaster(
      tf,
      network,
      meters,
      { ...DEFAULT_NEURAL_OPTIONS, ...manifest.options },
      manifest.intervalScale,
      backend,
    );
  }

  private predictRaw(rows: number[][]): number[][] {
    const input = this.tf.tensor2d(rows);
    const output = this.network.predict(input) as import('@tensorflow/tfjs').Tensor;
    const values = output.arraySync() as number[][];
    input.dispose();
    output.dispose();
    return values;
  }

  private toForecast(
    raw: number[],
    expected: number[],
    scale: number,
    origin: number,
    intervalScale: number,
  ): Forecast {
    const f: Forecast = { median: [], lower: [], upper: [] };
    const H = this.options.horizon;
    for (let h = 0; h < H; h++) {
      const [q10, q50, q90] = quantilesAt(raw, H, h);
      const base = expected[origin + h] as number;
      f.median.push(base + scale * q50);
      f.lower.push(base + scale * (q50 - intervalScale * (q50 - q10)));
      f.upper.push(base + scale * (q50 + intervalScale * (q90 - q50)));
    }
    return f;
  }

  /** The interval multiplier that makes the 80 % interval cover 80 % of held-out hours. */
  private calibrate(held: { x: number[]; y: number[] }[]): number {
    if (held.length === 0) return 1;
    const raw = this.predictRaw(held.map((s) => s.x));
    const H = this.options.horizon;
    const coverage = (m: number) => {
      let inside = 0;
      let total = 0;
      held.forEach((s, i) => {
        const r = raw[i] as number[];
        for (let h = 0; h < H; h++) {
          const [q10, q50, q90] = quantilesAt(r, H, h);
          const y = s.y[h] as number;
          total += 1;
          if (y >= q50 - m * (q50 - q10) && y <= q50 + m * (q90 - q50)) inside += 1;
        }
      });
      return inside / total;
    };
    let lo = 0.25;
    let hi = 4;
    for (let k = 0; k < 30; k++) {
      const mid = (lo + hi) / 2;
      if (coverage(mid) < 0.8) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

function pinball(
  tf: Tf,
  yTrue: import('@tensorflow/tfjs').Tensor,
  yPred: import('@tensorflow/tfjs').Tensor,
  horizon: number,
) {
  return tf.tidy(() => {
    const losses = QUANTILES.map((q, k) => {
      const pred = yPred.slice([0, k * horizon], [-1, horizon]);
      const error = yTrue.slice([0, k * horizon], [-1, horizon]).sub(pred);
      return tf.maximum(error.mul(q), error.mul(q - 1)).mean();
    });
    return tf.addN(losses).div(QUANTILES.length) as import('@tensorflow/tfjs').Scalar;
  });
}

/**
 * The 10/50/90 % outputs for hour h of a network output laid out quantile by quantile, in order: quantile
 * regression can cross, and the interval bounds must not.
 */
function quantilesAt(raw: number[], horizon: number, h: number): [number, number, number] {
  return [raw[h] as number, raw[horizon + h] as number, raw[2 * horizon + h] as number].sort(
    (a, b) => a - b,
  ) as [number, number, number];
}

/** Hour indexes of 00:00 UTC, from `from` (inclusive) to `to` (inclusive). */
/** Days the network needs to train on, over all meters (a day: the week before it and its hours measured). */
export const MIN_TRAINING_DAYS = 20;

/** Too little history: how many days are needed, and per meter how many it has (no stack trace for the CLI). */
export function tooLittleHistory(usableDays: ReadonlyMap<string, number>): GreenopsError {
  const total = [...usableDays.values()].reduce((a, b) => a + b, 0);
  const perMeter = [...usableDays].map(([meter, days]) => `${meter} ${days}`);
  const shown =
    perMeter.length > 20 ? [...perMeter.slice(0, 20), `… ${perMeter.length - 20} more`] : perMeter;
  return new GreenopsError(
    'INSUFFICIENT_DATA',
    `too little history to train: the network needs at least ${MIN_TRAINING_DAYS} usable days over all meters ` +
      `(a usable day has the 7 days before it and its own hours measured); it has ${total} ` +
      `(per meter: ${shown.join(', ')})`,
  );
}

export function dayOrigins(start: number, from: number, to: number): number[] {
  const out: number[] = [];
  const firstMidnight = Math.ceil(start / 86_400_000) * 86_400_000;
  for (let i = (firstMidnight - start) / HOUR_MS; i <= to; i += 24) if (i >= from) out.push(i);
  return out;
}

function targets(
  s: HourlySeries,
  expected: number[],
  scale: number,
  origin: number,
  horizon: number,
): number[] {
  const y: number[] = [];
  for (let h = 0; h < horizon; h++)
    y.push(((s.kwh[origin + h] as number) - (expected[origin + h] as number)) / scale);
  return y;
}

/** Inputs known at 00:00 UTC of the forecast day, all scaled by the meter's mean load. */
function features(
  s: HourlySeries,
  expected: number[],
  scale: number,
  origin: number,
  horizon: number,
): number[] {
  const x: number[] = [];
  const value = (i: number) => {
    const v = s.kwh[i] as number;
    return Number.isNaN(v) ? (expected[i] as number) : v;
  };
  for (let k = 1; k <= RESIDUAL_LAGS; k++) {
    const v = s.kwh[origin - k] as number;
    x.push(Number.isNaN(v) ? 0 : (v - (expected[origin - k] as number)) / scale);
  }
  for (let k = 1; k <= LOAD_LAGS; k++) x.push(value(origin - k) / scale);
  for (let h = 0; h < horizon; h++) x.push(value(origin - 168 + h) / scale);
  for (let h = 0; h < horizon; h++) x.push((expected[origin + h] as number) / scale);
  for (let h = 0; h < horizon; h += 3) x.push((s.temperatureC[origin + h] as number) / 10);
  const dayMs = s.start + origin * HOUR_MS + 12 * HOUR_MS;
  const weekday = danishLocalTime(dayMs).weekday;
  for (let d = 1; d <= 7; d++) x.push(weekday === d ? 1 : 0);
  x.push(isEnergyHoliday(dayMs) ? 1 : 0);
  return x;
}
