import mqtt, { type MqttClient } from 'mqtt';
import { mqttClientOptions, type Logger, type MqttSettings } from '../core/index.js';

/** Where an edge agent sends its messages. Resolves once the broker has the message (PUBACK for QoS 1). */
export interface Publisher {
  publish(topic: string, payload: Buffer): Promise<void>;
  close(): Promise<void>;
}

/**
 * Whether an MQTT error is the broker refusing the client's credentials: CONNACK return code 4 (bad user name or
 * password) or 5 (not authorized), or MQTT 5 reason codes 0x86 / 0x87. Retrying cannot help until the login changes.
 */
export function isCredentialRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 4 || code === 5 || code === 0x86 || code === 0x87;
}

export class MqttPublisher implements Publisher {
  private constructor(private readonly client: MqttClient) {}

  static async connect(settings: MqttSettings, clientId: string, logger: Logger): Promise<MqttPublisher> {
    const client = mqtt.connect(settings.url, mqttClientOptions(settings, clientId));
    client.on('error', (err) => logger.warn({ err: err.message }, 'edge mqtt error'));
    client.on('offline', () => logger.warn('edge lost the broker; reconnecting'));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (err) => {
        // A refused first connection (e.g. a revoked or wrong credential) must not keep reconnecting unseen.
        client.end(true);
        reject(err);
      });
    });
    return new MqttPublisher(client);
  }

  async publish(topic: string, payload: Buffer): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
