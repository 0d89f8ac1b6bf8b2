import { cpus } from 'node:os';
import { highestKeptUp, type RateSummary } from './campaign.js';

export interface PeerReport {
  runs: number;
  seconds: number;
  loadAverages: string[];
  greenops: { rates: RateSummary[]; latency: RateSummary | undefined; batched: RateSummary[] | undefined };
  nodeRed: { rates: RateSummary[]; latency: RateSummary | undefined };
  /** A subscriber that acknowledges on arrival and stores nothing: what the publisher and broker can carry. */
  ceiling?: { rates: RateSummary[] };
}

const n0 = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en');
const n1 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : '–');
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–';
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** The first rate not kept up, to show what limited it (publisher, broker or influxd CPU). */
const firstMiss = (rates: RateSummary[]) => rates.find((r) => !r.keptUp);

export function printPeerReport(r: PeerReport): void {
  const g = r.greenops;
  const n = r.nodeRed;
  const gBest = highestKeptUp(g.rates);
  const nBest = highestKeptUp(n.rates);
  const bBest = g.batched ? highestKeptUp(g.batched) : undefined;
  const gMiss = firstMiss(g.rates);
  const nMiss = firstMiss(n.rates);
  const gRss = Math.max(...g.rates.filter((s) => s.keptUp).map((s) => s.peakRssMb), 0);
  const nRss = Math.max(...n.rates.filter((s) => s.keptUp).map((s) => s.peakRssMb), 0);
  console.log(
    `\n=== greenops vs Node-RED 4.1 (medians of ${r.runs} runs, ${r.seconds} s steps; load average ${r.loadAverages.join(' → ')}) ===`,
  );
  const rows = [
    {
      figure: 'highest rate kept up (msg/s)',
      greenops: n0(gBest?.rate),
      'Node-RED': n0(nBest?.rate),
      ratio: ratio(gBest?.rate, nBest?.rate),
      target: `≥ 3× — ${verdict((gBest?.rate ?? 0) >= 3 * (nBest?.rate ?? Infinity))}`,
    },
    {
      figure: 'first rate not kept up (msg/s)',
      greenops: gMiss ? `${n0(gMiss.rate)} (stored ${n0(gMiss.storedRate)}/s)` : '–',
      'Node-RED': nMiss ? `${n0(nMiss.rate)} (stored ${n0(nMiss.storedRate)}/s)` : '–',
      ratio: '',
      target: '',
    },
  ];
  if (r.ceiling) {
    // mosquitto_sub prints a line per message and costs about what greenops does, so its top rate is not a hard
    // bound; what is, is the publisher's and the broker's CPU, which grows with the rate whoever subscribes.
    const cBest = highestKeptUp(r.ceiling.rates);
    const cMiss = firstMiss(r.ceiling.rates);
    const needed = 3 * (nBest?.rate ?? NaN);
    const perMsg = cBest ? (cBest.publisherCpu + cBest.brokerCpu) / cBest.rate : NaN;
    rows.push({
      figure: 'publisher + broker alone (mosquitto_sub, no store): msg/s kept up',
      greenops: `${n0(cBest?.rate)}${cMiss ? ` (${n0(cMiss.rate)}: stored ${n0(cMiss.storedRate)}/s)` : ''}`,
      'Node-RED': '',
      ratio: cBest
        ? `publisher + broker ${pct(cBest.publisherCpu + cBest.brokerCpu)} at ${n0(cBest.rate)}`
        : '',
      target: `3× Node-RED (${n0(needed)}): publisher + broker alone ~${(perMsg * needed).toFixed(1)} of ${cpus().length} cores`,
    });
  }
  for (const s of g.rates) {
    const peer = n.rates.find((x) => x.rate === s.rate);
    if (!peer) continue;
    const q = s.cpuMicrosPerMsg / peer.cpuMicrosPerMsg;
    rows.push({
      figure: `CPU per message at ${n0(s.rate)} msg/s (µs)`,
      greenops: n1(s.cpuMicrosPerMsg),
      'Node-RED': n1(peer.cpuMicrosPerMsg),
      ratio: ratio(s.cpuMicrosPerMsg, peer.cpuMicrosPerMsg),
      target: `≤ 0.25× — ${verdict(q <= 0.25)}`,
    });
  }
  rows.push(
    {
      figure: 'p50 / p99 publish → queryable at half rate (ms)',
      greenops: g.latency ? `${n0(g.latency.p50Ms)} / ${n0(g.latency.p99Ms)} at ${n0(g.latency.rate)}` : '–',
      'Node-RED': n.latency
        ? `${n0(n.latency.p50Ms)} / ${n0(n.latency.p99Ms)} at ${n0(n.latency.rate)}`
        : '–',
      ratio: ratio(g.latency?.p99Ms, n.latency?.p99Ms),
      target: `greenops p99 ≤ 250 ms — ${verdict((g.latency?.p99Ms ?? Infinity) <= 250)}`,
    },
    {
      figure: 'peak RSS over kept-up steps (MB)',
      greenops: n0(gRss),
      'Node-RED': n0(nRss),
      ratio: ratio(gRss, nRss),
      target: `greenops ≤ 250 MB — ${verdict(gRss <= 250)}`,
    },
    {
      figure: 'batched, 100 readings/msg: readings/s kept up',
      greenops: n0((bBest?.rate ?? 0) * 100),
      'Node-RED': 'not run',
      ratio: '',
      target: `≥ 150,000 — ${verdict((bBest?.rate ?? 0) * 100 >= 150_000)}`,
    },
  );
  console.table(rows);
  console.log('\nEvery rate (medians; CPU shares are of one core over the step):');
  const all = [...g.rates, ...n.rates, ...(r.ceiling?.rates ?? []), ...(g.batched ?? [])];
  console.table(
    all.map((s) => ({
      system: s.system,
      'offered msg/s': `${n0(s.rate)}${s.readings > 1 ? ` × ${s.readings}` : ''}`,
      'stored/s': n0(s.storedRate * s.readings),
      'drain ms': s.drainMs >= 1e9 ? '> 10 s' : n0(s.drainMs),
      'kept up': `${s.keptUp ? 'yes' : 'no'} (${s.keptUpRuns}/${s.runs.length})`,
      'µs CPU/msg': n1(s.cpuMicrosPerMsg),
      'RSS MB': n0(s.peakRssMb),
      publisher: pct(s.publisherCpu),
      broker: pct(s.brokerCpu),
      influxd: pct(s.influxCpu),
    })),
  );
}
