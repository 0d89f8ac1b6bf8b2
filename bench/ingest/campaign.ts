/**
 * Runs steps for several systems interleaved (run 1 of every system, then run 2, the order alternating), each
 * step in a fresh process, and sums up each rate by the median of its runs: a rate is kept up when most runs
 * kept up. A system stops stepping after the first rate it did not keep up.
 */
import { median, percentile } from './processes.js';
import { describeStep, runStep, type StepResult } from './step.js';
import type { BenchEnvironment, BenchSystem } from './systems.js';

export interface RateSummary {
  system: string;
  rate: number;
  readings: number;
  runs: StepResult[];
  keptUp: boolean;
  keptUpRuns: number;
  cpuMicrosPerMsg: number;
  storedRate: number;
  drainMs: number;
  peakRssMb: number;
  publisherCpu: number;
  brokerCpu: number;
  influxCpu: number;
  /** Median over runs of each run's p50 and p99. */
  p50Ms: number;
  p99Ms: number;
}

export interface CampaignOptions {
  runs: number;
  seconds: number;
  readings?: number;
  latency?: boolean;
  /** Stop a system after its first rate not kept up (the default). */
  stopAtFirstMiss?: boolean;
}

export function summarise(runs: StepResult[]): RateSummary {
  const first = runs[0] as StepResult;
  const keptUpRuns = runs.filter((r) => r.keptUp).length;
  const m = (f: (r: StepResult) => number) => median(runs.map(f));
  return {
    system: first.system,
    rate: first.rate,
    readings: first.readings,
    runs,
    keptUp: keptUpRuns * 2 > runs.length,
    keptUpRuns,
    cpuMicrosPerMsg: m((r) => r.cpuMicrosPerMsg),
    storedRate: m((r) => r.storedRate),
    drainMs: median(runs.map((r) => r.drainMs).map((d) => (Number.isFinite(d) ? d : 1e9))),
    peakRssMb: m((r) => r.peakRssMb),
    publisherCpu: m((r) => r.publisherCpu),
    brokerCpu: m((r) => r.brokerCpu),
    influxCpu: m((r) => r.influxCpu),
    p50Ms: m((r) => (r.latenciesMs.length ? percentile(r.latenciesMs, 50) : NaN)),
    p99Ms: m((r) => (r.latenciesMs.length ? percentile(r.latenciesMs, 99) : NaN)),
  };
}

/** Steps every system through `rates` (per system when a function), interleaving the runs. */
export async function stepUp(
  env: BenchEnvironment,
  systems: BenchSystem[],
  rates: number[] | ((system: BenchSystem) => number[]),
  options: CampaignOptions,
): Promise<Map<string, RateSummary[]>> {
  const out = new Map<string, RateSummary[]>(systems.map((s) => [s.name, []]));
  const ratesOf = (s: BenchSystem) => (typeof rates === 'function' ? rates(s) : rates);
  const active = new Set(systems);
  const allRates = [...new Set(systems.flatMap(ratesOf))].sort((a, b) => a - b);
  for (const rate of allRates) {
    const here = [...active].filter((s) => ratesOf(s).includes(rate));
    if (here.length === 0) continue;
    const results = new Map<BenchSystem, StepResult[]>(here.map((s) => [s, []]));
    for (let run = 0; run < options.runs; run++) {
      const order = run % 2 === 0 ? here : [...here].reverse();
      for (const system of order) {
        const r = await runStep(system, env, rate, {
          readings: options.readings ?? 1,
          seconds: options.seconds,
          latency: options.latency ?? false,
        });
        console.log(`${describeStep(r)} [run ${run + 1}]`);
        results.get(system)?.push(r);
      }
    }
    for (const [system, runs] of results) {
      const summary = summarise(runs);
      out.get(system.name)?.push(summary);
      if (!summary.keptUp && options.stopAtFirstMiss !== false) active.delete(system);
    }
    if (active.size === 0) break;
  }
  return out;
}

/** The highest rate kept up: the last of an unbroken run of kept-up rates from the lowest. */
export function highestKeptUp(summaries: RateSummary[]): RateSummary | undefined {
  let best: RateSummary | undefined;
  for (const s of summaries) {
    if (!s.keptUp) break;
    best = s;
  }
  return best;
}
