/**
 * A before/after comparison of two greenops builds, interleaved in one invocation (each step a fresh process,
 * medians of BENCH_RUNS runs): BENCH_AB_BEFORE=path/to/before/dist/cli/main.js (a copy of dist/ from the
 * commit before, kept inside the repository folder so it finds node_modules, e.g. .tmp/before/dist) against
 * this tree's dist/. Usage: BENCH_AB_BEFORE=.tmp/before/dist/cli/main.js BENCH_RATES=5000 npm run bench:ingest-ab
 */
import { stepUp } from './ingest/campaign.js';
import { startEnvironment } from './ingest/environment.js';
import { loadAverage } from './ingest/processes.js';
import { greenopsSystem } from './ingest/systems.js';

const before = process.env.BENCH_AB_BEFORE;
if (!before) throw new Error('BENCH_AB_BEFORE: the before build’s dist/cli/main.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = (process.env.BENCH_RATES ?? '5000').split(',').map(Number);
const systems = [
  greenopsSystem('influx', 'mosquitto', undefined, { main: before, label: 'before' }),
  greenopsSystem('influx', 'mosquitto', undefined, { main: 'dist/cli/main.js', label: 'after' }),
];
const loads = [loadAverage()];
const env = await startEnvironment();
try {
  const out = await stepUp(env, systems, RATES, { runs: RUNS, seconds: SECONDS, stopAtFirstMiss: false });
  loads.push(loadAverage());
  console.log(`\nMedians of ${RUNS} runs (load average ${loads.join(' → ')}):`);
  console.table(
    [...out.values()].flat().map((s) => ({
      build: s.system,
      'offered msg/s': s.rate,
      'kept up': `${s.keptUpRuns}/${s.runs.length}`,
      'stored/s': Math.round(s.storedRate),
      'µs CPU/msg': Number(s.cpuMicrosPerMsg.toFixed(1)),
      'runs µs CPU/msg': s.runs.map((r) => r.cpuMicrosPerMsg.toFixed(1)).join(', '),
      'RSS MB': Math.round(s.peakRssMb),
    })),
  );
} finally {
  await env.destroy();
}
