/**
 * The peer: Node-RED 4.1 with node-red-contrib-influxdb, installed into a scratch folder outside the repository
 * (never a project dependency), running its best flow for this load: mqtt in (QoS 1, JSON) → join 1000 messages
 * or 1 s → function (reading → InfluxDB point) → influxdb batch. mqtt.js inside Node-RED acknowledges each
 * message on arrival, before the write: the peer is not held to greenops's acknowledgement after the write.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/harness/free-port.js';
import { run, stop } from './processes.js';
import { influxCount } from './store-count.js';
import type { BenchSystem } from './systems.js';

export const NODE_RED_VERSION = '~4.1.0';
export const INFLUX_NODES_VERSION = '~0.7.0';

/** The scratch folder (BENCH_PEER_DIR, else the OS temp dir); installs only when it is not there yet. */
export function installNodeRed(
  dir = process.env.BENCH_PEER_DIR ?? join(tmpdir(), 'greenops-bench-peer'),
): string {
  const red = join(dir, 'node_modules', 'node-red', 'red.js');
  const influx = join(dir, 'node_modules', 'node-red-contrib-influxdb', 'package.json');
  if (!existsSync(red) || !existsSync(influx)) {
    mkdirSync(dir, { recursive: true });
    console.log(`installing Node-RED ${NODE_RED_VERSION} and node-red-contrib-influxdb into ${dir} …`);
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-audit',
        '--no-fund',
        '--no-save',
        `node-red@${NODE_RED_VERSION}`,
        `node-red-contrib-influxdb@${INFLUX_NODES_VERSION}`,
      ],
      { stdio: 'inherit' },
    );
  }
  return dir;
}

/** Turns the joined array of readings into InfluxDB points shaped like greenops's (same tags and fields). */
const MAP_FUNCTION = `
msg.payload = msg.payload.map((r) => ({
  measurement: 'energy',
  tags: { tenant: TENANT, device: r.meterId, site: r.siteId, quantity: r.quantity },
  fields: { kWh: r.value, interval_s: r.intervalSeconds },
  timestamp: new Date(r.ts),
}));
return msg;`;

/** Node ids unlike any type or property value (Node-RED takes a value equal to a node id for a reference). */
const ID = {
  tab: 'f1000000000000a1',
  broker: 'f1000000000000b1',
  in: 'f1000000000000c1',
  join: 'f1000000000000d1',
  map: 'f1000000000000e1',
  influx: 'f1000000000000f1',
  batch: 'f1000000000000f2',
};

function flow(brokerPort: number, influxUrl: URL, tenant: string, database: string): unknown[] {
  return [
    { id: ID.tab, type: 'tab', label: 'ingest' },
    {
      id: ID.broker,
      type: 'mqtt-broker',
      name: 'mosquitto',
      broker: '127.0.0.1',
      port: String(brokerPort),
      clientid: `node-red-${tenant}`,
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
    },
    {
      id: ID.in,
      type: 'mqtt in',
      z: ID.tab,
      topic: `greenops/v1/${tenant}/energy/#`,
      qos: '1',
      datatype: 'json',
      broker: ID.broker,
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [[ID.join]],
    },
    {
      id: ID.join,
      type: 'join',
      z: ID.tab,
      mode: 'custom',
      build: 'array',
      property: 'payload',
      propertyType: 'msg',
      key: 'topic',
      joiner: '\\n',
      joinerType: 'str',
      accumulate: false,
      timeout: '1',
      count: '1000',
      reduceRight: false,
      wires: [[ID.map]],
    },
    {
      id: ID.map,
      type: 'function',
      z: ID.tab,
      func: MAP_FUNCTION.replace('TENANT', JSON.stringify(tenant)),
      outputs: 1,
      wires: [[ID.batch]],
    },
    {
      id: ID.influx,
      type: 'influxdb',
      hostname: influxUrl.hostname,
      port: influxUrl.port,
      protocol: 'http',
      database,
      name: 'influxd',
      usetls: false,
      influxdbVersion: '1.x',
    },
    { id: ID.batch, type: 'influxdb batch', z: ID.tab, influxdb: ID.influx, precision: 'ms', wires: [] },
  ];
}

export function nodeRedSystem(installDir: string): BenchSystem {
  return {
    name: 'Node-RED 4.1',
    store: 'influx',
    async start(env, ctx) {
      const userDir = mkdtempSync(join(tmpdir(), 'greenops-bench-node-red-'));
      const port = await freePort();
      writeFileSync(
        join(userDir, 'settings.js'),
        `module.exports = { uiPort: ${port}, uiHost: '127.0.0.1', flowFile: 'flows.json', credentialSecret: false,
  httpAdminRoot: false, httpNodeRoot: false, logging: { console: { level: 'info', metrics: false, audit: false } } };\n`,
      );
      const brokerPort = Number(new URL(env.brokerUrl).port);
      writeFileSync(
        join(userDir, 'flows.json'),
        JSON.stringify(flow(brokerPort, new URL(env.influxUrl), ctx.tenant, ctx.database)),
      );
      writeFileSync(
        join(userDir, 'flows_cred.json'),
        JSON.stringify({ [ID.broker]: { user: env.username ?? '', password: env.password ?? '' } }),
      );
      const red = run(
        process.execPath,
        [
          join(installDir, 'node_modules', 'node-red', 'red.js'),
          '--userDir',
          userDir,
          '--settings',
          join(userDir, 'settings.js'),
        ],
        {},
        userDir,
      );
      await red.waitFor(/Connected to broker/);
      return {
        pid: red.pid,
        brokerUrl: env.brokerUrl,
        liveCount: (window) => influxCount(env.influxUrl, ctx.database, window),
        async killAndCount() {
          await stop(red, 'SIGKILL');
          return influxCount(env.influxUrl, ctx.database);
        },
        async stop() {
          if (process.env.BENCH_DEBUG) console.log(red.output());
          await stop(red);
          rmSync(userDir, { recursive: true, force: true });
        },
      };
    },
  };
}
