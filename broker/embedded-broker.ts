import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../core/index.js';

export interface EmbeddedBrokerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger: Logger;
}

/**
 * The embedded MQTT broker (aedes, in memory) of the all-in-one process. Production uses Mosquitto or another
 * MQTT 5 broker instead; nothing else in the system knows which one it talks to.
 */
export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private address: AddressInfo | undefined;

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  async start(): Promise<string> {
    const { host = '127.0.0.1', port = 1883, logger } = this.options;
    const aedes = await Aedes.createBroker({ id: 'greenops-embedded' });
    aedes.on('clientError', (client, err) =>
      logger.debug({ client: client.id, err: err.message }, 'mqtt client error'),
    );
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      aedes.handle(socket);
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
