/**
 * How long one InfluxDB write takes by batch size, and what writes side by side add: a throwaway influxd (the test
 * harness's), the store's own `write`, points shaped like the ingest benchmark's (1,000 meters, 20 sites). Tells
 * whether the ingest's one-write-at-a-time batching or influxd is what limits a rate.
 *
 *   node --import tsx bench/ingest/write-latency.ts      (BENCH_RUNS=8 writes per size, the median printed)
 */
import { createLogger, type Point } from '../../core/index.js';
import { InfluxStore } from '../../store/influx/influx-store.js';
import { startInfluxd } from '../../test/harness/influxd.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 8);
const server = await startInfluxd('latency');
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
        fields: { kWh: 1.5, interval_s: 60 },
        timeMs: nextMs + i,
      });
    }
    nextMs += n + 1000; // every point its own, so no write overwrites another
    return points;
  };
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const timed = async (parallel: number, size: number) => {
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const batches = Array.from({ length: parallel }, () => batch(size));
      const started = performance.now();
      await Promise.all(batches.map((b) => store.write(b)));
      times.push(performance.now() - started);
    }
    const ms = median(times);
    const label = parallel === 1 ? `one write of ${size}` : `${parallel} writes of ${size} side by side`;
    console.log(
      `${label.padEnd(36)} median ${ms.toFixed(1).padStart(6)} ms  ${Math.round((parallel * size * 1000) / ms).toLocaleString('en')} points/s`,
    );
  };
  for (const size of [500, 1000, 2500, 5000, 10_000, 20_000]) await timed(1, size);
  for (const [parallel, size] of [
    [2, 5000],
    [3, 5000],
    [4, 2500],
  ] as const)
    await timed(parallel, size);
} finally {
  await server.destroy();
}
