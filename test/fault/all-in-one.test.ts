import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DuckDbDatabase, readRows } from '../../store/index.js';
import { runCli, type CliProcess } from '../harness/cli-process.js';
import { freePort } from '../harness/free-port.js';
import { waitFor } from '../harness/wait-for.js';

/**
 * Faults of the all-in-one process (`greenops start`: embedded broker, in-process ingest, DuckDB), as a device
 * sees them: what the broker acknowledged must be stored, whatever happens to the process or its disk.
 */

interface Running {
  cli: CliProcess;
  api: string;
  key: string;
}

const dirs: string[] = [];
const processes: CliProcess[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(
  dataDir: string,
  brokerPort: number,
  env: Record<string, string> = {},
): Promise<Running> {
  const cli = runCli(['start', '--no-simulate'], {
    GREENOPS_DATA_DIR: dataDir,
    PORT: '0',
    GREENOPS_BROKER_PORT: String(brokerPort),
    // Device access is tested in test/integration; here the publisher is anonymous.
    GREENOPS_MQTT_ALLOW_ANONYMOUS: 'true',
    GREENOPS_ENERGY_RETRAIN_HOURS: '0',
    ...env,
  });
  processes.push(cli);
  const [, api] = await cli.waitForOutput(/greenops API: (\S+)/, 90_000);
  const key = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
  return { cli, api: api as string, key };
}

/** Stops the process and counts, per field, the fleet points of `tenant` in its DuckDB file. */
async function storedPerField(
  running: Running,
  dataDir: string,
  tenant: string,
): Promise<Map<string, number>> {
  running.cli.child.kill('SIGTERM');
  await running.cli.exited;
  const db = await DuckDbDatabase.open(join(dataDir, 'greenops.duckdb'));
  try {
    const rows = await db.read((c) =>
      readRows(c, `SELECT field, count(*) FROM points WHERE tenant = $1 GROUP BY field`, [tenant]),
    );
    return new Map(rows.map(([field, n]) => [String(field), Number(n)]));
  } finally {
    await db.close();
  }
}

function fleetRecord(i: number, base: number): string {
  return JSON.stringify({
    id: `r-${i}`,
    ts: new Date(base + i * 1000).toISOString(),
    lat: 56.15,
    lon: 10.21,
    speedKmh: i % 90,
    ignition: true,
  });
}

async function connect(brokerPort: number): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
    protocolVersion: 4,
    clientId: `fault-${process.pid}-${Math.random().toString(16).slice(2)}`,
    clean: false,
    reconnectPeriod: 200,
    connectTimeout: 5_000,
  });
  clients.push(client);
  return client;
}

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-fault-'));
  dirs.push(dir);
  return dir;
}

async function health(
  api: string,
): Promise<{ status: number; body: { checks: Record<string, { ready: boolean; error?: string }> } }> {
  const res = await fetch(`${api}/health`);
  return {
    status: res.status,
    body: (await res.json()) as { checks: Record<string, { ready: boolean; error?: string }> },
  };
}

describe('the all-in-one process under faults: acknowledged means stored', () => {
  it('kill -9 mid-stream: every record the embedded broker acknowledged is stored, each once', async () => {
    const dataDir = newDir();
    const brokerPort = await freePort();
    let running = await start(dataDir, brokerPort);
    const first = await connect(brokerPort);
    first.options.reconnectPeriod = 0;
    const total = 40_000;
    const base = Date.now() - 2 * 86_400_000;
    const acked = new Set<number>();
    for (let i = 0; i < total; i++) {
      first
        .publishAsync('greenops/v1/kill/fleet/van-1', fleetRecord(i, base), { qos: 1 })
        .then(() => acked.add(i))
        .catch(() => undefined);
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    // Kill the process while the stream is flowing: some acknowledged, some not yet.
    await waitFor(
      'a part of the stream acknowledged',
      async () => (acked.size >= 4_000 ? true : undefined),
      60_000,
      20,
    );
    running.cli.child.kill('SIGKILL');
    await running.cli.exited;
    const ackedAtKill = new Set(acked);
    expect(ackedAtKill.size).toBeLessThan(total);
    first.end(true);
    running = await start(dataDir, brokerPort);
    // The publisher sends again what was not acknowledged, and only that: what was acknowledged must be stored.
    const again = await connect(brokerPort);
    await Promise.all(
      Array.from({ length: total }, (_, i) => i)
        .filter((i) => !ackedAtKill.has(i))
        .map((i) => again.publishAsync('greenops/v1/kill/fleet/van-1', fleetRecord(i, base), { qos: 1 })),
    );
    const stored = await storedPerField(running, dataDir, 'kill');
    expect(stored.size).toBeGreaterThan(0);
    for (const [field, n] of stored) expect(n, field).toBe(total);
  }, 240_000);

  it('refuses an oversized packet from its header, dead-letters a payload just over the limit as a bounded prefix, and stays up', async () => {
    const dataDir = newDir();
    const brokerPort = await freePort();
    const running = await start(dataDir, brokerPort, { GREENOPS_MAX_PAYLOAD_BYTES: '100000' });
    const pid = running.cli.child.pid as number;
    const rssBefore = residentMb(pid);
    // 64 MB: the broker closes the connection from the packet's first bytes and never reads the body.
    const big = await connect(brokerPort);
    big.options.reconnectPeriod = 0;
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.publish('greenops/v1/big/fleet/van-1', Buffer.alloc(64 * 1024 * 1024, 'x'), { qos: 1 });
    await closed;
    expect(residentMb(pid) - rssBefore).toBeLessThan(48);
    const metrics = await (
      await fetch(`${running.api}/metrics`, { headers: { authorization: `Bearer ${running.key}` } })
    ).text();
    expect(metrics).toMatch(/^greenops_broker_oversize_refused_total 1$/m);
    // Just over the payload limit (the packet fits the headroom): a dead letter keeping 64 KiB, size and hash.
    const client = await connect(brokerPort);
    await client.publishAsync('greenops/v1/big/fleet/van-2', Buffer.alloc(100_001, 'y'), { qos: 1 });
    // Poison among good ones: a timestamp before 1970 and a NUL in an id.
    const base = Date.now() - 3_600_000;
    const poison = [
      JSON.stringify({ id: 'p1', ts: '0001-01-01T00:00:00Z', lat: 56, lon: 10, speedKmh: 1, ignition: true }),
      JSON.stringify({ id: 'p2\u0000', ts: new Date(base).toISOString(), lat: 56, lon: 10, speedKmh: 1 }),
    ];
    const good = Array.from({ length: 50 }, (_, i) => fleetRecord(i, base));
    for (const payload of [...good.slice(0, 25), ...poison, ...good.slice(25)])
      await client.publishAsync('greenops/v1/big/fleet/van-3', payload, { qos: 1 });
    const res = await fetch(`${running.api}/api/v1/dead-letters?tenant=big`, {
      headers: { authorization: `Bearer ${running.key}` },
    });
    const letters = (await res.json()) as {
      total: number;
      items: { topic: string; size: number; storedBytes: number; sha256: string; reason: string }[];
    };
    expect(letters.total).toBe(3);
    const oversized = letters.items.find((i) => i.topic.endsWith('van-2'));
    expect(oversized).toMatchObject({ size: 100_001, storedBytes: 64 * 1024 });
    expect(oversized?.reason).toMatch(/exceeds the limit of 100000/);
    expect((await health(running.api)).status).toBe(200);
    const stored = await storedPerField(running, dataDir, 'big');
    for (const [field, n] of stored) expect(n, field).toBe(50);
  }, 180_000);

  it.runIf(canMountTmpfs())(
    'disk full for 30 s: stops acknowledging, says why in /health, and stores everything once there is room again',
    async () => {
      const dataDir = newDir();
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', dataDir]);
      try {
        const brokerPort = await freePort();
        let running = await start(dataDir, brokerPort, {
          GREENOPS_MIN_FREE_DISK_MB: '4',
          GREENOPS_INGEST_STALL_SECONDS: '3',
        });
        // Fill the disk up to the last few hundred kilobytes.
        const filler = join(dataDir, 'filler');
        const free = Number(execFileSync('df', ['--output=avail', '-B1', dataDir]).toString().split('\n')[1]);
        writeFileSync(filler, Buffer.alloc(Math.max(0, free - 300 * 1024)));
        const client = await connect(brokerPort);
        const total = 3_000;
        const base = Date.now() - 86_400_000;
        const sends = Array.from({ length: total }, (_, i) =>
          client.publishAsync('greenops/v1/full/fleet/van-1', fleetRecord(i, base), { qos: 1 }),
        );
        const unhealthy = await waitFor(
          'health to say the disk is full',
          async () => {
            const h = await health(running.api);
            return h.status === 503 ? h.body : undefined;
          },
          60_000,
          250,
        );
        expect(unhealthy.checks.disk?.ready).toBe(false);
        expect(unhealthy.checks.disk?.error).toMatch(/MB free/);
        // Full for 30 s, then room again.
        await new Promise((r) => setTimeout(r, 30_000));
        unlinkSync(filler);
        await Promise.all(sends);
        await waitFor(
          'health to recover',
          async () => ((await health(running.api)).status === 200 ? true : undefined),
          60_000,
          250,
        );
        const stored = await storedPerField(running, dataDir, 'full');
        for (const [field, n] of stored) expect(n, field).toBe(total);
        expect(stored.size).toBeGreaterThan(0);
        running = undefined as unknown as Running;
      } finally {
        for (const p of processes.splice(0)) {
          p.child.kill('SIGKILL');
          await p.exited;
        }
        execFileSync('umount', ['-l', dataDir]);
        mkdirSync(dataDir, { recursive: true });
      }
    },
    240_000,
  );
});

function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Mounting a small tmpfs needs root (CI runs as root here); without it the case would not test a real disk. */
function canMountTmpfs(): boolean {
  if (process.env.CI === 'true') return true;
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
