import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, STREAM_NAMES, type MqttSettings } from '../../core/index.js';
import { MqttPublisher, SimulationRunner, createSimulators } from '../../edge/index.js';
import { IngestService } from '../../ingest/index.js';
import { openTempDuckDb, type TempDuckDb } from '../harness/temp-duckdb.js';
import { waitFor } from '../harness/wait-for.js';

export interface BrokerUnderTest {
  /** Settings the ingest connects with (read access to all stream topics). */
  ingest: MqttSettings;
  /** Settings a simulator connects with (write access to tenant demo). */
  publisher: MqttSettings;
  close(): Promise<void>;
}

const START = Date.UTC(2026, 2, 2, 6);

async function storedRecords(db: TempDuckDb, tenant = 'demo'): Promise<number> {
  let total = 0;
  for (const stream of STREAM_NAMES)
    for (const d of await db.store.listDevices(stream, tenant)) total += d.records;
  return total;
}

/**
 * What ingest and edge need from any MQTT broker, run against the embedded aedes broker and a real Mosquitto:
 * every published record is stored, refused input is dead-lettered, and a persistent ingest session gets what was
 * published while it was away.
 */
export function brokerContract(name: string, open: () => Promise<BrokerUnderTest>): void {
  describe(`broker contract: ${name}`, () => {
    let broker: BrokerUnderTest;
    let db: TempDuckDb;
    const running: { stop(): Promise<void> }[] = [];
    const ingest = (clientId?: string) => {
      const service = new IngestService({
        mqtt: broker.ingest,
        store: db.store,
        deadLetters: db.deadLetters,
        logger: createMemoryLogger('warn').logger,
        flushMs: 20,
        clientId: clientId ?? `contract-${Math.random().toString(16).slice(2)}`,
        cleanSession: clientId === undefined,
      });
      running.push(service);
      return service;
    };

    beforeAll(async () => {
      broker = await open();
    });
    afterAll(async () => {
      await broker?.close();
    });
    afterEach(async () => {
      for (const r of running.splice(0)) await r.stop();
      await db?.close();
      db?.remove();
    });

    it('carries simulated records of all four streams from edge to store without loss', async () => {
      db = await openTempDuckDb();
      await ingest().start();
      const publisher = await MqttPublisher.connect(
        broker.publisher,
        'contract-sim',
        createMemoryLogger().logger,
      );
      const runner = new SimulationRunner({
        simulators: createSimulators('all', { devices: 3, seed: 5, startMs: START }),
        publisher,
        tenant: 'demo',
        logger: createMemoryLogger().logger,
        untilMs: START + 2 * 3_600_000,
      });
      runner.start();
      await runner.done;
      await publisher.close();
      expect(runner.stats.records).toBeGreaterThan(1000);
      await waitFor(
        'all records stored',
        async () => ((await storedRecords(db)) === runner.stats.records ? true : undefined),
        20_000,
      );
      expect(await db.deadLetters.list({ limit: 1 })).toMatchObject({ total: 0 });
    });

    it('dead-letters a malformed message with its reason and raw payload', async () => {
      db = await openTempDuckDb();
      await ingest().start();
      const client = await mqtt.connectAsync(broker.publisher.url, {
        username: broker.publisher.username,
        password: broker.publisher.password,
        ca: broker.publisher.tls?.ca,
        protocolVersion: 4,
      });
      await client.publishAsync('greenops/v1/demo/road/cam-9', Buffer.from([0x7b, 0xff, 0xfe]), { qos: 1 });
      await client.endAsync();
      const page = await waitFor('a dead letter', async () => {
        const p = await db.deadLetters.list({ limit: 10 });
        return p.total > 0 ? p : undefined;
      });
      expect(page.items[0]).toMatchObject({
        topic: 'greenops/v1/demo/road/cam-9',
        stream: 'road',
        tenant: 'demo',
      });
      expect(page.items[0]?.reason).toMatch(/^invalid JSON/);
      expect(Buffer.from(page.items[0]!.payload)).toEqual(Buffer.from([0x7b, 0xff, 0xfe]));
    });

    it('dead-letters messages on topics outside the contract, naming the topic, and stays connected', async () => {
      db = await openTempDuckDb();
      const service = ingest();
      await service.start();
      const client = await mqtt.connectAsync(broker.publisher.url, {
        username: broker.publisher.username,
        password: broker.publisher.password,
        ca: broker.publisher.tls?.ca,
        protocolVersion: 4,
      });
      const bad = [
        'greenops/v1/demo//cam-1',
        'greenops/v1/demo/road/cam-1/extra',
        'greenops/v1/demo/bogus/cam-1',
      ];
      for (let round = 0; round < 5; round++)
        for (const topic of bad)
          await client.publishAsync(topic, Buffer.from(`{"round":${round}}`), { qos: 1 });
      await client.endAsync();
      const page = await waitFor('the dead letters', async () => {
        const p = await db.deadLetters.list({ limit: 50 });
        return p.total >= 15 ? p : undefined;
      });
      expect(new Set(page.items.map((i) => i.topic))).toEqual(new Set(bad));
      for (const item of page.items) expect(item.reason).toMatch(/topic|stream/i);
      expect(service.connects).toBe(1);
      expect(service.connected).toBe(true);
    });

    it('keeps a persistent ingest session: 3,000 messages published while it is away all arrive', async () => {
      db = await openTempDuckDb();
      const first = ingest('contract-ingest');
      await first.start();
      await first.stop();
      running.splice(running.indexOf(first), 1);
      const client = await mqtt.connectAsync(broker.publisher.url, {
        username: broker.publisher.username,
        password: broker.publisher.password,
        protocolVersion: 4,
      });
      const t0 = Date.UTC(2026, 0, 5);
      for (let i = 0; i < 3000; i++) {
        const record = {
          id: `q-${i}`,
          ts: new Date(t0 + i * 1000).toISOString(),
          lat: 56,
          lon: 10,
          speedKmh: i % 90,
          ignition: true,
        };
        void client.publish('greenops/v1/demo/fleet/queued-van', JSON.stringify(record), { qos: 1 });
      }
      await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
      await ingest('contract-ingest').start();
      await waitFor(
        '3,000 queued records',
        async () => ((await storedRecords(db)) === 3000 ? true : undefined),
        20_000,
      );
    });
  });
}
