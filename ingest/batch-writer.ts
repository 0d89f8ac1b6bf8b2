import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GreenopsError, errorMessage, type Logger, type Point } from '../core/index.js';
import type { DeadLetterInput, DeadLetterStore, TimeSeriesStore } from '../store/index.js';
import type { RegisterReading, RegisterTracker } from './register-tracker.js';

export interface BatchWriterOptions {
  store: TimeSeriesStore;
  deadLetters: DeadLetterStore;
  registers: RegisterTracker;
  logger: Logger;
  /** Points that trigger a write at once. */
  batchSize: number;
  /**
   * Longest a point waits before a partial batch is written while no write is in progress; what arrives during
   * a write is written as soon as that write ends (group commit), so batches grow with the load.
   */
  flushMs: number;
  /** Back-off bounds for failed writes. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Called after each durable write with the number of messages it acknowledged. */
  onWritten?: (messages: number) => void;
  /**
   * Last resort for dead letters the dead-letter store refuses for their content: appended to
   * `{spillDir}/dead-letters-spilled.jsonl` rather than lost or allowed to block the stream.
   */
  spillDir?: string;
}

/** Upper bounds of the batch-size histogram (points per write). */
export const BATCH_SIZE_BUCKETS = [1, 10, 100, 1000, 5000, 10_000, 50_000] as const;

export interface BatchWriterStats {
  /** Per bucket of BATCH_SIZE_BUCKETS, plus one for larger batches. */
  batchSizeCounts: number[];
  pointsWritten: number;
  batchesWritten: number;
  deadLettered: number;
  writeFailures: number;
  lastBatchPoints: number;
  lastWriteMs: number;
}

interface Batch {
  /** When the first item was added: the age of the oldest unwritten data. */
  startedMs: number;
  points: Point[];
  registers: RegisterReading[];
  deadLetters: DeadLetterInput[];
  acks: (() => void)[];
}

const emptyBatch = (): Batch => ({ startedMs: 0, points: [], registers: [], deadLetters: [], acks: [] });

/**
 * Collects what messages produce (points, register readings, dead letters) with the acknowledgements of those
 * messages, writes it in batches, one write at a time, and acknowledges a message only after everything it
 * produced is durable. A failed write keeps its batch and is retried with exponential back-off and jitter until
 * the store takes it; a batch the store refuses for its content becomes a dead letter. Nothing is dropped.
 */
export class BatchWriter {
  private filling: Batch = emptyBatch();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  /** Size and age of the batch being written, taken when it started (the write consumes the batch). */
  private writingSize: number | undefined;
  private writingStartedMs: number | undefined;
  private closed = false;
  private readonly wakers = new Set<() => void>();
  readonly stats: BatchWriterStats = {
    batchSizeCounts: new Array<number>(BATCH_SIZE_BUCKETS.length + 1).fill(0),
    pointsWritten: 0,
    batchesWritten: 0,
    deadLettered: 0,
    writeFailures: 0,
    lastBatchPoints: 0,
    lastWriteMs: 0,
  };

  constructor(private readonly options: BatchWriterOptions) {}

  addPoints(points: readonly Point[]): void {
    for (const p of points) this.filling.points.push(p);
    this.changed();
  }

  addRegister(reading: RegisterReading): void {
    this.filling.registers.push(reading);
    this.changed();
  }

  addDeadLetter(entry: DeadLetterInput): void {
    this.filling.deadLetters.push(entry);
    this.changed();
  }

  /** Acknowledges the message whose output was added before this call, once that output is durable. */
  addAck(ack: () => void): void {
    this.filling.acks.push(ack);
    this.changed();
  }

  /** Points, readings and dead letters not yet written. */
  get pending(): number {
    const f = this.filling;
    return f.points.length + f.registers.length + f.deadLetters.length + (this.writingSize ?? 0);
  }

  /** Receive time of the oldest data not yet written, or undefined when all is written. */
  get oldestPendingMs(): number | undefined {
    return this.writingStartedMs ?? (isEmpty(this.filling) ? undefined : this.filling.startedMs);
  }

  /** Writes everything added so far (waiting for a write in progress first). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (isEmpty(this.filling)) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.filling;
    this.filling = emptyBatch();
    this.writingSize = batch.points.length + batch.registers.length + batch.deadLetters.length;
    this.writingStartedMs = batch.startedMs;
    this.writing = this.writeBatch(batch).finally(() => {
      this.writing = undefined;
      this.writingSize = undefined;
      this.writingStartedMs = undefined;
    });
    await this.writing;
    // Only now does `pending` no longer count the written batch: a paused reader may resume on what it says.
    this.options.onWritten?.(batch.acks.length);
    // Group commit: what arrived during the write has waited long enough, so it is written at once.
    if (!this.closed && !this.writing && !isEmpty(this.filling)) void this.flush().catch(() => undefined);
  }

  /**
   * Flushes for at most `graceMs`, then stops retrying: what is still unwritten stays unacknowledged, and the
   * broker delivers it again to the next ingest with this session.
   */
  async close(graceMs = 5_000): Promise<void> {
    clearTimeout(this.timer);
    const giveUp = setTimeout(() => {
      this.closed = true;
      for (const wake of this.wakers) wake();
    }, graceMs);
    try {
      await this.flush();
    } catch (err) {
      this.options.logger.warn(
        { err: errorMessage(err), pending: this.pending },
        'stopped with unwritten data; the broker keeps it unacknowledged',
      );
    } finally {
      clearTimeout(giveUp);
      this.closed = true;
    }
  }

  private changed(): void {
    if (this.filling.startedMs === 0) this.filling.startedMs = Date.now();
    if (this.closed || this.writing) return;
    if (this.filling.points.length >= this.options.batchSize) {
      void this.flush().catch(() => undefined);
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => undefined);
      }, this.options.flushMs);
    }
  }

  private async writeBatch(batch: Batch): Promise<void> {
    const { store, deadLetters, registers: tracker, logger } = this.options;
    const started = performance.now();
    const pointCount = batch.points.length;
    // Each step consumes its input as it succeeds, so a retry goes on where the failure stopped it.
    await this.retrying(async () => {
      while (batch.registers.length > 0) {
        const interval = await tracker.intervalFor(batch.registers[0] as RegisterReading);
        if (interval) batch.points.push(interval);
        batch.registers.shift();
      }
      if (batch.deadLetters.length > 0) {
        try {
          await deadLetters.add(batch.deadLetters);
        } catch (err) {
          if (!(err instanceof GreenopsError) || err.retryable) throw err;
          this.spill(batch.deadLetters, err);
        }
        this.stats.deadLettered += batch.deadLetters.length;
        batch.deadLetters.length = 0;
      }
      if (batch.points.length > 0) {
        try {
          await store.write(batch.points);
          this.stats.pointsWritten += batch.points.length;
        } catch (err) {
          if (!(err instanceof GreenopsError) || err.retryable) throw err;
          await this.refuse(batch.points, err);
        }
        batch.points.length = 0;
      }
    });
    this.stats.batchesWritten += 1;
    this.stats.lastBatchPoints = pointCount;
    const bucket = BATCH_SIZE_BUCKETS.findIndex((le) => pointCount <= le);
    (this.stats.batchSizeCounts[bucket === -1 ? BATCH_SIZE_BUCKETS.length : bucket] as number) += 1;
    this.stats.lastWriteMs = performance.now() - started;
    for (const ack of batch.acks) ack();
    logger.trace(
      { points: pointCount, messages: batch.acks.length, ms: this.stats.lastWriteMs },
      'batch written',
    );
  }

  /**
   * A batch the store refuses for its content would fail forever. The refused points are isolated by bisection:
   * the halves are written again, down to the single points the store refuses, which become dead letters with the
   * store's reason, while every other point of the batch is stored (one poison record must not take its batch
   * with it). A retryable failure on the way is thrown to the caller's retry loop; rewriting a half already
   * written is harmless, as writes are idempotent per series and time.
   */
  private async refuse(points: Point[], err: GreenopsError): Promise<void> {
    const refused: { point: Point; reason: string }[] = [];
    const isolate = async (part: Point[], cause: GreenopsError): Promise<void> => {
      if (part.length === 1) {
        refused.push({ point: part[0] as Point, reason: cause.message });
        return;
      }
      const middle = Math.ceil(part.length / 2);
      for (const half of [part.slice(0, middle), part.slice(middle)]) {
        try {
          await this.options.store.write(half);
          this.stats.pointsWritten += half.length;
        } catch (halfErr) {
          if (!(halfErr instanceof GreenopsError) || halfErr.retryable) throw halfErr;
          await isolate(half, halfErr);
        }
      }
    };
    await isolate(points, err);
    this.options.logger.error(
      { err, points: points.length, refused: refused.length },
      'store refused points of a batch; dead-lettering them, the rest is stored',
    );
    const receivedMs = Date.now();
    await this.options.deadLetters.add(
      refused.map(({ point, reason }) => ({
        receivedMs,
        topic: '(store write)',
        tenant: point.tags.tenant,
        stream: point.measurement,
        reason: `store refused the point: ${reason}`,
        payload: Buffer.from(JSON.stringify(point)),
      })),
    );
    this.stats.deadLettered += refused.length;
  }

  private spill(entries: DeadLetterInput[], err: GreenopsError): void {
    const dir = this.options.spillDir ?? '.';
    const file = join(dir, 'dead-letters-spilled.jsonl');
    mkdirSync(dir, { recursive: true });
    const lines = entries.map((e) =>
      JSON.stringify({ ...e, payload: Buffer.from(e.payload).toString('base64'), storeError: err.message }),
    );
    appendFileSync(file, lines.join('\n') + '\n');
    this.options.logger.error(
      { err: err.message, entries: entries.length, file },
      'dead-letter store refused entries; spilled them to a file',
    );
  }

  private async retrying(work: () => Promise<void>): Promise<void> {
    const { retryMinMs = 100, retryMaxMs = 5_000, logger } = this.options;
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
          const wake = () => {
            clearTimeout(timer);
            this.wakers.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, delay);
          this.wakers.add(wake);
        });
      }
    }
  }
}

function isEmpty(b: Batch): boolean {
  return (
    b.points.length === 0 && b.registers.length === 0 && b.deadLetters.length === 0 && b.acks.length === 0
  );
}
