/**
 * The systems a step drives, each started fresh for every step: greenops (`greenops start --no-simulate`, the
 * built CLI) and the Node-RED peer (bench/ingest/node-red.ts). An instance says how its stored points are counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, stop, type Running } from './processes.js';
import { duckdbCount, influxCount } from './store-count.js';

export interface BenchEnvironment {
  /** The broker the publisher and the ingest share (unless the system brings its own, `embedded`). */
  brokerUrl: string;
  brokerPid: () => number | undefined;
  username?: string | undefined;
  password?: string | undefined;
  influxUrl: string;
  influxPid: () => number | undefined;
}

export interface StepContext {
  /** A tenant of its own per step: topics, subscription and client id never meet another step's. */
  tenant: string;
  /** A fresh InfluxDB database per step (unused by DuckDB). */
  database: string;
}

export interface Instance {
  pid: number;
  brokerUrl: string;
  /** The system is its own broker (embedded): anonymous publishing, and the broker's CPU is the system's. */
  ownBroker?: boolean;
  /** Stored points, asked of the store while the system runs; undefined where the store cannot be asked then. */
  liveCount?: () => Promise<number>;
  /** Stops the system at once (SIGKILL: nothing more gets written) and counts in the store. */
  killAndCount(): Promise<number>;
  /** The system's own counter, used only to wait for a warm-up where the store cannot be asked live. */
  ownCounter?: () => Promise<number>;
  stop(): Promise<void>;
}

export interface BenchSystem {
  name: string;
  store: 'influx' | 'duckdb';
  start(env: BenchEnvironment, ctx: StepContext): Promise<Instance>;
}

/** greenops with a store (influx, duckdb) and a broker (mosquitto, aedes in its own process, embedded). */
export function greenopsSystem(
  store: 'influx' | 'duckdb',
  broker: 'mosquitto' | 'aedes' | 'embedded',
  aedesUrl?: string,
  /** Another build to run (a before/after comparison), and its label. */
  build?: { main: string; label: string },
): BenchSystem {
  return {
    name: `${build ? `${build.label}: ` : ''}greenops ${store}/${broker}${broker === 'embedded' ? '' : ` (${process.env.BENCH_GREENOPS_COMMAND ?? 'ingest'})`}`,
    store,
    async start(env, ctx) {
      const dir = mkdtempSync(join(tmpdir(), 'greenops-bench-'));
      const settings: Record<string, string> = {
        GREENOPS_DATA_DIR: dir,
        PORT: '0',
        LOG_LEVEL: 'warn',
        GREENOPS_SIMULATE: 'false',
        GREENOPS_METRICS_PUBLIC: 'true',
        GREENOPS_INGEST_CLIENT_ID: `greenops-${ctx.tenant}`,
        GREENOPS_INGEST_SUBSCRIPTION: `greenops/v1/${ctx.tenant}/#`,
      };
      if (store === 'influx')
        Object.assign(settings, {
          GREENOPS_STORE: 'influx',
          INFLUX_URL: env.influxUrl,
          INFLUX_DATABASE: ctx.database,
        });
      let ingest: Running;
      let brokerUrl: string;
      const args = [
        ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        build?.main ?? 'dist/cli/main.js',
      ];
      if (broker === 'embedded') {
        ingest = run(process.execPath, [...args, 'start', '--no-simulate'], {
          ...settings,
          GREENOPS_BROKER_PORT: '0',
          GREENOPS_MQTT_ALLOW_ANONYMOUS: 'true',
        });
        brokerUrl = (await ingest.waitFor(/MQTT broker:\s+(mqtt:\/\/\S+)/))[1] as string;
      } else {
        brokerUrl = broker === 'aedes' ? (aedesUrl as string) : env.brokerUrl;
        const auth: Record<string, string> =
          broker === 'mosquitto'
            ? { MQTT_USERNAME: env.username ?? '', MQTT_PASSWORD: env.password ?? '' }
            : {};
        // `greenops ingest` is the ingest role alone, as a production deployment runs it beside the API;
        // BENCH_GREENOPS_COMMAND=start measures the all-in-one process (its API opens the records store too).
        const command = process.env.BENCH_GREENOPS_COMMAND ?? 'ingest';
        ingest = run(
          process.execPath,
          [...args, command, '--no-simulate', '--broker', brokerUrl].filter(
            (a) => command === 'start' || a !== '--no-simulate',
          ),
          { ...settings, ...auth, ...(command === 'ingest' ? { LOG_LEVEL: 'info' } : {}) },
        );
      }
      const api =
        broker === 'embedded' || process.env.BENCH_GREENOPS_COMMAND === 'start'
          ? ((await ingest.waitFor(/greenops API: (http:\/\/\S+)/))[1] as string)
          : undefined;
      if (!api) await ingest.waitFor(/ingest connected/);
      const ownCounter = api
        ? async () => {
            const text = await (await fetch(`${api}/metrics`)).text();
            return Number(/^greenops_ingest_points_written_total (\d+)/m.exec(text)?.[1] ?? 0);
          }
        : undefined;
      const cleanup = () => rmSync(dir, { recursive: true, force: true });
      return {
        pid: ingest.pid,
        brokerUrl,
        ownBroker: broker === 'embedded',
        ...(ownCounter ? { ownCounter } : {}),
        ...(store === 'influx' ? { liveCount: () => influxCount(env.influxUrl, ctx.database) } : {}),
        async killAndCount() {
          await stop(ingest, 'SIGKILL');
          return store === 'influx'
            ? influxCount(env.influxUrl, ctx.database)
            : duckdbCount(join(dir, 'greenops.duckdb'));
        },
        async stop() {
          await stop(ingest);
          cleanup();
        },
      };
    },
  };
}
