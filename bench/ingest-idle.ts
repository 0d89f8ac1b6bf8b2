/**
 * Start-up time and idle memory of `greenops ingest` (InfluxDB, Mosquitto), one build or several interleaved: each
 * run a fresh process, timed from spawn to "ingest connected", then left idle 3 s, then its CPU over 5 s and its
 * resident (VmRSS) and peak (VmHWM) memory read from /proc. Medians of BENCH_RUNS runs.
 * Usage: BENCH_MAINS=.tmp/before/dist/cli/main.js,dist/cli/main.js BENCH_RUNS=7 npm run bench:ingest-idle
 * (a before build copied inside the repository folder, e.g. .tmp/before/dist, so that it finds node_modules).
 */
import { readFileSync } from 'node:fs';
import { startEnvironment } from './ingest/environment.js';
import { cpuSeconds, loadAverage, median, peakRssMb, sleep } from './ingest/processes.js';
import { greenopsSystem } from './ingest/systems.js';

const mains = (process.env.BENCH_MAINS ?? 'dist/cli/main.js').split(',');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const results = new Map(
  mains.map((m) => [
    m,
    { start: [] as number[], rss: [] as number[], peak: [] as number[], cpu: [] as number[] },
  ]),
);
const loads = [loadAverage()];
const env = await startEnvironment();
try {
  for (let run = 0; run < RUNS; run++)
    for (const [i, main] of mains.entries()) {
      const system = greenopsSystem('influx', 'mosquitto', undefined, { main, label: main });
      const t0 = Date.now();
      const ingest = await system.start(env, { tenant: `idle${run}x${i}`, database: `idle_${run}_${i}` });
      const startMs = Date.now() - t0;
      await sleep(3000);
      const c0 = cpuSeconds(ingest.pid);
      await sleep(5000);
      const cpuMsPerS = (cpuSeconds(ingest.pid) - c0) * 200;
      const status = readFileSync(`/proc/${ingest.pid}/status`, 'utf8');
      const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
      const r = results.get(main)!;
      r.start.push(startMs);
      r.rss.push(rssMb);
      r.peak.push(peakRssMb(ingest.pid));
      r.cpu.push(cpuMsPerS);
      console.log(
        `${main}: start ${startMs} ms, idle CPU ${cpuMsPerS.toFixed(1)} ms/s, RSS ${rssMb.toFixed(0)} MB`,
      );
      await ingest.stop();
    }
  loads.push(loadAverage());
} finally {
  await env.destroy();
}
console.log(`\nMedians of ${RUNS} runs (load average ${loads.join(' → ')}):`);
const runs = (v: number[]) => v.map((x) => x.toFixed(0)).join(', ');
console.table(
  [...results].map(([main, r]) => ({
    build: main,
    'start ms': median(r.start),
    'runs start ms': runs(r.start),
    'RSS MB': Math.round(median(r.rss)),
    'peak RSS MB': Math.round(median(r.peak)),
    'runs peak MB': runs(r.peak),
    'idle CPU ms/s': Number(median(r.cpu).toFixed(1)),
  })),
);
