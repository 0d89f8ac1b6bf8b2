/**
 * npm run bench:road — road defects at municipal scale (issue 14).
 *
 * 1. Clustering: BENCH_DETECTIONS (default 1,000,000) detections of BENCH_DEFECTS (default 10,000) defects spread
 *    over a 20 × 20 km city, in time order (cameras passing every defect again and again, with GPS noise of 1.8 m
 *    and one false detection in fifty), go through the DefectTracker as the ingest hands them over: clustered
 *    incrementally and written to an on-disk PGlite records store batch by batch (defects upserted, every sighting
 *    stored under its detection id). Reported: wall time, detections per second, defects found.
 *    BENCH_RECORDS=postgres runs it on a throwaway PostgreSQL 15 (Debian's) instead of the embedded PGlite.
 * 2. The console's loads with the resulting open defects: the review queue (the first 500 by priority, as the
 *    console asks) and the map (every open defect), through the real API: median and worst of 20 requests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type DamageClass } from '../core/index.js';
import {
  CounterExposure,
  DefectClusterer,
  DefectTracker,
  ROAD_MIGRATIONS,
  RoadDefects,
  type Detection,
} from '../models/road/index.js';
import { OVERSIGHT_MIGRATIONS } from '../models/transparency/index.js';
import { PgliteRecordStore, PostgresRecordStore, migrate, type RecordStore } from '../store/index.js';
import { startPostgres } from '../test/harness/postgres.js';
import { startAccessApi } from '../test/harness/access-api.js';

const DETECTIONS = Number(process.env.BENCH_DETECTIONS ?? 1_000_000);
const DEFECTS = Number(process.env.BENCH_DEFECTS ?? 10_000);
const CLASSES: DamageClass[] = ['D00', 'D10', 'D20', 'D40', 'D44', 'marking_faded'];
const M = 1 / 111_320;

// mulberry32: a seeded generator with a long period (an LCG in doubles loses precision and cycles early).
let seed = 42;
const rnd = () => {
  let t = (seed = (seed + 0x6d2b79f5) >>> 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

const truth = Array.from({ length: DEFECTS }, () => ({
  lat: 56.08 + rnd() * 0.18,
  lon: 10.05 + rnd() * 0.32,
  damage: CLASSES[Math.floor(rnd() * CLASSES.length)] as DamageClass,
  heading: rnd() * 360,
}));

function* detections(): Generator<Detection> {
  const start = Date.now() - 30 * 86_400_000;
  const step = (30 * 86_400_000) / DETECTIONS;
  for (let i = 0; i < DETECTIONS; i++) {
    const falseOne = rnd() < 0.02;
    const d = falseOne
      ? {
          lat: 56.08 + rnd() * 0.18,
          lon: 10.05 + rnd() * 0.32,
          damage: 'D40' as DamageClass,
          heading: rnd() * 360,
        }
      : (truth[i % DEFECTS] as (typeof truth)[number]);
    yield {
      id: `cam-${i % 40}-${i}`,
      tenant: 'aarhus',
      device: `cam-${i % 40}`,
      vehicle: `veh-${i % 40}`,
      timeMs: Math.round(start + i * step),
      lat: d.lat + normal() * 1.8 * M,
      lon: d.lon + (normal() * 1.8 * M) / Math.cos((d.lat * Math.PI) / 180),
      headingDeg: d.heading,
      damage: d.damage,
      confidence: falseOne ? 0.3 + rnd() * 0.3 : 0.5 + rnd() * 0.45,
      bbox: { x: 0.3, y: 0.6, w: 0.05 + rnd() * 0.2, h: 0.03 + rnd() * 0.1 },
      imageRef: `frames/cam-${i % 40}/${i}.jpg`,
      modelVersion: 'rdd-yolo-bench',
    };
  }
}

// 0. The clustering alone, in memory: what the incremental algorithm costs per detection.
{
  const clusterer = new DefectClusterer();
  const t0 = performance.now();
  for (const det of detections()) clusterer.add(det);
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `clustering in memory: ${DETECTIONS.toLocaleString('en')} detections in ${seconds.toFixed(1)} s (${Math.round(DETECTIONS / seconds).toLocaleString('en')}/s), ${clusterer.size} defects`,
  );
}

const target = (process.env.BENCH_RECORDS ?? 'pglite') as 'pglite' | 'postgres';
const dir = mkdtempSync(join(tmpdir(), 'greenops-bench-road-'));
const server = target === 'postgres' ? await startPostgres() : undefined;
const records: RecordStore = server
  ? await PostgresRecordStore.connect({ url: await server.newDatabase() })
  : await PgliteRecordStore.open(join(dir, 'records'));
console.log(`records store: ${records.kind}`);
await migrate(records, [ROAD_MIGRATIONS, OVERSIGHT_MIGRATIONS]);
const tracker = new DefectTracker({
  records,
  exposure: new CounterExposure({ locations: {}, maxDistanceM: 500, defaultAadt: 2000 }),
  logger: createLogger({ level: 'warn' }),
});
await tracker.start();

const t0 = performance.now();
// As the ingest does: at most maxUnacked (20,000) detections handed over and not yet acknowledged; at the limit it
// stops reading and goes on once fewer than half are left (ingest-service.ts). Each is acknowledged when the
// tracker has written it.
let unacked = 0;
let resume: (() => void) | undefined;
const acked = () => {
  unacked -= 1;
  if (resume && unacked < 10_000) {
    resume();
    resume = undefined;
  }
};
let n = 0;
for (const det of detections()) {
  unacked += 1;
  void tracker.addDetection(det).then(acked);
  n += 1;
  if (unacked >= 20_000) await new Promise<void>((r) => (resume = r));
  if (n % 200_000 === 0) {
    const t = tracker.timings;
    console.log(
      `  ${n} detections, ${((performance.now() - t0) / 1000).toFixed(1)} s (so far: lookup ${(t.lookup / 1000).toFixed(1)}, ` +
        `clustering ${(t.clustering / 1000).toFixed(1)}, sightings ${(t.sightings / 1000).toFixed(1)}, merges ${(t.events / 1000).toFixed(1)}, ` +
        `defects ${(t.defects / 1000).toFixed(1)} in ${t.defectFlushes} flushes, coverage ${(t.coverage / 1000).toFixed(1)} s)`,
    );
  }
}
await tracker.drain();
const seconds = (performance.now() - t0) / 1000;
const [counts] = await records.query<{ defects: number; corroborated: number; sightings: number }>(
  `SELECT count(*)::int AS defects, count(*) FILTER (WHERE corroborated)::int AS corroborated,
     (SELECT count(*)::int FROM road_sightings) AS sightings FROM road_defects WHERE status <> 'merged'`,
);
console.log(
  `clustering: ${DETECTIONS.toLocaleString('en')} detections in ${seconds.toFixed(1)} s (${Math.round(DETECTIONS / seconds).toLocaleString('en')}/s); ` +
    `${counts?.defects} defects (${counts?.corroborated} corroborated; ${DEFECTS} true), ${counts?.sightings} sightings stored`,
);
const t = tracker.timings;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log(
  `  where: replay lookup ${sec(t.lookup)}, clustering and planning ${sec(t.clustering)}; writes: sightings ${sec(t.sightings)}, ` +
    `merges ${sec(t.events)}, defect rows ${sec(t.defects)} (${t.defectFlushes} flushes, ${t.defectRows.toLocaleString('en')} rows), coverage ${sec(t.coverage)}`,
);
await tracker.stop();

const api = await startAccessApi({ roadDefects: new RoadDefects(records) });
const key = await api.access.key('roads', 'aarhus');
async function time(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ median: number; worst: number; bytes: number; count: number }> {
  const ms: number[] = [];
  let bytes = 0;
  let count = 0;
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    const res = await fetch(api.base + path, { headers: { authorization: `Bearer ${key}`, ...headers } });
    const body = (await res.json()) as { defects: unknown[] };
    ms.push(performance.now() - s);
    bytes = JSON.stringify(body).length;
    count = body.defects.length;
  }
  ms.sort((a, b) => a - b);
  return { median: ms[10] as number, worst: ms[19] as number, bytes, count };
}
const queue = await time('/api/v1/road/defects?status=new&corroborated=true&limit=500');
const open = 'status=new,confirmed,work_ordered&corroborated=true&limit=20000';
const full = await time(`/api/v1/road/defects?${open}`);
// What the console's map asks for: the lean rows (format=map), gzip as a browser accepts it.
const map = await time(`/api/v1/road/defects?${open}&format=map`, { 'accept-encoding': 'gzip' });
console.log(
  `queue (500 of the open defects by priority): median ${queue.median.toFixed(0)} ms, worst ${queue.worst.toFixed(0)} ms`,
);
console.log(
  `map, format=map (all ${map.count} open corroborated defects, ${(map.bytes / 1e6).toFixed(2)} MB JSON): median ${map.median.toFixed(0)} ms, worst ${map.worst.toFixed(0)} ms`,
);
console.log(
  `the same as full defects (${(full.bytes / 1e6).toFixed(1)} MB JSON): median ${full.median.toFixed(0)} ms, worst ${full.worst.toFixed(0)} ms`,
);
await api.stop();
await records.close();
await server?.stop();
rmSync(dir, { recursive: true, force: true });
