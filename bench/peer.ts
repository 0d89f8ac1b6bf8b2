/**
 * npm run bench:peer — greenops beside Node-RED 4.1 on the same machine, in one invocation: the same Mosquitto,
 * the same influxd, the same publisher process (mqtt.js, QoS 1, one reading per message), the two systems'
 * steps interleaved, each step in a fresh process, each figure the median of BENCH_RUNS runs.
 *
 * Options: BENCH_RUNS=3  BENCH_SECONDS=10  BENCH_RATES=2500,5000,…  BENCH_BATCHED_RATES=500,1000,1500,2000
 * (messages/s of 100 readings, greenops only)  BENCH_PEER_DIR (Node-RED's scratch folder)  BENCH_CEILING=0 (leave out
 * the publisher and broker alone: Mosquitto's own mosquitto_sub acknowledging on arrival and storing nothing,
 * stepped through the same rates, which shows what the publisher and the broker cost on this machine by rate).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { highestKeptUp, stepUp, type RateSummary } from './ingest/campaign.js';
import { startEnvironment } from './ingest/environment.js';
import { installNodeRed, nodeRedSystem } from './ingest/node-red.js';
import { loadAverage } from './ingest/processes.js';
import { greenopsSystem, nullSubscriberSystem } from './ingest/systems.js';
import { printPeerReport } from './ingest/peer-report.js';
import { ratesFromEnv } from './ingest/rates.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = ratesFromEnv('BENCH_RATES', '2500,5000,7500,10000,15000,20000,30000');
const BATCHED = ratesFromEnv('BENCH_BATCHED_RATES', '500,1000,1500,2000');

const installDir = installNodeRed();
const greenops = greenopsSystem('influx', 'mosquitto');
const nodeRed = nodeRedSystem(installDir);
const ceiling = process.env.BENCH_CEILING === '0' ? undefined : nullSubscriberSystem();
const loads = [loadAverage()];
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}; ` +
    `load average ${loads[0]}; ${RUNS} runs of ${SECONDS} s per rate`,
);
const env = await startEnvironment();
try {
  console.log('\nRates (one reading per message, QoS 1):');
  const stepped = await stepUp(env, [greenops, nodeRed, ...(ceiling ? [ceiling] : [])], RATES, {
    runs: RUNS,
    seconds: SECONDS,
  });
  loads.push(loadAverage());
  const g = stepped.get(greenops.name) ?? [];
  const n = stepped.get(nodeRed.name) ?? [];
  const gBest = highestKeptUp(g);
  const nBest = highestKeptUp(n);

  console.log('\nLatency at half of each system’s highest rate kept up:');
  const half = (best: RateSummary | undefined) => (best ? [Math.round(best.rate / 2)] : []);
  const latency = await stepUp(
    env,
    [greenops, nodeRed].filter((s) => half(s === greenops ? gBest : nBest).length > 0),
    (s) => half(s === greenops ? gBest : nBest),
    { runs: RUNS, seconds: SECONDS, latency: true, stopAtFirstMiss: false },
  );
  loads.push(loadAverage());

  console.log('\nBatched (100 readings per message), greenops:');
  const batched = (
    await stepUp(env, [greenops], BATCHED, { runs: RUNS, seconds: SECONDS, readings: 100 })
  ).get(greenops.name);
  loads.push(loadAverage());

  const report = {
    measuredAt: new Date().toISOString(),
    runs: RUNS,
    seconds: SECONDS,
    loadAverages: loads,
    greenops: { rates: g, latency: latency.get(greenops.name)?.[0], batched },
    nodeRed: { rates: n, latency: latency.get(nodeRed.name)?.[0] },
    ...(ceiling ? { ceiling: { rates: stepped.get(ceiling.name) ?? [] } } : {}),
  };
  printPeerReport(report);
  mkdirSync('.tmp', { recursive: true });
  writeFileSync(
    '.tmp/bench-peer.json',
    JSON.stringify(report, (k, v: unknown) => (k === 'latenciesMs' ? undefined : v), 2),
  );
  console.log('\n(all runs: .tmp/bench-peer.json)');
} finally {
  await env.destroy();
}
