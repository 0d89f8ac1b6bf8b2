import { formatTopic, systemClock, type Clock, type Logger } from '../../core/index.js';
import type { Publisher } from '../publisher.js';
import type { StreamSimulator } from './simulator.js';

export interface SimulationOptions {
  simulators: StreamSimulator[];
  publisher: Publisher;
  tenant: string;
  logger: Logger;
  clock?: Clock;
  /** Records per second per stream; unset: as fast as the broker acknowledges. */
  rate?: number | undefined;
  /** Stop once every device's simulated clock has passed this time; unset: run live until stopped. */
  untilMs?: number | undefined;
  /** Unacknowledged publishes at once, per stream. */
  maxInFlight?: number;
}

export interface SimulationStats {
  messages: number;
  records: number;
}

/**
 * Drives simulators: each device emits when its simulated clock is due. While devices are behind real time
 * (back-fill) they emit as fast as the rate allows; once they catch up they emit live, on their own cadence.
 */
export class SimulationRunner {
  private stopped = false;
  private readonly sleepers = new Set<() => void>();
  readonly stats: SimulationStats = { messages: 0, records: 0 };
  readonly done: Promise<void>;
  private startDone!: () => void;

  constructor(private readonly options: SimulationOptions) {
    this.done = new Promise((resolve) => (this.startDone = resolve));
  }

  start(): void {
    const loops = this.options.simulators.map((s) => this.run(s));
    void Promise.all(loops).then(() => this.startDone());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.sleepers) wake();
    await this.done;
  }

  private async run(sim: StreamSimulator): Promise<void> {
    const { publisher, tenant, logger, rate, untilMs, maxInFlight = 64 } = this.options;
    const clock = this.options.clock ?? systemClock;
    const inFlight = new Set<Promise<void>>();
    const started = clock.now();
    let emitted = 0;
    while (!this.stopped) {
      const device = earliest(sim);
      const due = sim.nextTime(device);
      if (untilMs !== undefined && due > untilMs) break;
      const now = clock.now();
      if (due > now) {
        await this.sleep(Math.min(due - now, 1000));
        continue;
      }
      if (rate !== undefined) {
        const allowedAt = started + (emitted / rate) * 1000;
        if (allowedAt > now) {
          await this.sleep(allowedAt - now);
          continue;
        }
      }
      const records = sim.emit(device);
      if (records.length === 0) continue;
      emitted += records.length;
      const topic = formatTopic({ tenant, stream: sim.stream, deviceId: sim.deviceIds[device] as string });
      const sent = publisher
        .publish(topic, Buffer.from(JSON.stringify(records.length === 1 ? records[0] : records)))
        .then(() => {
          this.stats.messages += 1;
          this.stats.records += records.length;
        })
        .catch((err: Error) => logger.error({ err: err.message, topic }, 'publish failed'))
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

function earliest(sim: StreamSimulator): number {
  let best = 0;
  let bestTime = Infinity;
  for (let i = 0; i < sim.deviceIds.length; i++) {
    const t = sim.nextTime(i);
    if (t < bestTime) {
      bestTime = t;
      best = i;
    }
  }
  return best;
}
