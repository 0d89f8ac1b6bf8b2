import { PeriodicJob, type Logger, type Point } from '../../core/index.js';
import type { TimeSeriesStore } from '../../store/index.js';
import type { BacktestReport } from './backtest.js';
import { gate, GATE_MIN_DAYS } from './gate.js';
import { CHOICE_WINDOW_DAYS } from './model-choice.js';
import { energyHolidayCalendar, HOUR_MS } from './hourly-series.js';
import { loadEnergySeries } from './load-series.js';
import type { FileModelRegistry, ModelCard } from './registry.js';
import { weatherForCard, type WeatherForecastProvider } from './weather-forecast.js';
import { writeEnergyAnalysis } from './analysis-points.js';
import { DEFAULT_WASTE_SETTINGS, type WasteSettings } from './waste.js';
import { trainInWorker } from './train-in-worker.js';
import {
  ForecasterCache,
  forecastMeter,
  SERVING_HISTORY_DAYS,
  tomorrowOrigin,
  tomorrowSeries,
} from './use-cases.js';

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
  /** The backtest over the held-out days retrains this often, as the service does. */
  retrainEveryHours?: number;
  /** Where live forecasts take tomorrow's temperatures from (recorded on the card); none: last week's. */
  weatherSource?: string | undefined;
  /** Why the weather forecast could not be read when this version was trained (weatherForCard), if it could not. */
  weatherProblem?: string | undefined;
  nowMs?: number;
  onProgress?: (epoch: number, loss: number) => void;
}

/** The card's weatherForecast: the source, 'none', or the source with why it could not be read and what is used. */
export function weatherCardText(source: string | undefined, problem: string | undefined): string {
  if (!source) return 'none';
  return problem
    ? `${source}: could not be read when trained (${problem}); last week's temperatures are used instead`
    : source;
}

export type RetrainResult = { card: ModelCard; report: BacktestReport } | { skipped: string };

/**
 * Days held out for the backtest by default: more than the GATE_MIN_DAYS the G14 rule needs, and the
 * CHOICE_WINDOW_DAYS each meter's model is chosen on.
 */
export const DEFAULT_HOLDOUT_DAYS = Math.max(GATE_MIN_DAYS, CHOICE_WINDOW_DAYS);

/**
 * Trains the tenant's forecaster on its stored history before the most recent `holdoutDays` (in a worker
 * thread), replays those days as the service would (retraining every `retrainEveryHours`, so the network ends
 * fine-tuned up to the last retraining), applies the gate and registers the version as live: the gate's
 * per-meter plan says which model serves each meter, and each meter's linear reference and TOWT, fitted on all
 * the data, are stored with it (forecasts until the next training evaluate them on the latest inputs).
 */
export async function retrainTenant({
  store,
  registry,
  tenant,
  days = 400,
  holdoutDays = DEFAULT_HOLDOUT_DAYS,
  retrainEveryHours = 168,
  weatherSource,
  weatherProblem,
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
  const { report, artifacts, references } = await trainInWorker(
    series,
    trainUntil,
    // The worker thread starts on the default calendar: it is given this process's.
    { epochs, retrainEveryHours, holidayCalendar: energyHolidayCalendar() },
    onProgress,
  );
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
        meters: report.meters.map(
          ({
            meter,
            days: d,
            accuracy,
            neuralMeetsG14,
            chosen,
            recentCvRmsePct,
            linearIntervalScale,
            servedErrorSplit,
            levelShifts,
          }) => ({
            meter,
            days: d,
            accuracy,
            neuralMeetsG14,
            chosen,
            recentCvRmsePct,
            linearIntervalScale,
            servedErrorSplit,
            levelShifts,
          }),
        ),
      },
      gate: gate(report),
      weatherForecast: weatherCardText(weatherSource, weatherProblem),
      limitations: !weatherSource
        ? [
            ...MODEL_LIMITATIONS,
            'No weather forecast was configured where this version was trained (GREENOPS_WEATHER_FORECAST_URL; `greenops energy train` with the service stopped sees only its own environment, the service may have one configured): forecasts without one take last week’s temperatures, which the backtest (measured temperatures) does not show.',
          ]
        : weatherProblem
          ? [
              ...MODEL_LIMITATIONS,
              `The weather forecast (${weatherSource}) could not be read when this version was trained (${weatherProblem}): live forecasts take last week’s temperatures while it cannot be read.`,
            ]
          : MODEL_LIMITATIONS,
    },
    artifacts,
    true,
    references,
  );
  return { card, report };
}

/**
 * Writes tomorrow's (UTC) hourly forecasts of every meter, each from the model the gate chose for it, to the
 * store as `energy_forecast` (tags tenant, device; fields p50, p10 and p90 where the model gives an interval,
 * version, model), for dashboards and GET /api/v1/energy/forecast/points. Returns the points written.
 */
export async function writeForecasts(
  store: TimeSeriesStore,
  registry: FileModelRegistry,
  tenant: string,
  nowMs = Date.now(),
  logger?: Logger,
  weather?: WeatherForecastProvider,
): Promise<number> {
  const current = registry.current(tenant);
  if (!current) return 0;
  const { card } = current;
  const cache = new ForecasterCache(registry, logger);
  const origin = tomorrowOrigin(nowMs);
  const points: Point[] = [];
  try {
    const tomorrow = await tomorrowSeries(store, tenant, card.meters, origin, SERVING_HISTORY_DAYS, weather);
    for (const { series: s, originIndex } of tomorrow.meters) {
      const f = await forecastMeter(card, cache, s, originIndex);
      f.median.forEach((p50, h) => {
        if (Number.isNaN(p50)) return;
        const fields: Point['fields'] = { p50, version: card.version, model: f.model };
        if (f.lower && f.upper) {
          fields.p10 = f.lower[h] as number;
          fields.p90 = f.upper[h] as number;
        }
        points.push({
          measurement: 'energy_forecast',
          tags: { tenant, device: s.meter },
          fields,
          timeMs: origin + h * HOUR_MS,
        });
      });
    }
  } finally {
    cache.dispose();
  }
  await store.write(points);
  logger?.info({ tenant, points: points.length, version: card.version }, 'energy forecasts written');
  return points.length;
}

/**
 * Retrains every tenant with kWh readings every `everyHours` (first after `firstAfterMs`), one tenant at a time,
 * and writes each one's forecasts after its run; start()/stop(). `runTenant` is the same for one tenant, queued
 * behind whatever runs (POST /api/v1/energy/model/train).
 */
/** A training asked for over the API, as GET /api/v1/energy/model shows it (`greenops energy train --wait`). */
export interface TrainingJob {
  id: string;
  tenant: string;
  state: 'queued' | 'running' | 'done' | 'skipped' | 'failed';
  queuedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** The version registered, when done. */
  version?: number;
  /** Why it was skipped or failed. */
  error?: string;
}

export class EnergyRetrainer {
  private job: PeriodicJob | undefined;
  /** The chain every training joins, so two never run at once (each holds a worker thread and the CPU). */
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  /** The last trainings asked for over the API (newest last), kept in memory. */
  private readonly jobs: TrainingJob[] = [];
  private jobCount = 0;

  constructor(
    private readonly options: {
      store: TimeSeriesStore;
      registry: FileModelRegistry;
      everyHours: number;
      firstAfterMs?: number;
      retrainEveryHours?: number;
      weather?: WeatherForecastProvider | undefined;
      /** Price and emission factor of the waste findings written for dashboards (energy_waste). */
      waste?: WasteSettings;
      logger: Logger;
    },
  ) {}

  start(): void {
    this.job ??= new PeriodicJob(() => this.runOnce(), {
      firstAfterMs: this.options.firstAfterMs ?? 10 * 60_000,
      everyMs: this.options.everyHours * HOUR_MS,
    });
    this.job.start();
  }

  /** Trainings waiting or running. */
  get pending(): number {
    return this.queued;
  }

  /** Retrains every tenant with meters, one after the other. */
  async runOnce(): Promise<void> {
    const { logger } = this.options;
    let tenants: string[];
    try {
      tenants = await this.options.store.listTenants('energy');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'energy retraining: cannot list tenants');
      return;
    }
    for (const tenant of tenants) {
      if (this.job?.stopping) return;
      await this.runTenant(tenant).catch(() => undefined);
    }
  }

  /**
   * Queues one tenant's training as a job that GET /api/v1/energy/model lists (state, version or error) until
   * 20 newer ones have been asked for; answers at once with the job and how many trainings are ahead of it.
   */
  submit(
    tenant: string,
    options: { days?: number; holdoutDays?: number; epochs?: number } = {},
  ): { job: TrainingJob; ahead: number } {
    this.jobCount += 1;
    const job: TrainingJob = {
      id: `${Date.now().toString(36)}-${this.jobCount}`,
      tenant,
      state: 'queued',
      queuedAt: new Date().toISOString(),
    };
    this.jobs.push(job);
    if (this.jobs.length > 20) this.jobs.shift();
    const ahead = this.pending;
    const now = () => new Date().toISOString();
    this.runTenant(tenant, options, () => Object.assign(job, { state: 'running', startedAt: now() }))
      .then((result) =>
        'skipped' in result
          ? Object.assign(job, { state: 'skipped', error: result.skipped })
          : Object.assign(job, { state: 'done', version: result.card.version }),
      )
      .catch((err: unknown) => Object.assign(job, { state: 'failed', error: (err as Error).message }))
      .finally(() => (job.finishedAt = now()));
    return { job, ahead };
  }

  /** The tenant's trainings asked for over the API, newest last. */
  jobsOf(tenant: string): TrainingJob[] {
    return this.jobs.filter((j) => j.tenant === tenant).map((j) => ({ ...j }));
  }

  /** Queues one tenant's training behind any running; resolves with its result when it has run. */
  runTenant(
    tenant: string,
    options: { days?: number; holdoutDays?: number; epochs?: number } = {},
    onStart?: () => void,
  ): Promise<RetrainResult> {
    this.queued += 1;
    const run = this.queue.then(() => {
      onStart?.();
      return this.train(tenant, options);
    });
    this.queue = run.catch(() => undefined).finally(() => (this.queued -= 1));
    return run;
  }

  private async train(
    tenant: string,
    options: { days?: number; holdoutDays?: number; epochs?: number },
  ): Promise<RetrainResult> {
    const { logger } = this.options;
    logger.info({ tenant }, 'energy training started');
    try {
      const result = await retrainTenant({
        ...this.options,
        ...options,
        tenant,
        ...(await weatherForCard(this.options.weather, Date.now())),
        onProgress: (epoch, loss) =>
          epoch % 10 === 0 && logger.debug({ tenant, epoch, loss }, 'energy training'),
      });
      if ('skipped' in result) {
        logger.info({ tenant, reason: result.skipped }, 'energy retraining skipped');
        return result;
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
      await writeForecasts(
        this.options.store,
        this.options.registry,
        tenant,
        Date.now(),
        logger,
        this.options.weather,
      );
      await writeEnergyAnalysis(this.options.store, tenant, this.options.waste ?? DEFAULT_WASTE_SETTINGS);
      return result;
    } catch (err) {
      logger.error({ tenant, err: (err as Error).message }, 'energy retraining failed');
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.job?.stop();
    await this.queue;
  }
}
