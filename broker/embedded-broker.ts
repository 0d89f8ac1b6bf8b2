import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Aedes, AuthenticateError, Client } from 'aedes';
import type { Writable } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { errorMessage, type Logger } from '../core/index.js';
import { guardPacketSize } from './packet-size-guard.js';
import type { MqttAccess, MqttIdentity } from '../access/index.js';

export interface EmbeddedBrokerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger: Logger;
  /** Who may connect, publish and subscribe (devices, in-process services, anonymous only when allowed). */
  access: MqttAccess;
  /**
   * Largest MQTT packet a client may send. A client announcing a larger one is disconnected from the packet's
   * first bytes, before any of its body is read into memory.
   */
  maxPacketBytes?: number;
  /**
   * The in-process ingest. Every authorised publish under `greenops/` is handed to it, and the PUBACK goes out
   * only once the promise resolves, when what the message produced is written or dead-lettered: an acknowledged
   * message is durable, also if the process is killed right after. A rejection closes the connection without a
   * PUBACK, so the publisher sends the message again.
   */
  deliver?: (topic: string, payload: Buffer) => Promise<void>;
  /**
   * True while the ingest holds as much unwritten data as it should: a publisher's next packets are then read only
   * once its current one is written (TCP back-pressure), instead of being taken into memory.
   */
  backlogged?: () => boolean;
}

/** Headroom over the payload limit for the rest of a PUBLISH packet (topic, packet id, header). */
export const PACKET_HEADROOM_BYTES = 70 * 1024;

/** Topics the in-process ingest takes: the same as its MQTT subscription, greenops/#. */
function forIngest(topic: string): boolean {
  return topic === 'greenops' || topic.startsWith('greenops/');
}

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3 (aedes has no MQTT 5 reason codes). */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/**
 * The embedded MQTT broker (aedes, in memory) of the all-in-one process. Production uses Mosquitto or another
 * MQTT 5 broker instead; nothing else in the system knows which one it talks to.
 */
export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private address: AddressInfo | undefined;
  /** Connections closed for announcing a packet above the size limit. */
  oversizeRefused = 0;

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  async start(): Promise<string> {
    const {
      host = '127.0.0.1',
      port = 1883,
      logger,
      access,
      deliver,
      backlogged = () => false,
      maxPacketBytes,
    } = this.options;
    const identities = new WeakMap<Client, MqttIdentity>();
    // A refused QoS 1 publisher typically reconnects and resends every second: one warning per user and reason a
    // minute, with how many were refused meanwhile, instead of a line per attempt.
    const refusals = new Map<string, { loggedAt: number; since: number }>();
    const warnRefusal = (key: string, fields: Record<string, unknown>, message: string) => {
      const now = Date.now();
      const seen = refusals.get(key);
      if (seen && now - seen.loggedAt < 60_000) {
        seen.since += 1;
        return;
      }
      if (refusals.size > 10_000) refusals.clear();
      refusals.set(key, { loggedAt: now, since: 0 });
      logger.warn({ ...fields, refusedSinceLastLog: seen?.since ?? 0 }, message);
    };
    // aedes is imported here, not at module load: only the all-in-one process with no external broker runs it, and
    // every other process (the ingest role with Mosquitto, the API) would pay its import for nothing.
    const { Aedes: AedesBroker } = await import('aedes');
    const aedes = await AedesBroker.createBroker({
      id: 'greenops-embedded',
      authenticate: (client, username, password, done) => {
        access.authenticate(username, password).then(
          (identity) => {
            if (identity) {
              identities.set(client, identity);
              return done(null, true);
            }
            warnRefusal(
              `connect|${username ?? ''}`,
              { client: client.id, username: username ?? null },
              username
                ? 'mqtt connect refused: bad user name or password'
                : 'mqtt connect refused: anonymous',
            );
            done(refusal(username ? BAD_USERNAME_OR_PASSWORD : NOT_AUTHORIZED), false);
          },
          (err: unknown) => {
            logger.error({ err, client: client.id }, 'mqtt authentication failed');
            done(refusal(NOT_AUTHORIZED), false);
          },
        );
      },
      // MQTT 3.1.1 has no negative PUBACK: aedes closes the connection of a client whose publish is refused
      // (whatever its QoS), so the refusal is visible to the client and never delivered.
      authorizePublish: (client, packet, done) => {
        const identity = client ? identities.get(client) : undefined;
        if (!client || !identity) return done(new Error('publish before authentication'));
        access.mayPublish(identity, packet.topic).then(
          (decision) => {
            if (decision.ok) {
              if (!deliver || !forIngest(packet.topic)) return done(null);
              const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
              const durable = deliver(packet.topic, payload);
              const refused = (err: unknown) => {
                logger.warn(
                  { client: client.id, topic: packet.topic, err: errorMessage(err) },
                  'ingest did not take a message; closing the connection without PUBACK',
                );
              };
              if (packet.qos !== 1 || packet.messageId === undefined) {
                // QoS 0 has no acknowledgement; QoS 2 waits for the write before aedes's PUBREC.
                return durable.then(
                  () => done(null),
                  (err: unknown) => {
                    refused(err);
                    done(new Error('not stored'));
                  },
                );
              }
              // aedes sends a QoS 1 PUBACK before it publishes, so greenops sends it instead, once the message
              // is durable: aedes goes on reading the connection meanwhile (the publisher's next messages join
              // the same batch), and forwards the message to any other subscriber at QoS 0.
              const messageId = packet.messageId;
              packet.qos = 0;
              const conn = client.conn as unknown as Writable;
              const acknowledged = durable.then(
                () => {
                  if (!conn.destroyed && !conn.writableEnded)
                    conn.write(mqttPacket.generate({ cmd: 'puback', messageId }));
                },
                (err: unknown) => {
                  refused(err);
                  conn.destroy();
                },
              );
              if (!backlogged()) return done(null);
              return acknowledged.then(() => done(null));
            }
            warnRefusal(
              `publish|${identity?.kind === 'device' || identity?.kind === 'service' ? identity.username : client.id}|${packet.topic}`,
              { client: client.id, topic: packet.topic, reason: decision.reason },
              'mqtt publish refused',
            );
            done(new Error(decision.reason));
          },
          (err: unknown) => {
            logger.error(
              { err, client: client.id, topic: packet.topic },
              'mqtt publish authorisation failed',
            );
            done(new Error('publish authorisation failed'));
          },
        );
      },
      // A refused subscription is granted 0x80 (failure) in the SUBACK; the connection stays open.
      authorizeSubscribe: (client, sub, done) => {
        const identity = identities.get(client);
        const decision = identity
          ? access.maySubscribe(identity, sub.topic)
          : { ok: false, reason: 'no identity' };
        if (decision.ok) return done(null, sub);
        logger.warn(
          { client: client.id, filter: sub.topic, reason: decision.reason },
          'mqtt subscribe refused',
        );
        done(null, null);
      },
    });
    aedes.on('clientError', (client, err) =>
      logger.debug({ client: client.id, err: err.message }, 'mqtt client error'),
    );
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      if (maxPacketBytes === undefined) {
        aedes.handle(socket);
        return;
      }
      aedes.handle(
        guardPacketSize(socket, maxPacketBytes, (announced) => {
          this.oversizeRefused += 1;
          warnRefusal(
            `oversize|${socket.remoteAddress ?? ''}`,
            { remoteAddress: socket.remoteAddress, announcedBytes: announced, maxPacketBytes },
            'mqtt packet above the size limit; disconnected before reading it',
          );
        }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.aedes = aedes;
    this.server = server;
    this.address = server.address() as AddressInfo;
    logger.info({ url: this.url }, 'embedded MQTT broker listening');
    return this.url;
  }

  get url(): string {
    if (!this.address) throw new Error('broker not started');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `mqtt://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.address.port}`;
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async stop(): Promise<void> {
    const { aedes, server } = this;
    this.aedes = undefined;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }
}

function refusal(returnCode: number): AuthenticateError {
  return Object.assign(
    new Error(returnCode === NOT_AUTHORIZED ? 'not authorized' : 'bad user name or password'),
    {
      returnCode,
    },
  ) as AuthenticateError;
}
