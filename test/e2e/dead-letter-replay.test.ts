import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, loadConfig } from '../../core/index.js';
import { startGreenops, type GreenopsApp } from '../../cli/index.js';
import { getJson, waitFor } from '../harness/wait-for.js';

type Devices = { devices: { device: string; records: number }[] };

describe('dead letters after a fix: counted by reason, replayed through the pipeline, metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-replay-'));
  let app: GreenopsApp | undefined;
  const start = (env: Record<string, string>) =>
    startGreenops(
      loadConfig({
        env: {
          GREENOPS_DATA_DIR: dir,
          PORT: '0',
          GREENOPS_BROKER_PORT: '0',
          GREENOPS_MQTT_ALLOW_ANONYMOUS: 'true',
          GREENOPS_SIMULATE: 'false',
          GREENOPS_INGEST_FLUSH_MS: '20',
          ...env,
        },
      }),
      createMemoryLogger('warn').logger,
      { ingest: true, api: true, simulate: false },
    );
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays what a raised payload limit now accepts, and leaves what is still invalid', async () => {
    app = await start({ GREENOPS_MAX_PAYLOAD_BYTES: '2048' });
    const client = await mqtt.connectAsync(app.brokerUrl as string, { protocolVersion: 4 });
    const t0 = Date.UTC(2026, 0, 5);
    const batch = Array.from({ length: 30 }, (_, i) => ({
      id: `big-${i}`,
      ts: new Date(t0 + i * 60_000).toISOString(),
      lat: 56.1,
      lon: 10.2,
      speedKmh: 30,
      ignition: true,
    }));
    await client.publishAsync('greenops/v1/demo/fleet/van-big', JSON.stringify(batch), { qos: 1 });
    await client.publishAsync(
      'greenops/v1/demo/fleet/van-bad',
      JSON.stringify({ id: 'x', ts: 'yesterday' }),
      { qos: 1 },
    );
    await client.endAsync();
    const api = app.apiUrl as string;
    const key = app.adminKey!.secret;
    const reasons = await waitFor('two dead letters', async () => {
      const body = await getJson<{ total: number; reasons: { reason: string; count: number }[] }>(
        `${api}/api/v1/dead-letters/reasons`,
        key,
      );
      return body.total === 2 ? body : undefined;
    });
    expect(reasons.reasons.map((r) => r.reason).sort()).toEqual([
      '/lat: Expected required property',
      'payload of N bytes exceeds the limit of N',
    ]);
    const metrics = await (
      await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${key}` } })
    ).text();
    expect(metrics).toMatch(/^greenops_ingest_messages_received_total 2$/m);
    expect(metrics).toMatch(/^greenops_ingest_records_rejected_total 2$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    await app.stop();

    // The operator raises the limit and restarts; a dry run says what would pass, then the replay does it.
    app = await start({});
    const api2 = app.apiUrl as string;
    // No second bootstrap key: the first one, saved to admin.key, still opens the API.
    expect(app.adminKey).toBeUndefined();
    expect(readFileSync(join(dir, 'admin.key'), 'utf8').trim()).toBe(key);
    const post = async (body: unknown) =>
      (
        await fetch(`${api2}/api/v1/dead-letters/replay`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(body),
        })
      ).json();
    expect(await post({ dryRun: true })).toEqual({
      examined: 2,
      replayed: 1,
      stillInvalid: 1,
      skipped: 0,
      dryRun: true,
    });
    expect(await post({})).toEqual({ examined: 2, replayed: 1, stillInvalid: 1, skipped: 0, dryRun: false });
    const van = await waitFor('the replayed batch', async () => {
      const body = await getJson<Devices>(`${api2}/api/v1/streams/fleet/devices`, key);
      return body.devices.find((d) => d.device === 'van-big' && d.records === 30);
    });
    expect(van.records).toBe(30);
    const left = await getJson<{ total: number; items: { topic: string }[] }>(
      `${api2}/api/v1/dead-letters`,
      key,
    );
    expect(left.total).toBe(1);
    expect(left.items[0]?.topic).toBe('greenops/v1/demo/fleet/van-bad');
    const bad = await fetch(`${api2}/api/v1/dead-letters/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: '{"limit": "all"}',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('limit');
  });
});
