/**
 * CPU per point of the InfluxDB store's `write` (line protocol and the HTTP request, as the ingest pays it): a
 * throwaway influxd (the test harness's), points shaped like the ingest benchmark's (1,000 meters, 20 sites),
 * prebuilt so only `write` is measured. Per batch size: a warm-up, then BENCH_ROUNDS rounds (default 7) of
 * BENCH_WRITES sequential writes (default 20), `process.cpuUsage` around each round; the median round is printed.
 * The CPU is this process's only (influxd's is not counted). Also printed: the request body alone (line protocol
 * to bytes, as that store builds it, for as many fresh points again, outside the writes).
 *
 *   npm run bench:influx-write                    (node --expose-gc --import tsx bench/influx-write.ts)
 *   BENCH_ROOT=/path/to/other/checkout npm run bench:influx-write   (that checkout's store, e.g. before a change)
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger, type Point } from '../core/index.js';
import { startInfluxd } from '../test/harness/influxd.js';

type StoreModule = typeof import('../store/influx/influx-store.js');
type LineModule = Partial<typeof import('../store/influx/line-protocol.js')> &
  Pick<typeof import('../store/influx/line-protocol.js'), 'toLine'>;

const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 7));
const WRITES = Math.max(1, Number(process.env.BENCH_WRITES ?? 20));
const SIZES = (process.env.BENCH_SIZES ?? '1000,5000').split(',').map(Number);
const root = process.env.BENCH_ROOT;
const { InfluxStore } = (await import(
  root ? pathToFileURL(resolve(root, 'store/influx/influx-store.ts')).href : '../store/influx/influx-store.js'
)) as StoreModule;
// The body alone, as that store builds it: the encoder where there is one, else lines joined and encoded.
const lines = (await import(
  root
    ? pathToFileURL(resolve(root, 'store/influx/line-protocol.ts')).href
    : '../store/influx/line-protocol.js'
)) as LineModule;
const encoder = lines.LineProtocolEncoder ? new lines.LineProtocolEncoder() : undefined;
const encode = (points: Point[]): Buffer =>
  encoder ? encoder.encode(points) : Buffer.from(points.map(lines.toLine).join('\n'));

const server = await startInfluxd('influxwrite');
try {
  const store = await InfluxStore.connect({
    url: server.url,
    database: server.database,
    logger: createLogger({ level: 'warn' }),
  });
  let nextMs = Date.UTC(2026, 0, 1);
  const batch = (n: number): Point[] => {
    const points: Point[] = [];
    for (let i = 0; i < n; i++) {
      const meter = i % 1000;
      points.push({
        measurement: 'energy',
        tags: { tenant: 'bench', site: `s-${meter % 20}`, device: `m-${meter}`, quantity: 'electricity' },
        fields: { kWh: 1.5 + (i % 7) * 0.25, interval_s: 60 },
        timeMs: nextMs + i,
        nanos: (i * 7919) % 1_000_000,
      });
    }
    nextMs += n + 1000; // every point its own, so no write overwrites another
    return points;
  };
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  console.log(
    `store.write CPU per point${root ? ` (store of ${root})` : ''}: ${ROUNDS} rounds of ${WRITES} writes, median`,
  );
  for (const size of SIZES) {
    for (const b of Array.from({ length: 20 }, () => batch(size))) await store.write(b); // warm-up
    const perPoint: number[] = [];
    const wallMs: number[] = [];
    const systemPerPoint: number[] = [];
    const encodePerPoint: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const batches = Array.from({ length: WRITES }, () => batch(size));
      // The points made just now moved out of the young generation first, so that collecting them (the producer's
      // cost, not the write's) does not land in the window measured; needs --expose-gc, as the npm script has.
      (globalThis as { gc?: () => void }).gc?.();
      const started = performance.now();
      const cpu = process.cpuUsage();
      for (const b of batches) await store.write(b);
      const used = process.cpuUsage(cpu);
      wallMs.push((performance.now() - started) / WRITES);
      perPoint.push((used.user + used.system) / (WRITES * size));
      systemPerPoint.push(used.system / (WRITES * size));
      const again = Array.from({ length: WRITES }, () => batch(size));
      (globalThis as { gc?: () => void }).gc?.();
      const encodeCpu = process.cpuUsage();
      for (const b of again) encode(b);
      const encodeUsed = process.cpuUsage(encodeCpu);
      encodePerPoint.push((encodeUsed.user + encodeUsed.system) / (WRITES * size));
    }
    console.log(
      `${`${size} points per write`.padEnd(24)} ${median(perPoint).toFixed(2).padStart(5)} µs CPU/point` +
        ` (system ${median(systemPerPoint).toFixed(2)})  rounds ${perPoint.map((v) => v.toFixed(2)).join(', ')};` +
        ` median wall ${median(wallMs).toFixed(1)} ms/write; line protocol alone` +
        ` ${median(encodePerPoint).toFixed(2)} µs/point`,
    );
  }
} finally {
  await server.destroy();
}
