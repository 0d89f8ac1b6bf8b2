import type { Logger, Point } from '../../core/index.js';
import type { TimeSeriesStore } from '../../store/index.js';
import type { BacktestReport } from './backtest.js';
import { gate } from './gate.js';
import { HOUR_MS } from './hourly-series.js';
import { loadEnergySeries } from './load-series.js';
import { NeuralForecaster } from './neural-forecaster.js';
import type { FileModelRegistry, ModelCard } from './registry.js';
import { trainInWorker } from './train-in-worker.js';
import { tomorrowOrigin, tomorrowSeries } from './use-cases.js';

/** Stated on every model card (EU AI Act transparency: what the model is and is not fit for). */
export const MODEL_LIMITATIONS = [
  'Day-ahead hourly forecasts of metered kWh; trained only on this tenant’s meters.',
  'Backtests use measured outdoor temperatures in place of a weather forecast; live forecasts without a weather forecast use last week’s temperatures and are less accurate in changing weather.',
  'A meter with less than a year of history has not seen every season; its forecasts for unseen weather are unreliable.',
  'Forecasts support facility managers; they are not used to make decisions about individuals.',
];

export interface RetrainOptions {
  store: TimeSeriesStore;
  registry: FileModelRegistry;
  tenant: string;
  days?: number;
  holdoutDays?: number;
  epochs?: number;
  nowMs?: number;
  onProgress?: (epoch: number, loss: number) => void;
}

export type RetrainResult = { card: ModelCard; report: BacktestReport } | { skipped: string };

/**
 * Trains the tenant's forecaster on its stored history (in a worker thread), backtests it on the most recent
 * `holdoutDays`, applies the gate and registers the version (live only if the gate let it through).
 */
export async function retrainTenant({
  store,
  registry,
  tenant,
  days = 400,
  holdoutDays = 28,
  epochs = 40,
  nowMs = Date.now(),
  onProgress,
}: RetrainOptions): Promise<RetrainResult> {
  const series = await loadEnergySeries(store, tenant, nowMs - days * 86_400_000, nowMs);
  if (series.length === 0) return { skipped: `tenant ${tenant} has no kWh meters with history` };
  const length = (series[0] as { kwh: number[] }).kwh.length;
  const trainUntil = length - holdoutDays * 24;
  if (trainUntil < 21 * 24)
    return {
      skipped: `only ${Math.floor(length / 24)} days of history; need 21 days to train before the ${holdoutDays} held out`,
    };
  const started = new Date(nowMs);
  const { report, artifacts } = await trainInWorker(series, trainUntil, { epochs }, onProgress);
  const start = (series[0] as { start: number }).start;
  const card = registry.save(
    {
      tenant,
      createdAt: started.toISOString(),
      trainingFrom: new Date(start).toISOString(),
      trainingUntil: report.trainUntil,
      backtestUntil: new Date(start + length * HOUR_MS).toISOString(),
      backend: report.backend,
      meters: series.map((s) => s.meter),
      backtest: {
        ...report,
        meters: report.meters.map(({ meter, days: d, accuracy, neuralMeetsG14 }) => ({
          meter,
          days: d,
          accuracy,
          neuralMeetsG14,
        })),
      },
      gate: gate(report),
      limitations: MODEL_LIMITATIONS,
    },
    artifacts,
  );
  return { card, report };
}

/**
 * Writes tomorrow's (UTC) hourly forecasts of every meter of the live neural model to the store as
 * `energy_forecast` (tags tenant, device; fields p10, p50, p90, version), for dashboards. Returns the points
 * written; none when no neural model is live.
 */
export async function writeForecasts(
  store: TimeSeriesStore,
  registry: FileModelRegistry,
  tenant: string,
  nowMs = Date.now(),
  logger?: Logger,
): Promise<number> {
  const current = registry.current(tenant);
  if (!current?.live || current.card.gate.serve !== 'neural') return 0;
  const forecaster = await NeuralForecaster.fromArtifacts(registry.artifacts(tenant, current.card.version));
  const origin = tomorrowOrigin(nowMs);
  const points: Point[] = [];
  try {
    for (const { series: s, originIndex } of await tomorrowSeries(
      store,
      tenant,
      current.card.meters,
      origin,
    )) {
      const f = forecaster.forecast(s, originIndex);
      f.median.forEach((p50, h) => {
        points.push({
          measurement: 'energy_forecast',
          tags: { tenant, device: s.meter },
          fields: {
            p10: f.lower[h] as number,
            p50,
            p90: f.upper[h] as number,
            version: current.card.version,
          },
          timeMs: origin + h * HOUR_MS,
        });
      });
    }
  } finally {
    forecaster.dispose();
  }
  await store.write(points);
  logger?.info({ tenant, points: points.length, version: current.card.version }, 'energy forecasts written');
  return points.length;
}

/** Retrains every `everyHours` (first after `firstAfterMs`) and writes forecasts after each run; start()/stop(). */
export class EnergyRetrainer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: {
      store: TimeSeriesStore;
      registry: FileModelRegistry;
      tenant: string;
      everyHours: number;
      firstAfterMs?: number;
      logger: Logger;
    },
  ) {}

  start(): void {
    if (this.options.everyHours <= 0) return;
    const schedule = (ms: number) => {
      this.timer = setTimeout(() => {
        this.running = this.runOnce().finally(() => schedule(this.options.everyHours * HOUR_MS));
      }, ms);
      this.timer.unref();
    };
    schedule(this.options.firstAfterMs ?? 10 * 60_000);
  }

  async runOnce(): Promise<void> {
    const { logger, tenant } = this.options;
    try {
      const result = await retrainTenant({
        ...this.options,
        onProgress: (epoch, loss) => epoch % 10 === 0 && logger.debug({ epoch, loss }, 'energy training'),
      });
      if ('skipped' in result) {
        logger.info({ tenant, reason: result.skipped }, 'energy retraining skipped');
        return;
      }
      logger.info(
        {
          tenant,
          version: result.card.version,
          serve: result.card.gate.serve,
          reasons: result.card.gate.reasons,
        },
        'energy model retrained',
      );
      await writeForecasts(this.options.store, this.options.registry, tenant, Date.now(), logger);
    } catch (err) {
      logger.error({ tenant, err: (err as Error).message }, 'energy retraining failed');
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }
}
