import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/index.js';
import { MqttAccess } from '../../access/index.js';
import { EmbeddedBroker } from '../../broker/index.js';
import { freePort } from '../../test/harness/free-port.js';
import { waitFor } from '../../test/harness/wait-for.js';
import { QueuedPublisher } from './queued-publisher.js';

describe('QueuedPublisher', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('makes a back-fill wait for the broker when its queue is full, instead of dropping the oldest', async () => {
    const { logger } = createMemoryLogger();
    const dir = mkdtempSync(join(tmpdir(), 'greenops-queue-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const publisher = QueuedPublisher.open({
      settings: { url: `mqtt://127.0.0.1:${port}` },
      clientId: 'backfill-test',
      queue: { dir, maxBytes: 64 * 1024, segmentBytes: 8 * 1024 },
      logger,
    });
    cleanups.push(() => publisher.close());

    // No broker yet: the queue fills and publishing must stop accepting, not evict.
    const payload = Buffer.alloc(1024, 'x');
    let accepted = 0;
    const publishing = (async () => {
      for (let i = 0; i < 200; i++) {
        await publisher.publish(`greenops/v1/demo/energy/m-${i}`, payload);
        accepted++;
      }
    })();
    await waitFor('the queue to fill', async () => (accepted > 40 ? true : undefined), 10_000, 20);
    const stalledAt = accepted;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(accepted).toBe(stalledAt);
    expect(accepted).toBeLessThan(64);
    expect(publisher.stats.dropped).toBe(0);

    // The broker comes: everything, oldest included, reaches a subscriber, and the back-fill completes.
    const broker = new EmbeddedBroker({ port, logger, access: new MqttAccess({ allowAnonymous: true }) });
    await broker.start();
    cleanups.push(() => broker.stop());
    const received = new Set<string>();
    const subscriber = await mqtt.connectAsync(broker.url, { clientId: 'sub', clean: true });
    cleanups.push(() => subscriber.endAsync());
    subscriber.on('message', (topic) => received.add(topic));
    await subscriber.subscribeAsync('greenops/#', { qos: 1 });
    await publishing;
    expect(await publisher.drain(30_000)).toBe(true);
    await waitFor(
      'the last message',
      async () => (received.has('greenops/v1/demo/energy/m-199') ? true : undefined),
      10_000,
      20,
    );
    expect(publisher.stats.dropped).toBe(0);
    expect(publisher.stats.acked).toBeGreaterThanOrEqual(200);
  });

  it('stops at a broker refusing its credentials when told to, keeping the messages queued and logging it once', async () => {
    const { logger, lines } = createMemoryLogger();
    const dir = mkdtempSync(join(tmpdir(), 'greenops-queue-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    // The embedded broker refuses anonymous clients by default.
    const broker = new EmbeddedBroker({ port, logger, access: new MqttAccess() });
    await broker.start();
    cleanups.push(() => broker.stop());
    const publisher = QueuedPublisher.open({
      settings: { url: broker.url },
      clientId: 'refused-test',
      queue: { dir },
      logger,
      onRefused: 'stop',
    });
    for (let i = 0; i < 3; i++) await publisher.publish(`greenops/v1/demo/energy/m-${i}`, Buffer.from('{}'));
    // No time limit: only the refusal can end this drain.
    expect(await publisher.drain()).toBe(false);
    expect(publisher.refusal?.message).toMatch(/Not authorized|Bad username or password/);
    expect(publisher.stats).toMatchObject({ queued: 3, acked: 0 });
    await publisher.close();
    const refusals = lines().filter((l) => String(l.msg).includes('refused the edge agent'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ broker: broker.url, username: null });
  });
});
