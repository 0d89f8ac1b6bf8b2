/**
 * npm run bench:ingest — end-to-end ingest throughput, latency, CPU and memory, per store and broker.
 *
 * For each combination: the ingest runs as its own process (the built CLI, `greenops start --no-simulate`),
 * the broker in another (aedes) or Mosquitto, InfluxDB as influxd; this process publishes QoS 1 messages of one
 * reading each at an offered rate and watches the ingest's /metrics. A rate is kept up with when the publisher
 * achieved it and every message was written within 2 s of the end. Reported: the highest such rate, p50/p99
 * publish→queryable latency at half that rate, ingest CPU-seconds per 100k messages, ingest peak RSS, and
 * readings/s with batched messages (100 readings per message).
 *
 * Options: BENCH_COMBOS=duckdb/aedes,influx/mosquitto,duckdb/embedded  BENCH_SECONDS=5  BENCH_RATES=10000,20000,…
 * (`embedded`: greenops start's own broker, which acknowledges only after the write.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startInfluxd, type InfluxServer } from '../test/harness/influxd.js';
import { startMosquitto, type MosquittoServer } from '../test/harness/mosquitto.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RATES = (process.env.BENCH_RATES ?? '5000,10000,20000,30000,40000,50000,60000').split(',').map(Number);
const COMBOS = (
  process.env.BENCH_COMBOS ?? 'duckdb/aedes,duckdb/mosquitto,influx/aedes,influx/mosquitto'
).split(',');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  output: () => string;
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

function run(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return {
    child,
    output: () => text,
    async waitFor(re, ms = 30_000) {
      const end = Date.now() + ms;
      for (;;) {
        const m = text.match(re);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > end) throw new Error(`no ${re} in:\n${text}`);
        await sleep(50);
      }
    },
  };
}

async function stop(p: Running | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
}

function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

async function written(api: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  return Number(/^greenops_ingest_points_written_total (\d+)/m.exec(text)?.[1] ?? 0);
}

let sequence = 0;
/** One energy reading per message, each on its own point (meter × time), like a city's meters. */
function message(readings: number): { topic: string; payload: Buffer } {
  const records = [];
  for (let r = 0; r < readings; r++) {
    const n = sequence++;
    records.push({
      id: `b${n}`,
      ts: new Date(Date.UTC(2026, 0, 1) + Math.floor(n / 1000) * 60_000).toISOString(),
      meterId: `m-${n % 1000}`,
      siteId: `s-${n % 50}`,
      quantity: 'electricity',
      unit: 'kWh',
      kind: 'interval',
      value: 1.5,
      intervalSeconds: 60,
    });
  }
  return {
    topic: `greenops/v1/bench/energy/gw-${sequence % 100}`,
    payload: Buffer.from(JSON.stringify(readings === 1 ? records[0] : records)),
  };
}

/** Publishes `rate` messages/s for SECONDS with QoS 1; returns send times and the achieved rate. */
async function publish(
  client: MqttClient,
  rate: number,
  readings: number,
): Promise<{ sent: number; achieved: number; sendTimes: number[] }> {
  const total = rate * SECONDS;
  const sendTimes: number[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i / rate) * 1000;
    const now = performance.now();
    if (due > now + 2) await sleep(due - now);
    const m = message(readings);
    sendTimes.push(performance.now());
    const p = client.publishAsync(m.topic, m.payload, { qos: 1 }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 5000) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  return { sent: total, achieved: total / seconds, sendTimes };
}

interface Step {
  rate: number;
  achieved: number;
  keptUp: boolean;
  drainMs: number;
  cpuPer100k: number;
}

async function step(
  client: MqttClient,
  api: string,
  pid: number,
  rate: number,
  readings = 1,
): Promise<Step & { latencies: number[] }> {
  const before = await written(api);
  const cpuBefore = cpuSeconds(pid);
  // Watch /metrics while publishing: written count over time gives each message's queryable time (in order).
  const samples: { t: number; n: number }[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      samples.push({ t: performance.now(), n: (await written(api)) - before });
      await sleep(20);
    }
  })();
  const result = await publish(client, rate, readings);
  const expected = result.sent * readings;
  const endPublish = performance.now();
  while ((await written(api)) - before < expected && performance.now() - endPublish < 10_000) await sleep(20);
  const drainMs = performance.now() - endPublish;
  watching = false;
  await watcher;
  samples.push({ t: performance.now(), n: (await written(api)) - before });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const latencies: number[] = [];
  let s = 0;
  for (let i = 0; i < result.sendTimes.length; i += Math.max(1, Math.floor(result.sendTimes.length / 2000))) {
    while (s < samples.length && (samples[s] as { n: number }).n < (i + 1) * readings) s++;
    if (s < samples.length) latencies.push((samples[s] as { t: number }).t - (result.sendTimes[i] as number));
  }
  const keptUp =
    result.achieved >= rate * 0.97 && drainMs <= 2_000 && (await written(api)) - before >= expected;
  return {
    rate,
    achieved: result.achieved,
    keptUp,
    drainMs,
    cpuPer100k: (cpu / result.sent) * 100_000,
    latencies,
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function combo(store: string, brokerKind: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-bench-'));
  let influx: InfluxServer | undefined;
  let mosquitto: MosquittoServer | undefined;
  let aedes: Running | undefined;
  let ingest: Running | undefined;
  try {
    let brokerUrl = '';
    const auth: Record<string, string> = {};
    if (brokerKind === 'embedded') {
      // The all-in-one process: its own broker hands messages to the ingest in process and acknowledges after
      // the write; the CPU figures then include the broker.
    } else if (brokerKind === 'mosquitto') {
      mosquitto = await startMosquitto({
        users: [{ username: 'bench', password: 'bench', acl: ['topic readwrite greenops/v1/#'] }],
      });
      brokerUrl = mosquitto.url;
      Object.assign(auth, { MQTT_USERNAME: 'bench', MQTT_PASSWORD: 'bench' });
    } else {
      aedes = run(['--import', 'tsx', 'bench/aedes-broker.ts'], {});
      brokerUrl = (await aedes.waitFor(/broker (mqtt:\/\/\S+)/))[1] as string;
    }
    const env: Record<string, string> = {
      ...auth,
      GREENOPS_DATA_DIR: dir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      GREENOPS_SIMULATE: 'false',
      // The bench reads the ingest's counters without a credential.
      GREENOPS_METRICS_PUBLIC: 'true',
    };
    if (store === 'influx') {
      influx = await startInfluxd('bench');
      Object.assign(env, { GREENOPS_STORE: 'influx', INFLUX_URL: influx.url, INFLUX_DATABASE: 'bench' });
    }
    if (brokerKind === 'embedded') {
      ingest = run(['dist/cli/main.js', 'start', '--no-simulate'], {
        ...env,
        GREENOPS_BROKER_PORT: '0',
        GREENOPS_MQTT_ALLOW_ANONYMOUS: 'true',
      });
      brokerUrl = (await ingest.waitFor(/MQTT broker:\s+(mqtt:\/\/\S+)/))[1] as string;
    } else {
      ingest = run(['dist/cli/main.js', 'start', '--no-simulate', '--broker', brokerUrl], env);
    }
    const api = (await ingest.waitFor(/greenops API: (http:\/\/\S+)/))[1] as string;
    const pid = ingest.child.pid as number;
    const client = await mqtt.connectAsync(brokerUrl, {
      protocolVersion: 4,
      username: auth.MQTT_USERNAME,
      password: auth.MQTT_PASSWORD,
    });

    await step(client, api, pid, 2000); // warm-up (JIT, first batches)
    const steps: Step[] = [];
    for (const rate of RATES) {
      const s = await step(client, api, pid, rate);
      steps.push(s);
      console.log(
        `  ${store}/${brokerKind} ${rate} msg/s offered: achieved ${Math.round(s.achieved)}, ${s.keptUp ? 'kept up' : 'fell behind'} (drain ${Math.round(s.drainMs)} ms), ${s.cpuPer100k.toFixed(2)} CPU-s/100k`,
      );
      if (!s.keptUp) break;
    }
    const best = [...steps].reverse().find((s) => s.keptUp);
    const half = best ? await step(client, api, pid, Math.round(best.rate / 2)) : undefined;
    let batched: Step | undefined;
    for (const rate of [500, 1000, 2000, 3000, 4000]) {
      const s = await step(client, api, pid, rate, 100);
      console.log(
        `  ${store}/${brokerKind} batched: ${rate} msg/s × 100 readings: achieved ${Math.round(s.achieved)}, ${s.keptUp ? 'kept up' : 'fell behind'} (drain ${Math.round(s.drainMs)} ms), ${(s.cpuPer100k / 100).toFixed(2)} CPU-s/100k readings`,
      );
      if (!s.keptUp) break;
      batched = s;
    }
    await client.endAsync();
    return {
      store,
      broker: brokerKind,
      maxKeptUpMsgPerS: best?.rate ?? 0,
      cpuMicrosPerMsg: best ? Number((best.cpuPer100k * 10).toFixed(1)) : null,
      cpuSecondsPer100k: best ? Number(best.cpuPer100k.toFixed(2)) : null,
      latencyAtHalfP50Ms: half ? Math.round(percentile(half.latencies, 50)) : null,
      latencyAtHalfP99Ms: half ? Math.round(percentile(half.latencies, 99)) : null,
      batchedReadingsPerS: batched ? batched.rate * 100 : 0,
      ingestPeakRssMb: Math.round(peakRssMb(pid)),
    };
  } finally {
    await stop(ingest);
    await stop(aedes);
    await mosquitto?.destroy();
    await influx?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const c of COMBOS) {
  const [store, broker] = c.split('/') as [string, string];
  console.log(`${store} + ${broker}:`);
  results.push(await combo(store, broker));
}
console.log('\nResults (one reading per message unless batched; ingest process only):');
console.table(results);
