import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../core/index.js';
import { EmbeddedBroker } from '../broker/index.js';
import { MqttAccess } from '../access/index.js';
import { openTempDuckDb, type TempDuckDb } from '../test/harness/temp-duckdb.js';
import { waitFor } from '../test/harness/wait-for.js';
import { IngestService } from './ingest-service.js';

describe('IngestService back-pressure (real aedes broker, real DuckDB)', () => {
  let db: TempDuckDb | undefined;
  let broker: EmbeddedBroker | undefined;
  let ingest: IngestService | undefined;
  afterEach(async () => {
    await ingest?.stop();
    await broker?.stop();
    await db?.close();
    db?.remove();
  });

  it('pauses reading at its limits and always resumes: 300 batch messages of 100 readings through a 500-point buffer', async () => {
    db = await openTempDuckDb();
    broker = new EmbeddedBroker({
      port: 0,
      logger: createMemoryLogger().logger,
      access: new MqttAccess({ allowAnonymous: true }),
    });
    const url = await broker.start();
    ingest = new IngestService({
      mqtt: { url },
      store: db.store,
      deadLetters: db.deadLetters,
      logger: createMemoryLogger().logger,
      cleanSession: true,
      clientId: 'backpressure',
      flushMs: 5,
      batchSize: 200,
      maxUnacked: 20,
      maxPendingPoints: 500,
    });
    await ingest.start();
    const client = await mqtt.connectAsync(url, { protocolVersion: 4 });
    const t0 = Date.UTC(2026, 0, 5);
    const sends = [];
    for (let m = 0; m < 300; m++) {
      const batch = Array.from({ length: 100 }, (_, r) => ({
        id: `${m}-${r}`,
        ts: new Date(t0 + (m * 100 + r) * 1000).toISOString(),
        lat: 56,
        lon: 10,
        speedKmh: r,
        ignition: true,
      }));
      sends.push(client.publishAsync('greenops/v1/demo/fleet/van-1', JSON.stringify(batch), { qos: 1 }));
    }
    await Promise.all(sends);
    await client.endAsync();
    let sawPause = false;
    await waitFor(
      '30,000 readings stored',
      async () => {
        sawPause ||= ingest!.stats.paused;
        const [device] = await db!.store.listDevices('fleet', 'demo');
        return device?.records === 30_000 ? true : undefined;
      },
      30_000,
      20,
    );
    expect(sawPause).toBe(true);
    expect(ingest.stats).toMatchObject({ paused: false, unacked: 0, pending: 0 });
  });
});
