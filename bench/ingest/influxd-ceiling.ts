/**
 * The store's ceiling on this machine: how many points per second influxd takes when nothing else works for it.
 * Line protocol is built before the clock starts (points shaped like the ingest benchmark's batched messages: 100
 * gateways of 100 readings from 1,000 meters, 10,000 series, one point per reading) and POSTed by plain node:http, `BENCH_INFLIGHT` requests at a time, for
 * `BENCH_SECONDS`; influxd's CPU is read from /proc. No greenops code is on the path, so the figure bounds every
 * ingest that writes to this influxd, greenops's and Node-RED's alike.
 *
 *   npm run bench:influxd   (BENCH_BATCH=5000 BENCH_INFLIGHT=1,2 BENCH_SECONDS=10 BENCH_RUNS=3)
 */
import http from 'node:http';
import { startInfluxd } from '../../test/harness/influxd.js';
import { cpuSeconds, loadAverage, median } from './processes.js';

const BATCH = Number(process.env.BENCH_BATCH ?? 5000);
const INFLIGHT = (process.env.BENCH_INFLIGHT ?? '1,2').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

let next = 0;
function body(): Buffer {
  const lines: string[] = [];
  const t0 = Date.UTC(2026, 0, 1) * 1e6;
  for (let i = 0; i < BATCH; i++, next++) {
    const meter = next % 1000;
    lines.push(
      `energy,device=gw-${Math.floor(next / 100) % 100}:m-${meter},quantity=electricity,site=s-${meter % 50},tenant=bench ` +
        `interval_s=60,kwh=1.5 ${t0 + Math.floor(next / 1000) * 60e9 + (next % 1000)}`,
    );
  }
  return Buffer.from(lines.join('\n'));
}

const server = await startInfluxd('ceiling');
const url = new URL(server.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const post = (payload: Buffer) =>
  new Promise<void>((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: `/write?db=${server.database}&precision=ns`,
        method: 'POST',
        agent,
        headers: { 'content-length': payload.length },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 204 ? resolve() : reject(new Error(`influxd answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });

console.log(`load average ${loadAverage()}; batches of ${BATCH} points, ${SECONDS} s per run, ${RUNS} runs`);
try {
  // Enough bodies for the fastest run, built up front (the builder's CPU is not influxd's).
  const bodies = Array.from({ length: Math.ceil((150_000 * SECONDS) / BATCH) + 8 }, body);
  for (const inflight of INFLIGHT) {
    const rates: number[] = [];
    const cpus: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let sent = 0;
      const cpu0 = cpuSeconds(server.pid());
      const started = performance.now();
      const end = started + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: inflight }, async () => {
          while (performance.now() < end) {
            const b = bodies[sent++ % bodies.length] as Buffer;
            await post(b);
          }
        }),
      );
      const wall = (performance.now() - started) / 1000;
      rates.push((sent * BATCH) / wall);
      cpus.push((cpuSeconds(server.pid()) - cpu0) / wall);
    }
    const rate = median(rates);
    const cpu = median(cpus);
    console.log(
      `${inflight} write(s) in flight: ${Math.round(rate).toLocaleString('en')} points/s ` +
        `(runs ${rates.map((r) => Math.round(r).toLocaleString('en')).join(', ')}), influxd ${Math.round(cpu * 100)} % ` +
        `of a core, ${((cpu / rate) * 1e6).toFixed(2)} µs of influxd CPU per point`,
    );
  }
  console.log(`load average ${loadAverage()}`);
} finally {
  agent.destroy();
  await server.destroy();
}
