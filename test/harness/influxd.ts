import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface InfluxServer {
  url: string;
  database: string;
  /** Stops the process (SIGTERM); the data directory stays for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
  output(): string;
}

/**
 * A throwaway InfluxDB 1.x (Debian's influxd) on free ports with a temporary data dir. INFLUX_URL points the
 * suites at a running server instead (then INFLUX_DATABASE, default greenops_test, is used and never removed).
 */
export async function startInfluxd(database = 'greenops_test'): Promise<InfluxServer> {
  // A port found free can be taken before influxd binds it (other suites run in parallel): try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(database);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test(String(err))) throw err;
    }
  }
}

async function startOnce(database: string): Promise<InfluxServer> {
  const external = process.env.INFLUX_URL;
  if (external) {
    const noop = async () => undefined;
    return {
      url: external,
      database: process.env.INFLUX_DATABASE ?? database,
      stop: noop,
      start: noop,
      destroy: noop,
      output: () => '',
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'greenops-influxd-'));
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
`,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    child = spawn('/usr/bin/influxd', ['-config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`influxd exited with ${child.exitCode}:\n${output}`);
      }
      try {
        if ((await fetch(`${url}/ping`)).status === 204) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`influxd did not answer /ping within 30 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await fetch(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE "${database}"`)}`, { method: 'POST' });
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    url,
    database,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => output,
  };
}
