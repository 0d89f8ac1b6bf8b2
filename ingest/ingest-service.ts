import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import {
  DEFAULT_DECODE_LIMITS,
  decodeMessage,
  mqttClientOptions,
  systemClock,
  topicFilter,
  type Clock,
  type DecodeLimits,
  type EnergyRecord,
  type Logger,
  type MqttSettings,
} from '../core/index.js';
import type { DeadLetterStore, TimeSeriesStore } from '../store/index.js';
import { BatchWriter } from './batch-writer.js';
import { RegisterTracker } from './register-tracker.js';

export interface IngestOptions {
  mqtt: MqttSettings;
  store: TimeSeriesStore;
  deadLetters: DeadLetterStore;
  logger: Logger;
  clock?: Clock;
  /**
   * A fixed client id gives the ingest a persistent session: the broker keeps its subscription and queues QoS 1
   * messages while it is down. Without one, a random id and a clean session.
   */
  clientId?: string;
  /** Topic filter; prefix `$share/{group}/` to split the load between ingest workers. */
  subscription?: string;
  batchSize?: number;
  flushMs?: number;
  limits?: Partial<DecodeLimits>;
}

export interface IngestStats {
  messagesReceived: number;
  recordsAccepted: number;
  recordsRejected: number;
  pointsWritten: number;
  batchesWritten: number;
  deadLettered: number;
  writeFailures: number;
  pending: number;
}

/** Subscribes to all stream topics, validates and normalises every message, and writes points in batches. */
export class IngestService {
  private client: MqttClient | undefined;
  private readonly writer: BatchWriter;
  private readonly limits: DecodeLimits;
  private readonly clock: Clock;
  private readonly counts = { messagesReceived: 0, recordsAccepted: 0, recordsRejected: 0 };

  constructor(private readonly options: IngestOptions) {
    this.clock = options.clock ?? systemClock;
    this.limits = { ...DEFAULT_DECODE_LIMITS, ...options.limits };
    this.writer = new BatchWriter({
      store: options.store,
      deadLetters: options.deadLetters,
      registers: new RegisterTracker(options.store, options.logger),
      logger: options.logger,
      batchSize: options.batchSize ?? 5000,
      flushMs: options.flushMs ?? 250,
    });
  }

  /** Connects and subscribes; resolves once the subscription is granted. */
  async start(): Promise<void> {
    const { logger } = this.options;
    const subscription = this.options.subscription ?? topicFilter();
    const persistent = this.options.clientId !== undefined;
    const clientId = this.options.clientId ?? `greenops-ingest-${randomBytes(4).toString('hex')}`;
    const client = mqtt.connect(
      this.options.mqtt.url,
      mqttClientOptions(this.options.mqtt, clientId, { clean: !persistent }),
    );
    this.client = client;
    client.on('message', (topic, payload) => this.accept(topic, payload));
    client.on('error', (err) => logger.warn({ err: err.message }, 'mqtt error'));
    client.on('offline', () => logger.warn('ingest lost the broker; reconnecting'));
    await new Promise<void>((resolve, reject) => {
      const onFirstError = (err: Error) => reject(err);
      client.once('error', onFirstError);
      // Subscribing on every connect keeps the subscription across reconnects to a broker that lost state.
      client.on('connect', (connack) => {
        logger.info({ clientId, subscription, sessionPresent: connack.sessionPresent }, 'ingest connected');
        client.subscribe(subscription, { qos: 1 }, (err) => {
          if (err) {
            logger.error({ err: err.message, subscription }, 'subscribe failed');
            reject(err);
          } else {
            client.off('error', onFirstError);
            resolve();
          }
        });
      });
    });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  get stats(): IngestStats {
    return { ...this.counts, ...this.writer.stats, pending: this.writer.pending };
  }

  /** Validates one message and queues its points, or its refusal for the dead-letter store. */
  accept(topic: string, payload: Uint8Array, receivedMs = this.clock.now()): void {
    this.counts.messagesReceived += 1;
    const result = decodeMessage(topic, payload, receivedMs, this.limits);
    for (const decoded of result.records) {
      const energy = decoded.stream === 'energy' ? (decoded.record as unknown as EnergyRecord) : undefined;
      for (const point of decoded.points) {
        if (energy?.kind === 'register') {
          this.writer.addRegister({
            tenant: decoded.tenant,
            tags: point.tags,
            record: energy,
            timeMs: decoded.timeMs,
          });
        }
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
  }

  /** Writes everything received so far. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('message');
      await client.endAsync();
    }
    await this.writer.close();
  }
}
