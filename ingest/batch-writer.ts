import { GreenopsError, errorMessage, type Logger, type Point } from '../core/index.js';
import type { DeadLetterInput, DeadLetterStore, TimeSeriesStore } from '../store/index.js';
import type { RegisterReading, RegisterTracker } from './register-tracker.js';

export interface BatchWriterOptions {
  store: TimeSeriesStore;
  deadLetters: DeadLetterStore;
  registers: RegisterTracker;
  logger: Logger;
  /** Most points in one store write. */
  batchSize: number;
  /** Longest a point waits before a partial batch is written. */
  flushMs: number;
  /** Back-off bounds for failed writes. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface BatchWriterStats {
  pointsWritten: number;
  batchesWritten: number;
  deadLettered: number;
  writeFailures: number;
  pending: number;
}

/**
 * Collects points, register readings and dead letters and writes them in batches, one write at a time (bounded
 * write concurrency). A failed write keeps its batch and is retried with exponential back-off and jitter until
 * the store takes it: nothing is dropped.
 */
export class BatchWriter {
  private points: Point[] = [];
  private registers: RegisterReading[] = [];
  private deadLetters: DeadLetterInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  readonly stats: BatchWriterStats = {
    pointsWritten: 0,
    batchesWritten: 0,
    deadLettered: 0,
    writeFailures: 0,
    pending: 0,
  };

  constructor(private readonly options: BatchWriterOptions) {}

  addPoints(points: readonly Point[]): void {
    for (const p of points) this.points.push(p);
    this.changed();
  }

  addRegister(reading: RegisterReading): void {
    this.registers.push(reading);
    this.changed();
  }

  addDeadLetter(entry: DeadLetterInput): void {
    this.deadLetters.push(entry);
    this.changed();
  }

  get pending(): number {
    return this.points.length + this.registers.length + this.deadLetters.length;
  }

  /** Writes everything pending now, waiting for a write in progress first. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending === 0) return;
    this.flushing = this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /** Flushes what is pending and stops retrying afterwards. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.flush();
    this.closed = true;
    this.wake?.();
  }

  private changed(): void {
    this.stats.pending = this.pending;
    if (this.flushing) return;
    if (this.points.length >= this.options.batchSize) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.options.flushMs);
    }
  }

  private async writeAll(): Promise<void> {
    const { batchSize, store, deadLetters: deadLetterStore, registers: tracker } = this.options;
    while (this.pending > 0) {
      const points = this.points.splice(0, batchSize);
      const registers = this.registers.splice(0, this.registers.length);
      const deadLetters = this.deadLetters.splice(0, this.deadLetters.length);
      try {
        // Each step consumes its input as it succeeds, so a retry goes on where the failure stopped it.
        await this.retrying(async () => {
          while (registers.length > 0) {
            const interval = await tracker.intervalFor(registers[0] as RegisterReading);
            if (interval) points.push(interval);
            registers.shift();
          }
          if (deadLetters.length > 0) {
            await deadLetterStore.add(deadLetters);
            this.stats.deadLettered += deadLetters.length;
            deadLetters.length = 0;
          }
          if (points.length > 0) {
            try {
              await store.write(points);
              this.stats.pointsWritten += points.length;
              this.stats.batchesWritten += 1;
            } catch (err) {
              // A batch the store refuses for its content would fail forever: keep it as a dead letter instead.
              if (!(err instanceof GreenopsError) || err.retryable) throw err;
              await this.refuseBatch(points, err);
            }
            points.length = 0;
          }
        });
      } catch (err) {
        // Only reached when closed while the store still fails: keep the data for a later flush.
        this.points.unshift(...points);
        this.registers.unshift(...registers);
        this.deadLetters.unshift(...deadLetters);
        this.options.logger.error(
          { err: errorMessage(err), pending: this.pending },
          'store still failing at close',
        );
        throw err;
      }
      this.stats.pending = this.pending;
    }
  }

  private async refuseBatch(points: Point[], err: GreenopsError): Promise<void> {
    const { deadLetters, logger } = this.options;
    logger.error({ err: err.message, points: points.length }, 'store refused a batch; dead-lettering it');
    const first = points[0];
    await deadLetters.add([
      {
        receivedMs: Date.now(),
        topic: '(store write)',
        tenant: first?.tags.tenant,
        stream: first?.measurement,
        reason: `store refused the batch: ${err.message}`,
        payload: Buffer.from(JSON.stringify(points)),
      },
    ]);
    this.stats.deadLettered += 1;
  }

  private async retrying(work: () => Promise<void>): Promise<void> {
    const { retryMinMs = 100, retryMaxMs = 30_000, logger } = this.options;
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        this.stats.writeFailures += 1;
        if (this.closed) throw err;
        const delay = Math.min(retryMaxMs, retryMinMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        logger.warn(
          { err: errorMessage(err), attempt, retryInMs: Math.round(delay) },
          'store write failed; retrying',
        );
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }
}
