import {
  DEFAULT_DECODE_LIMITS,
  decodeMessage,
  systemClock,
  type Clock,
  type DecodeLimits,
  type DecodedRecord,
  type EnergyRecord,
  type StreamName,
  type Logger,
  type MqttSettings,
  type Metric,
  counter,
  gauge,
  histogram,
} from '../core/index.js';
import type { DeadLetterStore, TimeSeriesStore } from '../store/index.js';
import { BATCH_SIZE_BUCKETS, BatchWriter } from './batch-writer.js';

/** Everything under greenops/, so that every message has a fate. */
export const INGEST_TOPIC_FILTER = 'greenops/#';
import { MqttSubscriber } from './mqtt-subscriber.js';
import { RegisterTracker } from './register-tracker.js';

export interface IngestOptions {
  /**
   * The broker to subscribe to. Without it the ingest takes messages in process through `submit` (the embedded
   * broker hands each publish over and acknowledges it only once `submit` resolves).
   */
  mqtt?: MqttSettings | undefined;
  store: TimeSeriesStore;
  deadLetters: DeadLetterStore;
  logger: Logger;
  clock?: Clock;
  /**
   * The MQTT client id. With a fixed id (the default) the session is persistent: the broker keeps the
   * subscription and queues QoS 1 messages while the ingest is down. Each worker needs its own id.
   */
  clientId?: string;
  /** A clean session instead: nothing is queued while the ingest is away (tests, throwaway runs). */
  cleanSession?: boolean;
  /**
   * Topic filter, by default everything under `greenops/`: a message on a topic outside the contract (another
   * version, an empty level, too many levels) still gets a fate, a dead letter naming the topic, instead of being
   * acknowledged by the broker and dropped. `$share/{group}/greenops/#` splits the load between ingest workers.
   */
  subscription?: string;
  batchSize?: number;
  flushMs?: number;
  /** Messages received but not yet acknowledged before reading from the broker pauses. */
  maxUnacked?: number;
  /** Plain TCP: rest this long after a small read so the next takes many messages (MqttSubscriber). */
  readCoalesceMs?: number;
  /** Points (and readings, dead letters) waiting to be written before reading pauses: bounds memory for batches. */
  maxPendingPoints?: number;
  limits?: Partial<DecodeLimits>;
  /** Where dead letters the dead-letter store refuses are spilled (a JSON-lines file). */
  spillDir?: string;
  /**
   * Stateful per-stream processing after validation (road detections into defects): a record's message is
   * acknowledged once its points are written and its hook's promise has resolved.
   */
  hooks?: StreamHooks;
}

/** A valid record handed to a stream's processing; the promise resolves when that processing is durable. */
export type StreamHook = (record: DecodedRecord) => Promise<void>;
export type StreamHooks = Partial<Record<StreamName, StreamHook>>;

export const DEFAULT_INGEST_OPTIONS = {
  clientId: 'greenops-ingest',
  batchSize: 5000,
  flushMs: 50,
  maxUnacked: 20_000,
  maxPendingPoints: 30_000,
} as const;

export interface IngestStats {
  messagesReceived: number;
  recordsAccepted: number;
  recordsRejected: number;
  pointsWritten: number;
  batchesWritten: number;
  deadLettered: number;
  writeFailures: number;
  unacked: number;
  pending: number;
  paused: boolean;
  redelivered: number;
  lastBatchPoints: number;
  lastWriteMs: number;
  /** Age of the oldest received data not yet written (0 when none). */
  lagMs: number;
  batchSizeCounts: number[];
}

/**
 * Subscribes to all stream topics, validates and normalises every message, writes points in batches, and
 * acknowledges (PUBACK) each message only after what it produced is durable: at-least-once from broker to
 * store, and exactly-once in effect because a point's identity makes a redelivered record overwrite itself.
 */
export class IngestService {
  private readonly subscriber: MqttSubscriber | undefined;
  private readonly writer: BatchWriter;
  private readonly limits: DecodeLimits;
  private readonly clock: Clock;
  private readonly maxUnacked: number;
  private readonly maxPendingPoints: number;
  private unacked = 0;
  private paused = false;
  private stopped = false;
  private readonly counts = { messagesReceived: 0, recordsAccepted: 0, recordsRejected: 0 };

  constructor(private readonly options: IngestOptions) {
    const settings = { ...DEFAULT_INGEST_OPTIONS, ...options };
    this.clock = options.clock ?? systemClock;
    this.limits = { ...DEFAULT_DECODE_LIMITS, ...options.limits };
    this.maxUnacked = settings.maxUnacked;
    this.maxPendingPoints = settings.maxPendingPoints;
    this.writer = new BatchWriter({
      store: options.store,
      deadLetters: options.deadLetters,
      registers: new RegisterTracker(options.store, options.logger),
      logger: options.logger,
      batchSize: settings.batchSize,
      flushMs: settings.flushMs,
      onWritten: () => this.maybeResume(),
      ...(options.spillDir ? { spillDir: options.spillDir } : {}),
    });
    this.subscriber =
      options.mqtt &&
      new MqttSubscriber({
        settings: options.mqtt,
        clientId: settings.clientId,
        clean: options.cleanSession ?? false,
        subscription: options.subscription ?? INGEST_TOPIC_FILTER,
        logger: options.logger,
        ...(options.readCoalesceMs !== undefined ? { readCoalesceMs: options.readCoalesceMs } : {}),
        onMessage: ({ topic, payload, ack }) => {
          const processed = this.accept(topic, payload);
          this.unacked += 1;
          this.writer.addAck(() => {
            const done = () => {
              this.unacked -= 1;
              ack();
            };
            if (processed.length === 0) done();
            else void Promise.all(processed).then(done);
          });
          if (!this.paused && this.backlogged) {
            this.paused = true;
            this.subscriber?.pause();
            this.options.logger.debug({ unacked: this.unacked }, 'paused reading: waiting for the store');
          }
        },
      });
  }

  /** Connects and subscribes; resolves once the subscription is granted (at once for an in-process ingest). */
  async start(): Promise<void> {
    await this.subscriber?.start();
  }

  /** Connected to the broker; always true in process. */
  get connected(): boolean {
    return this.subscriber?.connected ?? !this.stopped;
  }

  /** Holding as much unwritten data as it should: an in-process source should wait before it sends more. */
  get backlogged(): boolean {
    return this.unacked >= this.maxUnacked || this.writer.pending >= this.maxPendingPoints;
  }

  /** Connections made to the broker so far (1 after a start without trouble; 0 in process). */
  get connects(): number {
    return this.subscriber?.stats.connects ?? 0;
  }

  /**
   * Takes one message in process: validates it, queues its points (or its dead letter), and resolves once all of
   * that is durable, which is when the embedded broker may acknowledge it. Replay uses the same path. A message
   * submitted while the ingest stops may never resolve: it was not acknowledged, so its publisher sends it again.
   */
  submit(topic: string, payload: Uint8Array, receivedMs = this.clock.now()): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the ingest is stopping'));
    return new Promise((resolve) => {
      const processed = this.accept(topic, payload, receivedMs);
      this.unacked += 1;
      this.writer.addAck(() => {
        const done = () => {
          this.unacked -= 1;
          resolve();
        };
        if (processed.length === 0) done();
        else void Promise.all(processed).then(done);
      });
    });
  }

  get stats(): IngestStats {
    const w = this.writer.stats;
    return {
      ...this.counts,
      pointsWritten: w.pointsWritten,
      batchesWritten: w.batchesWritten,
      deadLettered: w.deadLettered,
      writeFailures: w.writeFailures,
      lastBatchPoints: w.lastBatchPoints,
      lastWriteMs: w.lastWriteMs,
      unacked: this.unacked,
      pending: this.writer.pending,
      paused: this.paused,
      redelivered: this.subscriber?.stats.redelivered ?? 0,
      lagMs:
        this.writer.oldestPendingMs === undefined ? 0 : Math.max(0, Date.now() - this.writer.oldestPendingMs),
      batchSizeCounts: [...w.batchSizeCounts],
    };
  }

  /**
   * Validates one message and queues its points, or its refusal for the dead-letter store; hands valid records
   * to their stream's hook and returns the hooks' promises.
   */
  accept(topic: string, payload: Uint8Array, receivedMs = this.clock.now()): Promise<void>[] {
    this.counts.messagesReceived += 1;
    const result = decodeMessage(topic, payload, receivedMs, this.limits);
    const processed: Promise<void>[] = [];
    for (const decoded of result.records) {
      const hook = this.options.hooks?.[decoded.stream];
      if (hook) processed.push(hook(decoded));
      const energy = decoded.stream === 'energy' ? (decoded.record as unknown as EnergyRecord) : undefined;
      if (energy?.kind === 'register') {
        for (const point of decoded.points)
          this.writer.addRegister({
            tenant: decoded.tenant,
            tags: point.tags,
            record: energy,
            timeMs: decoded.timeMs,
          });
      }
      this.writer.addPoints(decoded.points);
    }
    this.counts.recordsAccepted += result.records.length;
    for (const rejected of result.rejected) {
      this.counts.recordsRejected += 1;
      this.options.logger.debug({ topic, reason: rejected.reason }, 'dead-lettered');
      this.writer.addDeadLetter({
        receivedMs,
        topic,
        tenant: result.tenant,
        stream: result.stream,
        reason: rejected.reason,
        payload: rejected.payload,
      });
    }
    return processed;
  }

  /** The ingest's metrics, for /metrics. */
  metrics(): Metric[] {
    const s = this.stats;
    const prefix = 'greenops_ingest_';
    return [
      counter(
        `${prefix}messages_received_total`,
        'MQTT messages received (redeliveries included).',
        s.messagesReceived,
      ),
      counter(`${prefix}records_accepted_total`, 'Records that passed validation.', s.recordsAccepted),
      counter(
        `${prefix}records_rejected_total`,
        'Records or messages refused and dead-lettered.',
        s.recordsRejected,
      ),
      counter(`${prefix}points_written_total`, 'Points written to the store.', s.pointsWritten),
      counter(`${prefix}batches_written_total`, 'Store writes.', s.batchesWritten),
      counter(
        `${prefix}dead_letters_written_total`,
        'Entries written to the dead-letter store.',
        s.deadLettered,
      ),
      counter(`${prefix}write_retries_total`, 'Failed store writes that were retried.', s.writeFailures),
      counter(`${prefix}redelivered_total`, 'Messages the broker delivered again (DUP flag).', s.redelivered),
      gauge(`${prefix}unacked_messages`, 'Messages received and not yet acknowledged (buffered).', s.unacked),
      gauge(`${prefix}pending_items`, 'Points, readings and dead letters not yet written.', s.pending),
      gauge(
        `${prefix}paused`,
        '1 while reading from the broker is paused for back-pressure.',
        s.paused ? 1 : 0,
      ),
      gauge(`${prefix}lag_seconds`, 'Age of the oldest received data not yet written.', s.lagMs / 1000),
      gauge(`${prefix}last_write_seconds`, 'Duration of the last store write.', s.lastWriteMs / 1000),
      gauge(`${prefix}connected`, '1 while connected to the broker.', this.connected ? 1 : 0),
      histogram(
        `${prefix}batch_points`,
        'Points per store write.',
        BATCH_SIZE_BUCKETS,
        s.batchSizeCounts,
        s.pointsWritten,
      ),
    ];
  }

  /** Writes (and acknowledges) everything received so far. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Stops reading, writes and acknowledges what was received (within a grace period), then disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.subscriber?.pause();
    await this.writer.close();
    await this.subscriber?.stop();
  }

  private maybeResume(): void {
    if (
      this.paused &&
      this.unacked < this.maxUnacked / 2 &&
      this.writer.pending < this.maxPendingPoints / 2
    ) {
      this.paused = false;
      this.subscriber?.resume();
      this.options.logger.debug({ unacked: this.unacked }, 'resumed reading');
    }
  }
}
