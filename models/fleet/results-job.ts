import { gauge, PeriodicJob, type Logger, type Metric } from '../../core/index.js';
import type { FleetService } from './use-cases.js';

const DAY_MS = 86_400_000;

export interface FleetResultsJobOptions {
  fleet: FleetService;
  tenant: string;
  /** Minutes between runs; 0: never. */
  everyMinutes: number;
  /** Days of raw data analysed per run. */
  windowDays: number;
  /** First run this long after start (default two minutes). */
  firstAfterMs?: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Every `everyMinutes`: writes the tenant's trips, vehicle-days and EV verdicts of the last `windowDays` to the store
 * (`fleet_trip`, `fleet_daily`, `fleet_ev`) for the fleet dashboard, and so that trip summaries outlive the raw
 * positions' retention.
 */
export class FleetResultsJob {
  private readonly job: PeriodicJob;
  private last: { atMs: number; points: number; vehicles: number } | undefined;

  constructor(private readonly options: FleetResultsJobOptions) {
    this.job = new PeriodicJob(() => this.runOnce(), {
      firstAfterMs: options.firstAfterMs ?? 120_000,
      everyMs: options.everyMinutes * 60_000,
    });
  }

  start(): void {
    this.job.start();
  }

  /** One run; failures are logged, not thrown (the next run tries again). */
  async runOnce(): Promise<void> {
    const { fleet, tenant, logger } = this.options;
    const now = (this.options.now ?? Date.now)();
    try {
      const written = await fleet.writeResults(tenant, now - this.options.windowDays * DAY_MS, now);
      this.last = { atMs: now, ...written };
      logger.info({ tenant, ...written }, 'fleet results written');
    } catch (err) {
      logger.error({ tenant, err }, 'fleet results failed');
    }
  }

  metrics(): Metric[] {
    if (!this.last) return [];
    return [
      gauge(
        'greenops_fleet_results_last_run_seconds',
        'When fleet results (trips, vehicle-days, EV verdicts) were last written (Unix time).',
        this.last.atMs / 1000,
      ),
      gauge('greenops_fleet_results_vehicles', 'Vehicles in the last fleet results run.', this.last.vehicles),
    ];
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
