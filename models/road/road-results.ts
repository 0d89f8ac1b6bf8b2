import { PeriodicJob, type Logger, type Point } from '../../core/index.js';
import type { TimeSeriesStore } from '../../store/index.js';
import type { RecordStore } from '../../store/index.js';
import type { RoadDefects } from './road-defects.js';

const MINUTE_MS = 60_000;
const OPEN = ['new', 'confirmed', 'work_ordered'];
const AGE_BUCKETS: [string, number][] = [
  ['0-7d', 7],
  ['7-30d', 30],
  ['30-90d', 90],
  ['90d+', Infinity],
];

/**
 * The road figures the Grafana dashboard shows, as points stamped at the run's minute: open defects by severity
 * and age (`road_open`), decisions in the last hour (`road_reviews`), precision per class and detector version
 * (`road_precision`), and inspected and stale 100 m stretches (`road_coverage`).
 */
export async function roadResultPoints(
  records: RecordStore,
  defects: RoadDefects,
  tenant: string,
  nowMs: number,
  staleDays = 14,
): Promise<Point[]> {
  const timeMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const points: Point[] = [];
  const open = await records.query<{ severity: number; age_days: number; n: number }>(
    `SELECT coalesce(severity_override, severity) AS severity,
       floor(extract(epoch FROM ($2::timestamptz - first_seen)) / 86400)::int AS age_days, count(*)::int AS n
     FROM road_defects WHERE tenant = $1 AND status = ANY($3::text[]) AND corroborated GROUP BY 1, 2`,
    [tenant, new Date(nowMs).toISOString(), OPEN],
  );
  const cells = new Map<string, number>();
  for (let s = 1; s <= 5; s++) for (const [age] of AGE_BUCKETS) cells.set(`${s}|${age}`, 0);
  for (const r of open) {
    const age = (AGE_BUCKETS.find(([, max]) => r.age_days < max) ?? AGE_BUCKETS[3]!)[0];
    const key = `${r.severity}|${age}`;
    cells.set(key, (cells.get(key) ?? 0) + r.n);
  }
  for (const [key, n] of cells) {
    const [severity, age] = key.split('|') as [string, string];
    points.push({
      measurement: 'road_open',
      tags: { tenant, severity, age },
      fields: { defects: n },
      timeMs,
    });
  }
  const reviews = await records.query<{ action: string; n: number }>(
    `SELECT action, count(*)::int AS n FROM road_history
     WHERE tenant = $1 AND at >= $2 AND actor_id <> 'greenops:clustering' GROUP BY action`,
    [tenant, new Date(nowMs - 60 * MINUTE_MS).toISOString()],
  );
  for (const action of ['confirm', 'reject', 'work-order', 'repaired'])
    points.push({
      measurement: 'road_reviews',
      tags: { tenant, action },
      fields: { last_hour: reviews.find((r) => r.action === action)?.n ?? 0 },
      timeMs,
    });
  for (const c of await defects.precision(tenant))
    if (c.precision !== null)
      points.push({
        measurement: 'road_precision',
        tags: { tenant, damage: c.damage, model_version: c.modelVersion },
        fields: {
          precision: c.precision,
          ci_low: c.ci95.low,
          ci_high: c.ci95.high,
          reviewed: c.confirmed + c.falsePositives,
          alert: c.alert,
        },
        timeMs,
      });
  const { cells: coverage } = await defects.coverage(tenant, staleDays);
  points.push({
    measurement: 'road_coverage',
    tags: { tenant },
    fields: {
      inspected: coverage.filter((c) => !c.stale).length,
      stale: coverage.filter((c) => c.stale).length,
      stale_days: staleDays,
    },
    timeMs,
  });
  return points;
}

export interface RoadResultsJobOptions {
  records: RecordStore;
  defects: RoadDefects;
  store: TimeSeriesStore;
  tenant: string;
  everyMinutes: number;
  logger: Logger;
}

/** Writes the road figures for the dashboard every few minutes, in the API's process; a failed run is logged. */
export class RoadResultsJob {
  private readonly job: PeriodicJob;

  // One run at a time, the first 30 s after start; stop() waits for a run in progress (no write on a closed store).
  constructor(private readonly options: RoadResultsJobOptions) {
    this.job = new PeriodicJob(() => this.runOnce(), {
      firstAfterMs: 30_000,
      everyMs: options.everyMinutes * MINUTE_MS,
    });
  }

  start(): void {
    this.job.start();
  }

  /** One run; a failure is logged, not thrown (the next run tries again). */
  async runOnce(): Promise<void> {
    try {
      const { records, defects, store, tenant } = this.options;
      await store.write(await roadResultPoints(records, defects, tenant, Date.now()));
    } catch (err) {
      this.options.logger.error({ err }, 'road results failed');
    }
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
