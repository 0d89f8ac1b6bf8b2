import mqtt, { type MqttClient } from 'mqtt';
import { mqttClientOptions, type Logger, type MqttSettings } from '../../core/index.js';
import { isCredentialRefusal, type Publisher } from '../publisher.js';
import { DEFAULT_DISK_QUEUE, DiskQueue, type DiskQueueOptions } from './disk-queue.js';

export interface QueuedPublisherOptions {
  settings: MqttSettings;
  clientId: string;
  queue: DiskQueueOptions;
  logger: Logger;
  /** QoS 1 messages sent but not yet acknowledged at once. */
  window?: number;
  /** How often appends and acknowledgements are made durable. */
  syncMs?: number;
  /**
   * What a full queue does: `wait` (default) holds publish() until the broker has acknowledged enough to make room,
   * so a back-fill or replay slows to the broker's pace and loses nothing; `drop-oldest` never blocks the caller
   * and drops the oldest segment, counted in `dropped` (for a live sensor that cannot wait).
   */
  overflow?: 'wait' | 'drop-oldest';
  /**
   * What a broker refusing the credentials (CONNACK 4/5, MQTT 5 0x86/0x87) does: `retry` (default, a long-running
   * agent) logs it once and keeps reconnecting; `stop` (a command that publishes once and exits) stops
   * reconnecting, ends a waiting drain, and leaves `refusal` set. Either way the messages stay queued on disk.
   */
  onRefused?: 'retry' | 'stop';
}

export interface QueuedPublisherStats {
  queued: number;
  sent: number;
  acked: number;
  dropped: number;
  queueBytes: number;
}

/**
 * An edge agent's way out: every message goes to the disk queue first, then to the broker with QoS 1, in
 * order, a window at a time; it leaves the queue only when the broker acknowledged it (PUBACK). A restart sends
 * everything unacknowledged again, so the broker may see a message twice, never zero times; the ingest's point
 * identity makes the duplicate harmless.
 */
export class QueuedPublisher implements Publisher {
  private inFlight = 0;
  private generation = 0;
  private connects = 0;
  private closing = false;
  private readonly syncTimer: NodeJS.Timeout;
  private drained: (() => void) | undefined;
  private giveUpDrain: (() => void) | undefined;
  private readonly roomWaiters: (() => void)[] = [];
  private readonly counts = { sent: 0, acked: 0 };
  private refused: Error | undefined;

  private constructor(
    private readonly client: MqttClient,
    private readonly queue: DiskQueue,
    private readonly options: QueuedPublisherOptions,
  ) {
    this.syncTimer = setInterval(() => this.queue.sync(), options.syncMs ?? 100);
    client.on('error', (err) => {
      if (!isCredentialRefusal(err)) {
        options.logger.warn({ err: err.message }, 'edge mqtt error');
        return;
      }
      // Logged once: reconnecting with the same login is refused the same way.
      if (!this.refused)
        options.logger.error(
          { err: err.message, broker: options.settings.url, username: options.settings.username ?? null },
          'the broker refused the edge agent’s credentials; messages stay queued on disk',
        );
      this.refused = err;
      if ((options.onRefused ?? 'retry') === 'stop') {
        client.end(true);
        this.giveUpDrain?.();
        this.wakeWaiters();
      }
    });
    client.on('connect', () => {
      if (this.refused) {
        options.logger.info({ broker: options.settings.url }, 'the broker accepted the edge agent again');
        this.refused = undefined;
      }
      // After a reconnect, send everything unacknowledged again from the queue, in order: whatever was in
      // flight may or may not have reached the broker. Late answers of the old sends still count as acks.
      if (this.connects++ > 0) {
        this.generation += 1;
        this.inFlight = 0;
        this.queue.rewind();
      }
      this.pump();
    });
    this.pump();
  }

  /** Opens the queue (resending what an earlier run left unacknowledged) and connects in the background. */
  static open(options: QueuedPublisherOptions): QueuedPublisher {
    const queue = DiskQueue.open(options.queue);
    if (queue.length > 0 || queue.dropped > 0)
      options.logger.info({ pending: queue.length, dropped: queue.dropped }, 'edge queue resumed');
    const client = mqtt.connect(options.settings.url, {
      ...mqttClientOptions(options.settings, options.clientId),
      queueQoSZero: false,
    });
    client.on('offline', () =>
      options.logger.warn({ pending: queue.length }, 'edge offline; queueing to disk'),
    );
    return new QueuedPublisher(client, queue, options);
  }

  /** The broker's refusal of the credentials, while it lasts (with `onRefused: 'stop'`: for good). */
  get refusal(): Error | undefined {
    return this.refused;
  }

  get stats(): QueuedPublisherStats {
    return {
      queued: this.queue.length,
      sent: this.counts.sent,
      acked: this.counts.acked,
      dropped: this.queue.dropped,
      queueBytes: this.queue.bytes,
    };
  }

  /**
   * Resolves once the message is in the queue (durable within syncMs), not when the broker has it. With
   * `overflow: 'wait'` a full queue holds the call until acknowledgements make room.
   */
  async publish(topic: string, payload: Buffer): Promise<void> {
    if ((this.options.overflow ?? 'wait') === 'wait') {
      const limit = this.options.queue.maxBytes ?? DEFAULT_DISK_QUEUE.maxBytes;
      const size = payload.length + Buffer.byteLength(topic) + 64;
      while (this.queue.length > 0 && this.queue.bytes + size > limit) {
        if (this.closing) throw new Error('edge publisher closed while waiting for room in its queue');
        if (this.refused && this.options.onRefused === 'stop') throw this.refused;
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      }
      if (this.closing) throw new Error('edge publisher closed');
    }
    const before = this.queue.dropped;
    this.queue.append(topic, payload);
    if (this.queue.dropped > before)
      this.options.logger.warn(
        { dropped: this.queue.dropped - before, total: this.queue.dropped },
        'edge queue full: oldest messages dropped',
      );
    this.pump();
  }

  /** Resolves true when every queued message was acknowledged, false after timeoutMs (unset: no time limit). */
  async drain(timeoutMs?: number): Promise<boolean> {
    if (this.queue.length === 0) return true;
    if (this.refused && this.options.onRefused === 'stop') return false;
    return new Promise((resolve) => {
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        this.drained = undefined;
        this.giveUpDrain = undefined;
        resolve(drained);
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish(false), timeoutMs);
      this.drained = () => finish(true);
      this.giveUpDrain = () => finish(false);
    });
  }

  /** Ends a waiting drain as if its time had run out (Ctrl-C during a back-fill's final drain). */
  abandonDrain(): void {
    this.giveUpDrain?.();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.wakeWaiters();
    clearInterval(this.syncTimer);
    await this.client.endAsync();
    this.queue.close();
  }

  private pump(): void {
    const window = this.options.window ?? 100;
    while (!this.closing && this.client.connected && this.inFlight < window) {
      const message = this.queue.next();
      if (!message) break;
      this.inFlight += 1;
      this.counts.sent += 1;
      const generation = this.generation;
      this.client.publish(message.topic, message.payload, { qos: 1 }, (err) => {
        if (generation !== this.generation) {
          if (!err) this.queue.ack(message.seq);
          return;
        }
        this.inFlight -= 1;
        if (err) {
          // Not acknowledged (client closing or session lost): it stays in the queue for the next run.
          if (!this.closing) this.options.logger.warn({ err: err.message }, 'publish not acknowledged');
          return;
        }
        this.counts.acked += 1;
        this.queue.ack(message.seq);
        if (this.roomWaiters.length > 0) this.wakeWaiters();
        if (this.queue.length === 0) this.drained?.();
        this.pump();
      });
    }
  }

  private wakeWaiters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}
