import { gauge, PeriodicJob, type Logger, type Metric } from '../../core/index.js';
import type { CounterHealth } from './counter-health.js';
import { LocalCalendar } from './local-calendar.js';
import type { TrafficService } from './use-cases.js';

const DAY_MS = 86_400_000;
const STATUS_CODE = { ok: 0, warning: 1, fault: 2 } as const;

export interface TrafficResultsJobOptions {
  traffic: TrafficService;
  /** Minutes between runs; 0: never. */
  everyMinutes: number;
  /** First run this long after start (default a minute). */
  firstAfterMs?: number;
  /** Days of history judged for the health metric (as `GET /api/v1/traffic/health` by default). */
  healthDays?: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Every `everyMinutes`, for every tenant with traffic counts in the store: writes the tenant's daily and yearly traffic results of the current local year (and of the
 * year before during its first week, for late counts) to the store for dashboards, and judges each counter's health
 * over the last `healthDays` for the `/metrics` gauges an alert rule watches.
 */
export class TrafficResultsJob {
  private readonly job: PeriodicJob;
  /** Per tenant, per counter. */
  private health = new Map<string, Map<string, CounterHealth>>();
  private lastRunMs: number | undefined;

  constructor(private readonly options: TrafficResultsJobOptions) {
    this.job = new PeriodicJob(() => this.runOnce(), {
      firstAfterMs: options.firstAfterMs ?? 60_000,
      everyMs: options.everyMinutes * 60_000,
    });
  }

  start(): void {
    this.job.start();
  }

  /** One run; failures are logged, not thrown (the next run tries again). */
  async runOnce(): Promise<void> {
    const { traffic, logger } = this.options;
    const now = (this.options.now ?? Date.now)();
    let tenants: string[];
    try {
      tenants = await traffic.tenants();
    } catch (err) {
      logger.error({ err }, 'traffic results failed: could not list the tenants');
      return;
    }
    const health = new Map<string, Map<string, CounterHealth>>();
    for (const tenant of tenants) {
      if (this.job.stopping) return;
      try {
        const devices = await traffic.devices(tenant);
        const calendar = new LocalCalendar(traffic.settings.timeZone);
        const years = new Set([calendar.local(now - 7 * DAY_MS).year, calendar.local(now).year]);
        for (const year of years) {
          const written = await traffic.writeResults(tenant, year);
          logger.info({ tenant, year, ...written }, 'traffic results written');
        }
        const byDevice = new Map<string, CounterHealth>();
        const from = now - (this.options.healthDays ?? 30) * DAY_MS;
        for (const device of devices) byDevice.set(device, await traffic.health(tenant, device, from, now));
        health.set(tenant, byDevice);
      } catch (err) {
        // One tenant's failure (a timeout, a bad series) does not hold up the others; its gauges keep the last run.
        logger.error({ tenant, err }, 'traffic results failed');
        const previous = this.health.get(tenant);
        if (previous) health.set(tenant, previous);
      }
    }
    this.health = health;
    this.lastRunMs = now;
  }

  /** Per counter: its health status (0 ok, 1 warning, 2 fault) and availability; counters at fault; last run. */
  metrics(): Metric[] {
    if (this.lastRunMs === undefined) return [];
    const status: Metric = {
      name: 'greenops_traffic_counter_status',
      help: 'Health of a traffic counter over the last 30 days: 0 ok, 1 warning, 2 fault (outage, stuck or zero run reaching now).',
      type: 'gauge',
      samples: [],
    };
    const availability: Metric = {
      name: 'greenops_traffic_counter_availability',
      help: 'Share of the hours of the last 30 days a traffic counter was seen in every direction.',
      type: 'gauge',
      samples: [],
    };
    let faults = 0;
    for (const tenant of [...this.health.keys()].sort())
      for (const [device, h] of [...(this.health.get(tenant) as Map<string, CounterHealth>)].sort(
        ([a], [b]) => (a < b ? -1 : 1),
      )) {
        status.samples.push({ labels: { tenant, device }, value: STATUS_CODE[h.status] });
        availability.samples.push({ labels: { tenant, device }, value: h.availability });
        if (h.status === 'fault') faults++;
      }
    return [
      status,
      availability,
      gauge('greenops_traffic_counters_at_fault', 'Traffic counters whose status is fault.', faults),
      gauge(
        'greenops_traffic_results_last_run_seconds',
        'When traffic results and counter health were last computed (Unix time).',
        this.lastRunMs / 1000,
      ),
    ];
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
