import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import mqttPacket from 'mqtt-packet';
import { GreenopsError, errorMessage, type Logger, type MqttSettings } from '../core/index.js';
import { MqttPacketReader, type InboundPacket } from './mqtt-reader.js';

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  /** Sends the PUBACK (QoS 1). Call only once the message's data is durable; a no-op after a reconnect. */
  ack(): void;
}

export interface MqttSubscriberOptions {
  settings: MqttSettings;
  clientId: string;
  /** false keeps a persistent session: subscription and queued QoS 1 messages survive a disconnect. */
  clean: boolean;
  subscription: string;
  logger: Logger;
  onMessage(message: InboundMessage): void;
  keepaliveSeconds?: number;
  /**
   * Plain TCP only: after a read smaller than a quarter of the read buffer, wait this long before the next, so one
   * read takes many messages (default DEFAULT_READ_COALESCE_MS; 0 reads as soon as data arrives).
   */
  readCoalesceMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

/**
 * A small MQTT 3.1.1 subscriber that leaves PUBACK to its caller. mqtt.js handles incoming packets one at a
 * time and acknowledges each from its handler, so acknowledging after a batched write would serialise the
 * stream; here acknowledgements are independent of reading, and reading can be paused (TCP back-pressure
 * reaches the broker, which holds the rest in the session queue).
 */
export class MqttSubscriber {
  private socket: Socket | undefined;
  private generation = 0;
  private stopping = false;
  private paused = false;
  private connectedFlag = false;
  private reconnectDelay: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  private firstSubscribed: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private nextPacketId = 1;
  /** PUBACKs queued in this tick, written as one buffer (a batch written acknowledges thousands at once). */
  private ackIds: number[] = [];
  private ackSocket: Socket | undefined;
  private ackScheduled = false;
  readonly stats = { connects: 0, received: 0, acked: 0, redelivered: 0, ackWrites: 0 };

  constructor(private readonly options: MqttSubscriberOptions) {
    this.reconnectDelay = options.reconnectMinMs ?? 500;
  }

  /** Connects and subscribes; resolves on the first SUBACK, rejects if the first connection is refused. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstSubscribed = { resolve, reject };
      this.open();
    });
  }

  get connected(): boolean {
    return this.connectedFlag;
  }

  /** Stops reading from the broker (back-pressure); messages already received still get acknowledged. */
  pause(): void {
    this.paused = true;
    this.socket?.pause();
  }

  resume(): void {
    this.paused = false;
    this.socket?.resume();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.writeAcks(); // PUBACKs queued in this tick go before the DISCONNECT
    const socket = this.socket;
    this.socket = undefined;
    this.connectedFlag = false;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  private open(): void {
    const { settings, logger } = this.options;
    const url = new URL(settings.url);
    const port = Number(url.port || (url.protocol === 'mqtts:' ? 8883 : 1883));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const generation = ++this.generation;
    const reader = new MqttPacketReader((packet) => this.onPacket(packet, generation));
    const feed = (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        logger.warn({ err: errorMessage(err) }, 'mqtt protocol error; reconnecting');
        socket.destroy();
      }
    };
    let socket: Socket;
    if (url.protocol === 'mqtts:' || url.protocol === 'ssl:') {
      socket = tlsConnect({
        host,
        port,
        servername: host,
        ca: settings.tls?.ca,
        cert: settings.tls?.cert,
        key: settings.tls?.key,
      });
    } else if (url.protocol === 'mqtt:' || url.protocol === 'tcp:') {
      // Reads into one buffer of our own (Node's `onread`), so that pausing really stops reading from the kernel:
      // after a small read the socket rests for readCoalesceMs and the next read takes everything that came
      // meanwhile. The broker writes each PUBLISH on its own, and a read per two or three messages cost more CPU
      // than the messages themselves (BENCHMARKS.md, issue 17). A full read is followed at once: under load
      // nothing waits.
      const coalesceMs = this.options.readCoalesceMs ?? DEFAULT_READ_COALESCE_MS;
      const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      socket = netConnect({
        host,
        port,
        onread: {
          buffer: readBuffer,
          callback: (bytes: number, buffer: Uint8Array) => {
            // Packets keep views into what they were read from; the read buffer is reused, so copy once.
            feed(Buffer.from(buffer.subarray(0, bytes)));
            if (coalesceMs <= 0 || bytes > READ_BUFFER_BYTES / 4 || this.paused || socket.destroyed)
              return true;
            setTimeout(() => {
              if (!this.paused && this.socket === socket && !socket.destroyed) socket.resume();
            }, coalesceMs);
            return false;
          },
        },
      });
    } else {
      this.fail(
        new GreenopsError(
          'INVALID_CONFIG',
          `MQTT_URL: the ingest speaks mqtt:// and mqtts://, not ${url.protocol}//`,
        ),
      );
      return;
    }
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on('data', feed); // TLS (`onread` is for plain sockets only)
    socket.once(url.protocol === 'mqtts:' || url.protocol === 'ssl:' ? 'secureConnect' : 'connect', () => {
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: this.options.clean,
          clientId: this.options.clientId,
          keepalive: this.options.keepaliveSeconds ?? 30,
          ...(settings.username !== undefined ? { username: settings.username } : {}),
          ...(settings.password !== undefined ? { password: Buffer.from(settings.password) } : {}),
        }),
      );
    });
    socket.on('error', (err) => {
      if (this.firstSubscribed && this.stats.connects === 0) this.fail(err);
      else logger.warn({ err: err.message }, 'mqtt connection error');
    });
    socket.on('close', () => this.onClose(generation));
    if (this.paused) socket.pause();
  }

  private onPacket(packet: InboundPacket, generation: number): void {
    if (generation !== this.generation) return;
    const socket = this.socket as Socket;
    switch (packet.type) {
      case 'connack': {
        if (packet.returnCode !== 0) {
          const reason = CONNACK_REASONS[packet.returnCode] ?? `code ${packet.returnCode}`;
          const err = new GreenopsError('BROKER_UNAVAILABLE', `broker refused the connection: ${reason}`);
          if (this.stats.connects === 0) this.fail(err);
          else this.options.logger.error({ err: err.message }, 'broker refused the connection');
          socket.destroy();
          return;
        }
        this.stats.connects += 1;
        this.connectedFlag = true;
        this.reconnectDelay = this.options.reconnectMinMs ?? 500;
        this.options.logger.info(
          {
            clientId: this.options.clientId,
            sessionPresent: packet.sessionPresent,
            subscription: this.options.subscription,
          },
          'ingest connected',
        );
        socket.write(
          mqttPacket.generate({
            cmd: 'subscribe',
            messageId: this.packetId(),
            subscriptions: [{ topic: this.options.subscription, qos: 1 }],
          }),
        );
        this.startPing(socket);
        return;
      }
      case 'suback': {
        if (packet.granted.some((g) => g === 0x80)) {
          const err = new GreenopsError(
            'BROKER_UNAVAILABLE',
            `broker refused the subscription to ${this.options.subscription}`,
          );
          if (this.firstSubscribed) this.fail(err);
          else this.options.logger.error({ err: err.message }, 'subscription refused');
          return;
        }
        this.firstSubscribed?.resolve();
        this.firstSubscribed = undefined;
        return;
      }
      case 'publish':
        this.onPublish(packet, socket, generation);
        return;
      case 'pingresp':
        this.awaitingPong = false;
        return;
      default:
        return;
    }
  }

  private onPublish(
    packet: Extract<InboundPacket, { type: 'publish' }>,
    socket: Socket,
    generation: number,
  ): void {
    this.stats.received += 1;
    if (packet.dup) this.stats.redelivered += 1;
    const messageId = packet.messageId;
    let acked = false;
    const ack =
      packet.qos > 0 && messageId !== undefined
        ? () => {
            if (acked) return;
            acked = true;
            // After a reconnect the broker redelivers unacknowledged messages itself; this ack would be stale.
            if (generation !== this.generation || socket.destroyed) return;
            this.queueAck(socket, messageId);
          }
        : noAck;
    this.options.onMessage({ topic: packet.topic, payload: packet.payload, ack });
  }

  private queueAck(socket: Socket, messageId: number): void {
    if (this.ackSocket !== socket) this.writeAcks();
    this.ackSocket = socket;
    this.ackIds.push(messageId);
    this.stats.acked += 1;
    if (!this.ackScheduled) {
      this.ackScheduled = true;
      queueMicrotask(() => this.writeAcks());
    }
  }

  /**
   * One write (one syscall) for every PUBACK queued: a PUBACK is 4 bytes (MQTT 3.1.1 §3.4: 0x40, remaining
   * length 2, packet id), so building them here beats a generate() and a socket write per message.
   */
  private writeAcks(): void {
    this.ackScheduled = false;
    const ids = this.ackIds;
    const socket = this.ackSocket;
    if (ids.length === 0 || !socket) return;
    this.ackIds = [];
    if (socket.destroyed) return;
    const buffer = Buffer.allocUnsafe(ids.length * 4);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      buffer[4 * i] = 0x40;
      buffer[4 * i + 1] = 0x02;
      buffer[4 * i + 2] = id >> 8;
      buffer[4 * i + 3] = id & 0xff;
    }
    socket.write(buffer);
    this.stats.ackWrites += 1;
  }

  private startPing(socket: Socket): void {
    clearInterval(this.pingTimer);
    const keepalive = (this.options.keepaliveSeconds ?? 30) * 1000;
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) {
        this.options.logger.warn('broker did not answer a ping; reconnecting');
        socket.destroy();
        return;
      }
      this.awaitingPong = true;
      socket.write(mqttPacket.generate({ cmd: 'pingreq' }));
    }, keepalive / 2);
    this.pingTimer.unref();
  }

  private onClose(generation: number): void {
    if (generation !== this.generation) return;
    clearInterval(this.pingTimer);
    const wasConnected = this.connectedFlag;
    this.connectedFlag = false;
    if (this.stopping) return;
    if (wasConnected) this.options.logger.warn('ingest lost the broker; reconnecting');
    const delay = this.reconnectDelay * (0.5 + Math.random());
    this.reconnectDelay = Math.min(this.options.reconnectMaxMs ?? 10_000, this.reconnectDelay * 2);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private fail(err: Error): void {
    const pending = this.firstSubscribed;
    this.firstSubscribed = undefined;
    if (!pending) return;
    this.stopping = true;
    this.socket?.destroy();
    pending.reject(
      new GreenopsError(
        'BROKER_UNAVAILABLE',
        `cannot subscribe at ${this.options.settings.url}: ${errorMessage(err)}`,
        { cause: err },
      ),
    );
  }

  private packetId(): number {
    const id = this.nextPacketId;
    this.nextPacketId = (this.nextPacketId % 65535) + 1;
    return id;
  }
}

const noAck = () => undefined;
/**
 * How long the socket rests after a small read: a bound on the latency it adds. About one store write's time under
 * load, so that about one read (one wake-up) feeds each write: what is read while a write runs waits for it anyway.
 * 20 ms against 5: 19.8 → 13.4 µs of CPU per message at 10,000 msg/s, 13.5 → 11.4 at 20,000; 40 ms gave no more
 * (BENCHMARKS.md, issue 17).
 */
export const DEFAULT_READ_COALESCE_MS = 20;
const READ_BUFFER_BYTES = 256 * 1024;

const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client id rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};
