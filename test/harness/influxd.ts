import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { retryOnPortConflict, serverProcess } from './server-process.js';

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
  /** The server's process id while it runs. */
  pid(): number | undefined;
}

/**
 * A throwaway InfluxDB 1.x (Debian's influxd) on free ports with a temporary data dir. INFLUX_URL points the
 * suites at a running server instead (then INFLUX_DATABASE, default greenops_test, is used and never removed).
 */
export function startInfluxd(database = 'greenops_test'): Promise<InfluxServer> {
  return retryOnPortConflict(() => startOnce(database));
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
      pid: () => undefined,
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
  const server = serverProcess(
    'influxd',
    '/usr/bin/influxd',
    ['-config', config],
    async () => (await fetch(`${url}/ping`)).status === 204,
  );
  const start = async () => {
    await server.start();
    await fetch(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE "${database}"`)}`, { method: 'POST' });
  };
  const stop = () => server.stop();
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    database,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: server.output,
    pid: server.pid,
  };
}
