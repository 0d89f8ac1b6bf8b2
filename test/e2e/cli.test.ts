import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli-process.js';
import { getJson, waitFor } from '../harness/wait-for.js';

type Devices = { devices: { device: string; records: number }[] };

describe('greenops CLI as a process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'greenops-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = () => ({
    GREENOPS_DATA_DIR: dir,
    PORT: '0',
    GREENOPS_BROKER_PORT: '0',
    GREENOPS_SIMULATE_RATE: '100',
  });

  it('starts with no config, stops cleanly on Ctrl-C, and keeps its data across a restart', async () => {
    const first = runCli(['start'], env());
    const [, api] = await first.waitForOutput(/greenops API: (http:\/\/\S+)/);
    const before = await waitFor('energy and road data', async () => {
      const energy = await getJson<Devices>(`${api}/api/v1/streams/energy/devices`);
      const road = await getJson<Devices>(`${api}/api/v1/streams/road/devices`);
      return energy.devices.length > 0 && road.devices.length > 0 ? energy.devices : undefined;
    });
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"stopping"');

    const second = runCli(['start', '--no-simulate'], env());
    const [, api2] = await second.waitForOutput(/greenops API: (http:\/\/\S+)/);
    const after = await getJson<Devices>(`${api2}/api/v1/streams/energy/devices`);
    for (const device of before) {
      expect(after.devices.find((d) => d.device === device.device)?.records).toBeGreaterThanOrEqual(
        device.records,
      );
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('replays a recorded energy CSV through the broker, reporting bad rows by line', async () => {
    const server = runCli(['start', '--no-simulate'], { ...env(), GREENOPS_DATA_DIR: join(dir, 'replay') });
    const [, api] = await server.waitForOutput(/greenops API: (http:\/\/\S+)/);
    const [, broker] = await server.waitForOutput(/MQTT broker: +(mqtt:\/\/\S+)/);
    const csv = join(dir, 'load.csv');
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const rows = Array.from(
      { length: 24 },
      (_, i) =>
        `${new Date(hour - (24 - i) * 3_600_000).toISOString()},replay-meter,${(10 + i).toFixed(1)},${i % 5}`,
    );
    rows.splice(5, 0, 'not-a-time,replay-meter,1,1');
    writeFileSync(csv, ['timestamp,meter_id,kwh,outdoor_temp_c', ...rows].join('\n'));

    const replay = runCli([
      'edge',
      'replay',
      '--stream',
      'energy',
      '--file',
      csv,
      '--broker',
      broker!,
      '--tenant',
      'demo',
      '--queue-dir',
      join(dir, 'edge-queue'),
    ]);
    expect(await replay.exited).toBe(1);
    expect(replay.output()).toContain('published 24 records, skipped 1 rows');
    expect(replay.output()).toContain('load.csv:7: timestamp: "not-a-time" is not an ISO 8601 time');

    const meter = await waitFor('24 replayed readings', async () => {
      const body = await getJson<Devices>(`${api}/api/v1/streams/energy/devices`);
      const found = body.devices.find((d) => d.device === 'replay-meter');
      return found && found.records === 24 ? found : undefined;
    });
    expect(meter.records).toBe(24);
    const sum = await getJson<{ points: { value: number }[] }>(
      `${api}/api/v1/streams/energy/series?device=replay-meter&from=-2d&every=1d&fn=sum`,
    );
    expect(sum.points.reduce((s, p) => s + p.value, 0)).toBeCloseTo(24 * 10 + (23 * 24) / 2, 6);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
  });

  it('refuses a bad flag value with a message naming it', async () => {
    const bad = runCli(['edge', 'simulate', '--stream', 'weather']);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('--stream: "weather" is not one of energy, fleet, traffic, road, all');
    const badEnv = runCli(['start'], { PORT: 'eighty' });
    expect(await badEnv.exited).toBe(2);
    expect(badEnv.output()).toContain('PORT must be an integer from 0 to 65535, got "eighty"');
  });
});
