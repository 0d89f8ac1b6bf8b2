import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, loadConfig, STREAM_NAMES } from '../../core/index.js';
import { startGreenops, type GreenopsApp } from '../../cli/index.js';
import { getJson, waitFor } from '../harness/wait-for.js';

type Devices = { devices: { device: string; lastSeen: string; records: number }[] };
type Series = { points: { time: string; value: number }[] };
type DeadLetters = { total: number; items: { reason: string; topic: string; payload: string }[] };

describe('the spine, end to end: simulators → aedes → ingest → DuckDB → HTTP', () => {
  let dir: string;
  let app: GreenopsApp;
  let api: string;
  let key: string;
  const { logger, lines } = createMemoryLogger('info');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenops-e2e-'));
    const config = loadConfig({
      env: {
        GREENOPS_DATA_DIR: dir,
        PORT: '0',
        GREENOPS_BROKER_PORT: '0',
        // This test publishes malformed topics no device credential could; access is tested in test/integration.
        GREENOPS_MQTT_ALLOW_ANONYMOUS: 'true',
        GREENOPS_SIMULATE_RATE: '200',
        GREENOPS_SIMULATE_DEVICES: '3',
        GREENOPS_INGEST_FLUSH_MS: '50',
      },
    });
    app = await startGreenops(
      config,
      logger,
      { ingest: true, api: true, simulate: true },
      { startMs: Date.now() - 2 * 3_600_000, seed: 11 },
    );
    api = app.apiUrl as string;
    key = app.adminKey!.secret;
  });

  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves recent data for all four streams', async () => {
    for (const stream of STREAM_NAMES) {
      const devices = await waitFor(`${stream} devices`, async () => {
        const body = await getJson<Devices>(`${api}/api/v1/streams/${stream}/devices`, key);
        return body.devices.length > 0 ? body.devices : undefined;
      });
      const newest = Math.max(...devices.map((d) => Date.parse(d.lastSeen)));
      expect(Date.now() - newest).toBeLessThan(3 * 3_600_000);
      const series = await getJson<Series>(
        `${api}/api/v1/streams/${stream}/series?device=${devices[0]!.device}&from=-3h`,
        key,
      );
      expect(series.points.length).toBeGreaterThan(0);
    }
    expect(await getJson(`${api}/health`, key)).toMatchObject({ ready: true });
  });

  it('stores a published reading once, however often it is delivered, with its unit normalised', async () => {
    const client = await mqtt.connectAsync(app.brokerUrl as string, { protocolVersion: 4 });
    const ts = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000).toISOString();
    const record = {
      id: 'e2e-1',
      ts,
      meterId: 'e2e-meter',
      siteId: 'e2e-site',
      quantity: 'electricity',
      unit: 'MWh',
      kind: 'interval',
      value: 0.25,
    };
    for (let i = 0; i < 3; i++)
      await client.publishAsync('greenops/v1/demo/energy/e2e-gw', JSON.stringify(record), { qos: 1 });
    await client.endAsync();
    // A gateway's meter is stored inside the gateway's namespace: no publisher writes another device's series.
    const devices = await waitFor('the e2e meter', async () => {
      const body = await getJson<Devices>(`${api}/api/v1/streams/energy/devices`, key);
      return body.devices.find((d) => d.device === 'e2e-gw:e2e-meter');
    });
    await app.ingest!.flush();
    expect(devices.records).toBe(1);
    const series = await getJson<Series>(
      `${api}/api/v1/streams/energy/series?device=e2e-gw:e2e-meter&from=-1d`,
      key,
    );
    expect(series.points).toEqual([{ time: new Date(ts).toISOString(), value: 250 }]);
  });

  it('puts malformed messages in the dead-letter store with their reason', async () => {
    const client = await mqtt.connectAsync(app.brokerUrl as string, { protocolVersion: 4 });
    await client.publishAsync('greenops/v1/demo/fleet/bad-van', '{"id": "x", "ts": ', { qos: 1 });
    await client.publishAsync(
      'greenops/v1/demo/traffic/bad-counter',
      JSON.stringify({ id: 'y', ts: new Date().toISOString() }),
      { qos: 1 },
    );
    await client.publishAsync('greenops/v1/demo/weather/station-1', '{}', { qos: 1 });
    await client.endAsync();
    const letters = await waitFor('three dead letters', async () => {
      const body = await getJson<DeadLetters>(`${api}/api/v1/dead-letters`, key);
      return body.total >= 3 ? body : undefined;
    });
    const byTopic = Object.fromEntries(letters.items.map((i) => [i.topic, i]));
    expect(byTopic['greenops/v1/demo/fleet/bad-van']).toMatchObject({ payload: '{"id": "x", "ts": ' });
    expect(byTopic['greenops/v1/demo/fleet/bad-van']?.reason).toMatch(/^invalid JSON/);
    expect(byTopic['greenops/v1/demo/traffic/bad-counter']?.reason).toMatch(
      /must have required property|Expected required property/,
    );
    expect(byTopic['greenops/v1/demo/weather/station-1']?.reason).toContain('unknown stream "weather"');
    expect(lines().filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('gives every message under greenops/ a fate: a topic outside the contract becomes a dead letter, and the ingest stays connected', async () => {
    const connectsBefore = app.ingest!.connects;
    const client = await mqtt.connectAsync(app.brokerUrl as string, { protocolVersion: 4 });
    const topics = [
      'greenops/v2/demo/energy/m-1',
      'greenops/v1//energy/m-1',
      'greenops/v1/../energy/m-1',
      'greenops/v1/demo/energy/m-1/extra',
      'greenops/v1/demo/energy',
    ];
    for (const topic of topics) await client.publishAsync(topic, '{}', { qos: 1 });
    await client.endAsync();
    const letters = await waitFor('a dead letter per topic', async () => {
      const body = await getJson<DeadLetters>(`${api}/api/v1/dead-letters?limit=100`, key);
      const seen = new Set(body.items.map((i) => i.topic));
      return topics.every((t) => seen.has(t)) ? body : undefined;
    });
    for (const topic of topics)
      expect(letters.items.find((i) => i.topic === topic)?.reason, topic).toMatch(/topic|tenant/);
    expect(app.ingest!.connects).toBe(connectsBefore);
  });
});
