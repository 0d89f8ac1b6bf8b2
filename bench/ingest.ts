/**
 * npm run bench:ingest — greenops's ingest throughput, CPU, latency and memory, per store and broker, by the
 * strict rule of issue 17 (bench/ingest/step.ts): every step in a fresh ingest process after a 2 s warm-up at its rate,
 * stored points counted in the store (InfluxQL count; DuckDB count(*) after the ingest is stopped at the
 * deadline), kept up only when the publisher offered ≥ 99 % of the rate and every point was stored within 1 s
 * of the last send; each figure the median of BENCH_RUNS runs. The publisher is its own process (mqtt.js, QoS 1).
 *
 * Options: BENCH_COMBOS=influx/mosquitto,duckdb/mosquitto,duckdb/embedded  BENCH_RUNS=3  BENCH_SECONDS=10
 * BENCH_RATES=2500,5000,…  BENCH_BATCHED_RATES=500,1000,… (messages/s of 100 readings)
 * BENCH_GREENOPS_COMMAND=ingest|start (the ingest role alone, the default, or the all-in-one process).
 */
import { highestKeptUp, stepUp, type RateSummary } from './ingest/campaign.js';
import { startEnvironment } from './ingest/environment.js';
import { loadAverage } from './ingest/processes.js';
import { greenopsSystem } from './ingest/systems.js';
import { ratesFromEnv } from './ingest/rates.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = ratesFromEnv('BENCH_RATES', '2500,5000,7500,10000,15000,20000,30000');
const BATCHED = ratesFromEnv('BENCH_BATCHED_RATES', '500,1000,1500,2000');
const COMBOS = (process.env.BENCH_COMBOS ?? 'influx/mosquitto').split(',');

const fmt = (x: number | undefined, digits = 0) =>
  x === undefined || !Number.isFinite(x) ? '–' : Number(x.toFixed(digits)).toLocaleString('en');

const loads = [loadAverage()];
console.log(`load average ${loads[0]}; ${RUNS} runs of ${SECONDS} s per rate, each in a fresh process`);
const env = await startEnvironment();
const results = [];
try {
  for (const combo of COMBOS) {
    const [store, broker] = combo.split('/') as ['influx' | 'duckdb', 'mosquitto' | 'embedded'];
    const system = greenopsSystem(store, broker);
    console.log(`${system.name}:`);
    const rates =
      (await stepUp(env, [system], RATES, { runs: RUNS, seconds: SECONDS })).get(system.name) ?? [];
    const best = highestKeptUp(rates);
    let half: RateSummary | undefined;
    if (best) {
      half = (
        await stepUp(env, [system], [Math.round(best.rate / 2)], {
          runs: RUNS,
          seconds: SECONDS,
          latency: true,
          stopAtFirstMiss: false,
        })
      ).get(system.name)?.[0];
    }
    const batched = (
      await stepUp(env, [system], BATCHED, { runs: RUNS, seconds: SECONDS, readings: 100 })
    ).get(system.name);
    const bBest = batched && highestKeptUp(batched);
    const miss = rates.find((r) => !r.keptUp);
    results.push({
      system: system.name,
      'kept up (msg/s)': fmt(best?.rate),
      'first miss: stored/s': miss ? `${fmt(miss.rate)}: ${fmt(miss.storedRate)}` : '–',
      'µs CPU/msg at best': fmt(best?.cpuMicrosPerMsg, 1),
      'p50/p99 ms at half': half
        ? `${fmt(half.p50Ms)}/${fmt(half.p99Ms)} (${half.runs[0]?.latencySource ?? ''})`
        : '–',
      'batched readings/s': BATCHED.length === 0 ? 'not run' : fmt((bBest?.rate ?? 0) * 100),
      'peak RSS MB': fmt(Math.max(0, ...[...rates, ...(batched ?? [])].map((r) => r.peakRssMb))),
      'publisher/broker/influxd at best': best
        ? [best.publisherCpu, best.brokerCpu, best.influxCpu]
            .map((x) => `${Math.round(x * 100)} %`)
            .join(' / ')
        : '–',
    });
    loads.push(loadAverage());
  }
} finally {
  await env.destroy();
}
console.log(`\nResults (medians of ${RUNS} runs; load average ${loads.join(' → ')}):`);
console.table(results);
