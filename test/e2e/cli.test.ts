import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbDatabase, DuckDbStore } from '../../store/index.js';
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
    // `edge replay` below connects without a device credential.
    GREENOPS_MQTT_ALLOW_ANONYMOUS: 'true',
    GREENOPS_SIMULATE_RATE: '100',
  });

  it('starts with no config, prints a first admin key, stops cleanly on Ctrl-C, and keeps its data across a restart', async () => {
    const first = runCli(['start'], env());
    const [, api] = await first.waitForOutput(/greenops API: (http:\/\/\S+)/);
    const [, key] = (await first.waitForOutput(/admin key: +(gok_\S+)/)) as [string, string];
    const keyFile = join(dir, 'admin.key');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const anonymous = await fetch(`${api}/api/v1/streams/energy/devices`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="greenops"');
    const before = await waitFor('energy and road data', async () => {
      const energy = await getJson<Devices>(`${api}/api/v1/streams/energy/devices`, key);
      const road = await getJson<Devices>(`${api}/api/v1/streams/road/devices`, key);
      return energy.devices.length > 0 && road.devices.length > 0 ? energy.devices : undefined;
    });
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"stopping"');

    const second = runCli(['start', '--no-simulate'], env());
    const [, api2] = await second.waitForOutput(/greenops API: (http:\/\/\S+)/);
    const after = await getJson<Devices>(`${api2}/api/v1/streams/energy/devices`, key);
    for (const device of before) {
      expect(after.devices.find((d) => d.device === device.device)?.records).toBeGreaterThanOrEqual(
        device.records,
      );
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    // The first admin key is made once: a restart neither prints nor replaces it.
    expect(second.output()).not.toContain('admin key:');
    expect(second.output()).toContain('this start created none, as keys already exist');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    // Two starts, the first creating the records store (PGlite initdb: seconds on a busy machine).
  }, 90_000);

  it('stops a replay the embedded broker refuses for want of credentials, naming the broker and what stays queued', async () => {
    const data = join(dir, 'refused');
    // The embedded broker (aedes) refuses anonymous clients unless told otherwise.
    const server = runCli(['start', '--no-simulate'], {
      ...env(),
      GREENOPS_DATA_DIR: data,
      GREENOPS_MQTT_ALLOW_ANONYMOUS: 'false',
    });
    try {
      const [, broker] = (await server.waitForOutput(/MQTT broker: +(mqtt:\/\/\S+)/)) as [string, string];
      const csv = join(dir, 'refused.csv');
      const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
      const rows = Array.from(
        { length: 6 },
        (_, i) => `${new Date(hour - (6 - i) * 3_600_000).toISOString()},refused-meter,${i + 1}.0,5`,
      );
      writeFileSync(csv, ['timestamp,meter_id,kwh,outdoor_temp_c', ...rows].join('\n'));
      const replay = runCli(
        ['edge', 'replay', '--stream', 'energy', '--file', csv, '--broker', broker, '--tenant', 'demo'],
        { GREENOPS_DATA_DIR: data, GREENOPS_MQTT_ALLOW_ANONYMOUS: 'false' },
      );
      // Waits on the process itself: a refusal must end it, not leave it reconnecting.
      expect(await replay.exited).toBe(2);
      const out = replay.output();
      expect(out).toContain(`the MQTT broker at ${broker} refused the connection without a user name`);
      expect(out).toContain(join(data, 'simulator-credentials.json'));
      expect(out).toContain('MQTT_USERNAME and MQTT_PASSWORD');
      expect(out).toMatch(/6 messages stay queued in \S+edge-queue/);
      expect(out).not.toContain('acknowledged');

      // The README's way in: a device login per vehicle issued over the API, replayed with --credentials.
      const adminKey = readFileSync(join(data, 'admin.key'), 'utf8').trim();
      const [, api] = (await server.waitForOutput(/greenops API: (http:\/\/\S+)/)) as [string, string];
      const issued = await fetch(`${api}/api/v1/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: 'demo', stream: 'energy', device: 'refused-meter' }),
      });
      expect(issued.status).toBe(201);
      const login = (await issued.json()) as { username: string; password: string };
      const wrong = join(dir, 'wrong-logins.json');
      writeFileSync(wrong, JSON.stringify({ [login.username]: 'not-the-password' }));
      const refused = runCli(
        ['edge', 'replay', '--stream', 'energy', '--file', csv, '--broker', broker, '--credentials', wrong],
        { GREENOPS_DATA_DIR: data },
      );
      expect(await refused.exited).toBe(2);
      expect(refused.output()).toContain(`the MQTT broker at ${broker} refused the connection`);
      const logins = join(dir, 'logins.json');
      writeFileSync(logins, JSON.stringify({ [login.username]: login.password }));
      const accepted = runCli(
        ['edge', 'replay', '--stream', 'energy', '--file', csv, '--broker', broker, '--credentials', logins],
        { GREENOPS_DATA_DIR: data },
      );
      expect(await accepted.exited).toBe(0);
      expect(accepted.output()).toContain('published (acknowledged) 6 records, skipped 0 rows');
    } finally {
      server.child.kill('SIGINT');
      await server.exited;
    }
  }, 90_000);

  it('replays a recorded energy CSV through the broker, reporting bad rows by line', async () => {
    const server = runCli(['start', '--no-simulate'], { ...env(), GREENOPS_DATA_DIR: join(dir, 'replay') });
    const [, api] = await server.waitForOutput(/greenops API: (http:\/\/\S+)/);
    const [, broker] = await server.waitForOutput(/MQTT broker: +(mqtt:\/\/\S+)/);
    const [, key] = (await server.waitForOutput(/admin key: +(gok_\S+)/)) as [string, string];
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
    expect(replay.output()).toContain('queued 24 records, skipped 1 rows');
    expect(replay.output()).toContain('the broker acknowledged 24 messages');
    expect(replay.output()).toContain('load.csv:7: timestamp: "not-a-time" is not an ISO 8601 time');

    const meter = await waitFor('24 replayed readings', async () => {
      const body = await getJson<Devices>(`${api}/api/v1/streams/energy/devices`, key);
      const found = body.devices.find((d) => d.device === 'replay-meter');
      return found && found.records === 24 ? found : undefined;
    });
    expect(meter.records).toBe(24);
    const sum = await getJson<{ points: { value: number }[] }>(
      `${api}/api/v1/streams/energy/series?device=replay-meter&from=-2d&every=1d&fn=sum`,
      key,
    );
    expect(sum.points.reduce((s, p) => s + p.value, 0)).toBeCloseTo(24 * 10 + (23 * 24) / 2, 6);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    // A server (with its records store) and an edge agent, each a process started through tsx: on a busy 2-core
    // machine that alone can take half a minute.
  }, 120_000);

  it('refuses a bad flag value with a message naming it', async () => {
    const bad = runCli(['edge', 'simulate', '--stream', 'weather']);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('--stream: "weather" is not one of energy, fleet, traffic, road, all');
    const badEnv = runCli(['start'], { PORT: 'eighty' });
    expect(await badEnv.exited).toBe(2);
    expect(badEnv.output()).toContain('PORT must be an integer from 0 to 65535, got "eighty"');
  });
});

describe('greenops keys', () => {
  /** The pretty-printed JSON document of a `--json` run (logs are single-line JSON on stderr). */
  const jsonOf = (text: string) =>
    JSON.parse(text.slice(text.indexOf('{\n'), text.lastIndexOf('\n}') + 2)) as Record<string, unknown>;

  it('creates a key printed once, lists it without its secret, revokes it, and the API follows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-keys-'));
    const env = { GREENOPS_DATA_DIR: dir, PORT: '0', GREENOPS_BROKER_PORT: '0', GREENOPS_SIMULATE: 'false' };
    const whoami = async (key: string, checkInUse = false) => {
      const api = runCli(['api'], env);
      try {
        const [, url] = await api.waitForOutput(/greenops API: (http:\/\/\S+)/);
        if (checkInUse) {
          // The embedded records store belongs to the running API: the CLI refuses to open it beside.
          const busy = runCli(['keys', 'list'], env);
          expect(await busy.exited).toBe(2);
          expect(busy.output()).toMatch(/is in use by process \d+.*\/api\/v1\/keys/);
        }
        const res = await fetch(`${url}/api/v1/whoami`, { headers: { authorization: `Bearer ${key}` } });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      } finally {
        api.child.kill('SIGTERM');
        expect(await api.exited).toBe(0);
        // Keys existed before the API first started: no bootstrap key.
        expect(api.output()).not.toContain('admin key:');
      }
    };
    try {
      const create = runCli(
        ['keys', 'create', '--tenant', 'aarhus', '--roles', 'viewer,climate', '--name', 'climate office'],
        env,
      );
      expect(await create.exited).toBe(0);
      const [, secret, id] = create.output().match(/^(gok_([0-9a-f]{16})_\S{43})$/m) ?? [];
      expect(create.output()).toContain(
        `created key ${id} "climate office" for aarhus with roles viewer, climate`,
      );

      const json = runCli(['keys', 'create', '--roles', 'platform-admin', '--expires', '90d', '--json'], env);
      expect(await json.exited).toBe(0);
      expect(jsonOf(json.output())).toMatchObject({
        tenant: null,
        roles: ['platform-admin'],
        key: expect.stringMatching(/^gok_/),
      });

      const noTenant = runCli(['keys', 'create', '--roles', 'viewer'], env);
      expect(await noTenant.exited).toBe(2);
      expect(noTenant.output()).toContain(
        '--tenant: a key that is not platform-admin is for exactly one tenant',
      );

      const list = runCli(['keys', 'list', '--tenant', 'aarhus', '--json'], env);
      expect(await list.exited).toBe(0);
      expect(list.output()).not.toContain(secret!.slice(-43));
      expect((jsonOf(list.output()).keys as { id: string }[]).map((k) => k.id)).toEqual([id]);

      expect(await whoami(secret!, true)).toMatchObject({
        status: 200,
        body: { id, tenant: 'aarhus', roles: ['viewer', 'climate'] },
      });
      const revoke = runCli(['keys', 'revoke', id!], env);
      expect(await revoke.exited).toBe(0);
      expect(revoke.output()).toContain(`revoked key ${id} "climate office" (aarhus)`);
      expect((await whoami(secret!)).status).toBe(401);
      const table = runCli(['keys', 'list'], env);
      expect(await table.exited).toBe(0);
      expect(table.output()).toMatch(new RegExp(`${id} +aarhus +viewer,climate +climate office +revoked `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Nine CLI processes one after the other, each opening the records store: about 10 s each under load.
  }, 300_000);
});

describe('greenops import energy', () => {
  it('loads a history CSV into the store with a summary of rejected rows by line and reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-import-'));
    try {
      const t0 = Date.UTC(2025, 0, 1);
      const rows = ['timestamp,meter_id,kwh,outdoor_temp_c'];
      for (let h = 0; h < 500; h++)
        for (const meter of ['school-1', 'hall-2'])
          rows.push(`${new Date(t0 + h * 3_600_000).toISOString()},${meter},${(h % 24) + 1},${(h % 10) - 3}`);
      rows.splice(10, 0, '2025-01-01T05:00:00Z,school-1,-4,1');
      rows.splice(20, 0, '2025-01-01T09:00:00Z,hall-2,lots,1');
      // a quote never closed: the three lines from there to the end are rejected, not silently lost
      rows.push(
        '2025-02-01T00:00:00Z,school-1,"3,1',
        '2025-02-01T01:00:00Z,school-1,3,1',
        '2025-02-01T02:00:00Z,hall-2,3,1',
      );
      const file = join(dir, 'history.csv');
      writeFileSync(file, rows.join('\n'));
      const run = runCli(['import', 'energy', '--file', file, '--data-dir', dir, '--tenant', 'aarhus']);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain('imported 1000 readings, rejected 5 rows');
      expect(run.output()).toContain(
        'history.csv:1004-1006: unterminated quote opened on line 1004: lines 1004–1006 (to the end of the file) could not be read',
      );
      expect(run.output()).toContain(
        'history.csv:11: kwh: "-4": Expected number to be greater or equal to 0',
      );
      expect(run.output()).toContain('history.csv:21: kwh: "lots" is not a number');

      const db = await DuckDbDatabase.open(join(dir, 'greenops.duckdb'));
      const store = await DuckDbStore.create(db);
      const stored = await store.querySeries({
        measurement: 'energy',
        tenant: 'aarhus',
        field: 'kwh',
        tags: { device: 'school-1' },
        fromMs: t0,
        toMs: t0 + 500 * 3_600_000,
      });
      await db.close();
      expect(stored).toHaveLength(500);
      expect(stored.map((r) => r.value)).toEqual(Array.from({ length: 500 }, (_, h) => (h % 24) + 1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('greenops energy sample and backtest', () => {
  it('writes a sample history and backtests it, printing one JSON document with --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-backtest-'));
    try {
      const file = join(dir, 'sample.csv');
      const sample = runCli(['energy', 'sample', '--meters', '3', '--days', '60', '--out', file]);
      expect(await sample.exited).toBe(0);
      const run = runCli([
        'energy',
        'backtest',
        '--input',
        file,
        '--train-until',
        '2024-02-15T00:00:00Z',
        '--epochs',
        '3',
        '--json',
      ]);
      expect(await run.exited).toBe(0);
      const json = run.output().slice(run.output().indexOf('{'));
      const report = JSON.parse(json.slice(0, json.lastIndexOf('}') + 1)) as Record<string, unknown> & {
        meters: unknown[];
        median: Record<string, unknown>;
      };
      expect(report).toMatchObject({
        trainUntil: '2024-02-15T00:00:00.000Z',
        horizonHours: 24,
        backend: 'wasm',
      });
      expect(report.meters).toHaveLength(3);
      expect(Object.keys(report.median).sort()).toEqual([
        'linear',
        'neural',
        'seasonalNaive',
        'served',
        'towt',
      ]);
      expect(typeof report.trainingSeconds).toBe('number');
      const bad = runCli(['energy', 'backtest', '--input', file, '--horizon', '72']);
      expect(await bad.exited).toBe(2);
      expect(bad.output()).toContain('--horizon: must be a whole number of hours from 1 to 48');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
