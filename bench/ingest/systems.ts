/**
 * The systems a step drives, each started fresh for every step: greenops (`greenops start --no-simulate`, the
 * built CLI) and the Node-RED peer (bench/ingest/node-red.ts). An instance says how its stored points are counted.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
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
  /**
   * Stored points, asked of the store while the system runs; undefined where the store cannot be asked then. With
   * a window, only the points timed in [fromMs, toMs) (a store that cannot say counts them all).
   */
  liveCount?: (window?: { fromMs: number; toMs: number }) => Promise<number>;
  /** Stops the system at once (SIGKILL: nothing more gets written) and counts in the store. */
  killAndCount(): Promise<number>;
  /** The system's own counter, used only to wait for a warm-up where the store cannot be asked live. */
  ownCounter?: () => Promise<number>;
  stop(): Promise<void>;
}

export interface BenchSystem {
  name: string;
  /** `none`: a subscriber that stores nothing, counted by what it received (the box's ceiling). */
  store: 'influx' | 'duckdb' | 'none';
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
        ...(store === 'influx'
          ? { liveCount: (window) => influxCount(env.influxUrl, ctx.database, window) }
          : {}),
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

const MOSQUITTO_SUB = '/usr/bin/mosquitto_sub';

/**
 * The publisher and the broker with no ingest: Mosquitto's own C client (`mosquitto_sub`, Debian's
 * mosquitto-clients) subscribed at QoS 1, acknowledging each message on arrival and storing nothing, printing one
 * byte and a newline per message to a file that is its count. Its step shows what the publisher and the broker cost
 * at each rate whoever subscribes; mosquitto_sub itself costs about as much CPU per message as greenops (it writes a
 * line per message), so its own highest rate is a reference, not a hard bound.
 */
export function nullSubscriberSystem(): BenchSystem {
  if (!existsSync(MOSQUITTO_SUB) && process.getuid?.() === 0) {
    console.log('installing Debian mosquitto-clients for the ceiling (mosquitto_sub)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'mosquitto-clients'], {
      stdio: 'inherit',
      env,
    });
  }
  return {
    name: 'publisher + broker: mosquitto_sub, no store',
    store: 'none',
    async start(env, ctx) {
      if (!existsSync(MOSQUITTO_SUB))
        throw new Error(
          `${MOSQUITTO_SUB} is missing: apt-get install mosquitto-clients (or BENCH_CEILING=0)`,
        );
      const dir = mkdtempSync(join(tmpdir(), 'greenops-ceiling-'));
      const file = join(dir, 'received');
      const fd = openSync(file, 'w');
      const url = new URL(env.brokerUrl);
      const child = spawn(
        MOSQUITTO_SUB,
        [
          ...['-h', url.hostname, '-p', url.port || '1883', '-q', '1', '-i', `ceiling-${ctx.tenant}`],
          ...(env.username ? ['-u', env.username, '-P', env.password ?? ''] : []),
          ...['-t', `greenops/v1/${ctx.tenant}/#`, '-F', 'x'],
        ],
        { stdio: ['ignore', fd, 'pipe'] },
      );
      closeSync(fd);
      let errors = '';
      child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const received = () => Math.floor(statSync(file).size / 2);
      // Subscribed once a probe comes through (a clean session gets nothing published before its SUBACK).
      const probe = await mqtt.connectAsync(env.brokerUrl, {
        protocolVersion: 4,
        username: env.username,
        password: env.password,
      });
      let probes = 0;
      try {
        const until = Date.now() + 10_000;
        while (received() === 0) {
          if (child.exitCode !== null || Date.now() > until)
            throw new Error(`mosquitto_sub is not receiving: ${errors}`);
          probes += 1;
          await probe.publishAsync(`greenops/v1/${ctx.tenant}/energy/probe`, '{}', { qos: 1 });
          await new Promise((r) => setTimeout(r, 100));
        }
        while (received() < probes && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      } catch (err) {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw err;
      } finally {
        await probe.endAsync();
      }
      const count = async () => received() - probes;
      const stopChild = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      };
      return {
        pid: child.pid as number,
        brokerUrl: env.brokerUrl,
        liveCount: count,
        async killAndCount() {
          await stopChild();
          return count();
        },
        async stop() {
          await stopChild();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}
