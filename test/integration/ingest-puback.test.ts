import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/index.js';
import { MqttSubscriber, type InboundMessage } from '../../ingest/index.js';
import { requireServer } from '../harness/debian-packages.js';
import { startMosquitto, type MosquittoServer } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait-for.js';

const INGEST = { username: 'ingest', password: 'ingest-secret', acl: ['topic read greenops/#'] };
const PUBLISHER = { username: 'publisher', password: 'pub-secret', acl: ['topic write greenops/v1/demo/#'] };

describe.runIf(requireServer('mosquitto'))('the ingest subscriber’s PUBACKs (issue 17)', () => {
  let server: MosquittoServer;
  beforeAll(async () => {
    server = await startMosquitto({ users: [INGEST, PUBLISHER] });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('acknowledges a batch of messages in one write, and the broker takes exactly those as acknowledged', async () => {
    const clientId = `puback-test-${process.pid}`;
    const subscriber = (received: InboundMessage[]) =>
      new MqttSubscriber({
        settings: { url: server.url, username: INGEST.username, password: INGEST.password },
        clientId,
        clean: false,
        subscription: 'greenops/#',
        logger: createMemoryLogger().logger,
        onMessage: (m) => received.push(m),
      });
    const first: InboundMessage[] = [];
    const ingest = subscriber(first);
    await ingest.start();
    const publisher = await mqtt.connectAsync(server.url, {
      username: PUBLISHER.username,
      password: PUBLISHER.password,
    });
    const count = 300;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        publisher.publishAsync(`greenops/v1/demo/energy/m-${i}`, String(i), { qos: 1 }),
      ),
    );
    await publisher.endAsync();
    await waitFor('every message received', async () => (first.length === count ? true : undefined));
    expect(ingest.stats.ackWrites).toBe(0);

    // Acknowledge the even messages in one tick, as a written batch does; the odd ones stay unacknowledged.
    for (const m of first) if (Number(m.payload.toString()) % 2 === 0) m.ack();
    await ingest.stop();
    expect(ingest.stats.acked).toBe(count / 2);
    expect(ingest.stats.ackWrites).toBe(1);

    // The same session again: Mosquitto sends again what was not acknowledged, and only that.
    const again: InboundMessage[] = [];
    const next = subscriber(again);
    await next.start();
    try {
      await waitFor('the unacknowledged messages again', async () =>
        again.length >= count / 2 ? true : undefined,
      );
      const numbers = again.map((m) => Number(m.payload.toString())).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: count / 2 }, (_, i) => 2 * i + 1));
      for (const m of again) m.ack();
    } finally {
      await next.stop();
    }
  });
});
