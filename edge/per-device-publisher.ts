import type { Logger, MqttSettings } from '../core/index.js';
import { MqttPublisher, type Publisher } from './publisher.js';

/** A device's own MQTT login. */
export interface DeviceLogin {
  username: string;
  password: string;
}

export interface PerDevicePublisherOptions {
  settings: MqttSettings;
  /** The login of the device that owns a topic; undefined: the topic is not one of ours. */
  loginFor: (topic: string) => DeviceLogin | undefined;
  clientIdPrefix: string;
  logger: Logger;
}

/**
 * Publishes each topic through its device's own connection, opened on first use: a broker that binds every
 * device credential to its own topic then sees each simulated device exactly as it would see the real one.
 */
export class PerDevicePublisher implements Publisher {
  private readonly connections = new Map<string, Promise<MqttPublisher>>();
  private closed = false;

  constructor(private readonly options: PerDevicePublisherOptions) {}

  async publish(topic: string, payload: Buffer): Promise<void> {
    if (this.closed) throw new Error('publisher closed');
    let connection = this.connections.get(topic);
    if (!connection) {
      const login = this.options.loginFor(topic);
      if (!login) throw new Error(`no device login for ${topic}`);
      const { settings, clientIdPrefix, logger } = this.options;
      connection = MqttPublisher.connect(
        { ...settings, username: login.username, password: login.password },
        `${clientIdPrefix}-${this.connections.size}`,
        logger,
      );
      this.connections.set(topic, connection);
      connection.catch(() => this.connections.delete(topic));
    }
    await (await connection).publish(topic, payload);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.close()));
  }
}
