import mqtt from 'mqtt';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/index.js';
import { EmbeddedBroker } from '../../broker/index.js';
import { INGEST_TOPICS, INGEST_USERNAME, MqttAccess, serviceAccount } from '../../access/index.js';
import { IngestService } from '../../ingest/index.js';
import { brokerContract } from '../contract/broker.contract.js';
import { requireServer } from '../harness/debian-packages.js';
import { startMosquitto, type MosquittoServer } from '../harness/mosquitto.js';
import { openTempDuckDb } from '../harness/temp-duckdb.js';
import { waitFor } from '../harness/wait-for.js';

const INGEST = { username: 'greenops-ingest', password: 'ingest-secret', acl: ['topic read greenops/#'] };
const SIMULATOR = { username: 'simulator', password: 'sim-secret', acl: ['topic write greenops/v1/demo/#'] };
const DEVICE = { username: 'van-7', password: 'van-secret', acl: ['topic write greenops/v1/demo/+/van-7'] };

brokerContract('embedded aedes with service identities', async () => {
  const ingest = serviceAccount(INGEST_USERNAME, INGEST_TOPICS);
  const publisher = serviceAccount('contract-publisher', { publish: ['greenops/v1/demo/#'], subscribe: [] });
  const broker = new EmbeddedBroker({
    port: 0,
    logger: createMemoryLogger().logger,
    access: new MqttAccess({ services: [ingest, publisher] }),
  });
  const url = await broker.start();
  return {
    ingest: { url, username: ingest.username, password: ingest.password },
    publisher: { url, username: publisher.username, password: publisher.password },
    close: () => broker.stop(),
  };
});

// MQTT_URL (with MQTT_USERNAME / MQTT_PASSWORD allowed to read and write greenops/v1/#) runs the contract
// against a broker you already have, besides the ones the harness starts.
const external = process.env.MQTT_URL;
if (external) {
  brokerContract(`external broker at ${external}`, async () => {
    const settings = {
      url: external,
      username: process.env.MQTT_USERNAME,
      password: process.env.MQTT_PASSWORD,
    };
    return { ingest: settings, publisher: settings, close: async () => undefined };
  });
}

const mosquittoInstalled = requireServer('mosquitto');

describe.runIf(mosquittoInstalled)('Mosquitto', () => {
  let server: MosquittoServer;
  beforeAll(async () => {
    server = await startMosquitto({ users: [INGEST, SIMULATOR, DEVICE], tls: true });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  brokerContract('Mosquitto with auth, ACL and persistence', async () => ({
    ingest: { url: server.url, username: INGEST.username, password: INGEST.password },
    publisher: { url: server.url, username: SIMULATOR.username, password: SIMULATOR.password },
    close: async () => undefined,
  }));

  it('refuses a wrong password', async () => {
    await expect(
      mqtt.connectAsync(server.url, {
        username: DEVICE.username,
        password: 'wrong',
        protocolVersion: 4,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Not authorized|Bad username/);
  });

  it('lets a device publish only to its own topics', async () => {
    const db = await openTempDuckDb();
    const ingest = new IngestService({
      mqtt: { url: server.url, username: INGEST.username, password: INGEST.password },
      store: db.store,
      deadLetters: db.deadLetters,
      logger: createMemoryLogger().logger,
      flushMs: 20,
    });
    await ingest.start();
    const device = await mqtt.connectAsync(server.url, {
      username: DEVICE.username,
      password: DEVICE.password,
      protocolVersion: 4,
    });
    const record = (id: string) =>
      JSON.stringify({ id, ts: '2026-01-05T10:00:00Z', lat: 56, lon: 10, speedKmh: 10, ignition: true });
    await device.publishAsync('greenops/v1/demo/fleet/other-van', record('spoofed'), { qos: 1 });
    await device.publishAsync('greenops/v1/odense/fleet/van-7', record('other-tenant'), { qos: 1 });
    await device.publishAsync('greenops/v1/demo/fleet/van-7', record('own'), { qos: 1 });
    await device.endAsync();
    await waitFor('the own record', async () =>
      (await db.store.listDevices('fleet', 'demo')).length > 0 ? true : undefined,
    );
    await ingest.flush();
    expect(await db.store.listDevices('fleet', 'demo')).toEqual([
      expect.objectContaining({ device: 'van-7', records: 1 }),
    ]);
    expect(await db.store.listDevices('fleet', 'odense')).toEqual([]);
    await ingest.stop();
    await db.close();
    db.remove();
  });

  it('splits the load between two ingest workers with a shared subscription, storing each record once', async () => {
    const db = await openTempDuckDb();
    const worker = (id: string) =>
      new IngestService({
        mqtt: { url: server.url, username: INGEST.username, password: INGEST.password },
        store: db.store,
        deadLetters: db.deadLetters,
        logger: createMemoryLogger().logger,
        flushMs: 20,
        clientId: id,
        cleanSession: true,
        subscription: '$share/greenops/greenops/v1/+/+/+',
      });
    const workers = [worker('worker-a'), worker('worker-b')];
    for (const w of workers) await w.start();
    const device = await mqtt.connectAsync(server.url, {
      username: DEVICE.username,
      password: DEVICE.password,
      protocolVersion: 4,
    });
    const t0 = Date.UTC(2026, 0, 7);
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        device.publishAsync(
          'greenops/v1/demo/fleet/van-7',
          JSON.stringify({
            id: `s-${i}`,
            ts: new Date(t0 + i * 1000).toISOString(),
            lat: 56,
            lon: 10,
            speedKmh: 10,
            ignition: true,
          }),
          { qos: 1 },
        ),
      ),
    );
    await device.endAsync();
    await waitFor('2,000 records', async () =>
      (await db.store.listDevices('fleet', 'demo'))[0]?.records === 2000 ? true : undefined,
    );
    const received = workers.map((w) => w.stats.messagesReceived);
    expect(received[0]! + received[1]!).toBe(2000);
    expect(Math.min(...received)).toBeGreaterThan(200);
    for (const w of workers) await w.stop();
    await db.close();
    db.remove();
  });

  it('carries data over TLS (mqtts://) with a configured CA', async () => {
    const db = await openTempDuckDb();
    const ca = readFileSync(server.certificates!.caFile);
    const ingest = new IngestService({
      mqtt: { url: server.tlsUrl!, username: INGEST.username, password: INGEST.password, tls: { ca } },
      store: db.store,
      deadLetters: db.deadLetters,
      logger: createMemoryLogger().logger,
      flushMs: 20,
    });
    await ingest.start();
    const device = await mqtt.connectAsync(server.tlsUrl!, {
      username: DEVICE.username,
      password: DEVICE.password,
      ca,
      protocolVersion: 4,
    });
    await device.publishAsync(
      'greenops/v1/demo/fleet/van-7',
      JSON.stringify({
        id: 'tls-1',
        ts: '2026-01-06T10:00:00Z',
        lat: 56,
        lon: 10,
        speedKmh: 10,
        ignition: true,
      }),
      { qos: 1 },
    );
    await device.endAsync();
    await waitFor('the record sent over TLS', async () =>
      (await db.store.listDevices('fleet', 'demo')).length > 0 ? true : undefined,
    );
    await expect(
      mqtt.connectAsync(server.tlsUrl!, {
        username: DEVICE.username,
        password: DEVICE.password,
        protocolVersion: 4,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/certificate/);
    await ingest.stop();
    await db.close();
    db.remove();
  });
});
