import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Logger, Metric } from '../../core/index.js';
import type { MigrationSet, RecordStore } from '../../store/index.js';
import { MODEL_WORK_CHANNEL, type ModelWork } from '../worker-thread.js';
import { footprintOf, type Footprint, type PowerModel, type WorkUsage } from './footprint.js';

/** The energy use of trainings (one row each) and of inference (one row per model, tenant and UTC day). */
export const FOOTPRINT_MIGRATIONS: MigrationSet = {
  component: 'model-footprint',
  migrations: [
    {
      version: 1,
      name: 'model energy use',
      sql: `
        CREATE TABLE model_footprint (
          id bigserial PRIMARY KEY,
          model_id text NOT NULL,
          kind text NOT NULL CHECK (kind IN ('training', 'inference')),
          tenant text NOT NULL DEFAULT '',
          model_version text,
          day date,
          started_at timestamptz NOT NULL,
          ended_at timestamptz NOT NULL,
          calls integer NOT NULL DEFAULT 1,
          completed boolean NOT NULL DEFAULT true,
          cpu_seconds double precision NOT NULL,
          wall_seconds double precision NOT NULL,
          kwh double precision NOT NULL,
          co2e_kg double precision NOT NULL,
          method text NOT NULL
        );
        CREATE INDEX model_footprint_model ON model_footprint (model_id, kind, started_at DESC);
        CREATE UNIQUE INDEX model_footprint_inference_day ON model_footprint (model_id, tenant, day)
          WHERE kind = 'inference';`,
    },
  ],
};

/** Worker modules that train a model, by model id (other workers, such as analysis pools, are not model training). */
export const TRAINING_MODULES: Readonly<Record<string, string>> = {
  'train-worker': 'energy-forecaster',
  'train-classifier-worker': 'invoice-classifier',
};

export interface TrainingFootprint extends Footprint {
  modelId: string;
  version: string | undefined;
  startedAt: string;
  endedAt: string;
  completed: boolean;
}

export interface InferenceDay extends Omit<Footprint, 'method'> {
  day: string;
  calls: number;
  method: string;
}

interface Row {
  model_id: string;
  model_version: string | null;
  day: string | null;
  started_at: Date;
  ended_at: Date;
  calls: number;
  completed: boolean;
  cpu_seconds: number;
  wall_seconds: number;
  kwh: number;
  co2e_kg: number;
  method: string;
}

/**
 * Records the footprint of every model training announced on {@link MODEL_WORK_CHANNEL} and of inference served by
 * the API, in the records store (so the API shows what the ingest process trained), and keeps this process's totals
 * for /metrics. The grid factor is the Danish electricity factor of the factor table.
 */
export class FootprintLog {
  private readonly totals = new Map<string, { kwh: number; co2eKg: number }>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly listener = (message: unknown) => this.onWork(message as ModelWork);

  constructor(
    private readonly options: {
      records: RecordStore;
      power: PowerModel;
      gridKgPerKwh: number;
      logger: Logger;
    },
  ) {}

  get gridKgPerKwh(): number {
    return this.options.gridKgPerKwh;
  }

  /** Starts recording trainings of this process. */
  start(): void {
    subscribe(MODEL_WORK_CHANNEL, this.listener);
  }

  async stop(): Promise<void> {
    unsubscribe(MODEL_WORK_CHANNEL, this.listener);
    await Promise.allSettled([...this.pending]);
  }

  private onWork(work: ModelWork): void {
    const modelId = TRAINING_MODULES[work.module];
    if (!modelId) return;
    const done = this.recordTraining(modelId, work.usage, work.version, work.completed).catch(
      (err: unknown) => this.options.logger.error({ err, modelId }, 'could not record a training footprint'),
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  async recordTraining(
    modelId: string,
    usage: WorkUsage,
    version: string | undefined,
    completed = true,
  ): Promise<Footprint> {
    const f = footprintOf(usage, this.options.power, this.options.gridKgPerKwh);
    this.count(modelId, 'training', f);
    await this.options.records.query(
      `INSERT INTO model_footprint (model_id, kind, model_version, started_at, ended_at, completed, cpu_seconds, wall_seconds, kwh, co2e_kg, method)
       VALUES ($1, 'training', $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        modelId,
        version ?? null,
        usage.startedAt,
        usage.endedAt,
        completed,
        f.cpuSeconds,
        f.wallSeconds,
        f.kwh,
        f.co2eKg,
        f.method,
      ],
    );
    this.options.logger.info(
      { modelId, version, kwh: f.kwh, co2eKg: f.co2eKg, method: f.method },
      'training footprint',
    );
    return f;
  }

  /** Adds one served inference to the model's day for the tenant. */
  async recordInference(modelId: string, tenant: string, usage: WorkUsage): Promise<void> {
    const f = footprintOf(usage, this.options.power, this.options.gridKgPerKwh);
    this.count(modelId, 'inference', f);
    await this.options.records.query(
      `INSERT INTO model_footprint (model_id, kind, tenant, day, started_at, ended_at, cpu_seconds, wall_seconds, kwh, co2e_kg, method)
       VALUES ($1, 'inference', $2, ($3::timestamptz AT TIME ZONE 'UTC')::date, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (model_id, tenant, day) WHERE kind = 'inference' DO UPDATE SET
         calls = model_footprint.calls + 1,
         ended_at = excluded.ended_at,
         cpu_seconds = model_footprint.cpu_seconds + excluded.cpu_seconds,
         wall_seconds = model_footprint.wall_seconds + excluded.wall_seconds,
         kwh = model_footprint.kwh + excluded.kwh,
         co2e_kg = model_footprint.co2e_kg + excluded.co2e_kg,
         method = CASE WHEN model_footprint.method = excluded.method THEN excluded.method ELSE 'mixed' END`,
      [
        modelId,
        tenant,
        usage.startedAt,
        usage.endedAt,
        f.cpuSeconds,
        f.wallSeconds,
        f.kwh,
        f.co2eKg,
        f.method,
      ],
    );
  }

  /** The model's trainings, newest first. */
  async trainings(modelId: string, limit = 20): Promise<TrainingFootprint[]> {
    const rows = await this.options.records.query<Row>(
      `SELECT * FROM model_footprint WHERE model_id = $1 AND kind = 'training' ORDER BY started_at DESC LIMIT $2`,
      [modelId, limit],
    );
    return rows.map((r) => ({
      modelId: r.model_id,
      version: r.model_version ?? undefined,
      startedAt: new Date(r.started_at).toISOString(),
      endedAt: new Date(r.ended_at).toISOString(),
      completed: r.completed,
      kwh: r.kwh,
      co2eKg: r.co2e_kg,
      cpuSeconds: r.cpu_seconds,
      wallSeconds: r.wall_seconds,
      method: r.method as Footprint['method'],
    }));
  }

  /** Inference per UTC day for the model and tenant, newest first. */
  async inferenceDays(modelId: string, tenant: string, days = 30): Promise<InferenceDay[]> {
    const rows = await this.options.records.query<Row>(
      `SELECT * FROM model_footprint WHERE model_id = $1 AND kind = 'inference' AND tenant = $2 ORDER BY day DESC LIMIT $3`,
      [modelId, tenant, days],
    );
    return rows.map((r) => ({
      day: String(r.day),
      calls: Number(r.calls),
      kwh: r.kwh,
      co2eKg: r.co2e_kg,
      cpuSeconds: r.cpu_seconds,
      wallSeconds: r.wall_seconds,
      method: r.method,
    }));
  }

  private count(modelId: string, kind: string, f: Footprint): void {
    const key = `${modelId}\u0000${kind}`;
    const t = this.totals.get(key) ?? { kwh: 0, co2eKg: 0 };
    t.kwh += f.kwh;
    t.co2eKg += f.co2eKg;
    this.totals.set(key, t);
  }

  /** This process's totals, for /metrics. */
  metrics(): Metric[] {
    const entries = [...this.totals].map(([key, t]) => {
      const [model, kind] = key.split('\u0000') as [string, string];
      return { labels: { model, kind }, t };
    });
    return [
      {
        name: 'greenops_model_energy_kwh_total',
        help: 'Energy used by model training and inference in this process (CodeCarbon method), kWh',
        type: 'counter',
        samples: entries.map((e) => ({ labels: e.labels, value: e.t.kwh })),
      },
      {
        name: 'greenops_model_co2e_kg_total',
        help: 'CO2e of that energy at the grid factor of the factor table, kg',
        type: 'counter',
        samples: entries.map((e) => ({ labels: e.labels, value: e.t.co2eKg })),
      },
    ];
  }
}
