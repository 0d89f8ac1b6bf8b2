/**
 * npm run bench:fleet — trip extraction and the fleet report at pool scale.
 *
 * 1. Extraction in one process: BENCH_FLEET_VEHICLES (default 20) simulated vehicles for a year are generated into
 *    columns (not timed), then streamed through the trip extractor BENCH_FLEET_COPIES times (default 10) as that many
 *    pools of distinct vehicles, one vehicle after another, as the store path does: samples/s, and the heap's high
 *    water mark (bounded memory: the year is never loaded whole, only one vehicle's columns at a time).
 * 2. The report of the whole pool-year from the extracted trips (sites, utilisation, EV, right-sizing).
 * 3. From the store: BENCH_FLEET_STORE_VEHICLES (default 20) vehicles × BENCH_FLEET_STORE_DAYS (default 28) written
 *    to a DuckDB file through the store port, interleaved in time as live ingest writes them (not timed), then
 *    FleetService.report over them: samples/s through the store port, and the process's peak RSS. With
 *    BENCH_FLEET_STORE_COPIES=N (default 1) the written vehicles are copied N times under new names by SQL into a
 *    fresh file whose points table has no primary-key index (reads do not use it; building it is what makes writing
 *    40 M samples through the port take about an hour): the 200-vehicle pool-year is 20 vehicles × 365 days × 10.
 *    BENCH_FLEET_STORE_FILE=path keeps the file (or reuses it when it exists, skipping the writing).
 * 4. The same report from a real influxd (Debian's, started as the tests do), BENCH_FLEET_INFLUX_VEHICLES (default
 *    20) × BENCH_FLEET_INFLUX_DAYS (default 28) written through the port, BENCH_FLEET_INFLUX_COPIES times (default 1)
 *    under as many sets of names (each batch of points once per copy, so the copies stay interleaved in time);
 *    skipped when influxd is not installed. With INFLUX_URL (the test harness's way to a running server, database
 *    INFLUX_DATABASE) a database that already holds the bench tenant's fleet points is reused, not written again.
 *    BENCH_FLEET_INFLUX_RUNS (default 1) reports in a row; then the scan alone (the week queries, decoded, no
 *    extraction); 0 only writes. BENCH_FLEET_INFLUX_FORMAT=json asks for JSON instead of MessagePack; BENCH_FLEET_INFLUX_CHUNK sets
 *    the rows per chunk (default 10,000), BENCH_FLEET_INFLUX_QUERIES the queries a scan runs side by side (default
 *    the store's).
 * BENCH_FLEET_PARTS (default 1,2,3,4) picks the parts (3 and 4 need neither 1 nor 2).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamDefinition, type FleetRecord, type Point } from '../core/index.js';
import { FleetSimulator } from '../edge/index.js';
import {
  DEFAULT_FLEET_DEFAULTS,
  DEFAULT_FLEET_SETTINGS,
  FLEET_SAMPLE_FIELDS,
  FleetPool,
  FleetService,
  fleetReport,
} from '../models/index.js';
import { DuckDbDatabase, DuckDbStore, InfluxStore, type TimeSeriesStore } from '../store/index.js';
import { createMemoryLogger } from '../core/index.js';
import { startInfluxd } from '../test/harness/influxd.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const VEHICLES = env('BENCH_FLEET_VEHICLES', 20);
const COPIES = env('BENCH_FLEET_COPIES', 10);
const STORE_VEHICLES = env('BENCH_FLEET_STORE_VEHICLES', 20);
const STORE_DAYS = env('BENCH_FLEET_STORE_DAYS', 28);
const STORE_COPIES = env('BENCH_FLEET_STORE_COPIES', 1);
const STORE_FILE = process.env.BENCH_FLEET_STORE_FILE;
const INFLUX_VEHICLES = env('BENCH_FLEET_INFLUX_VEHICLES', 20);
const INFLUX_DAYS = env('BENCH_FLEET_INFLUX_DAYS', 28);
const INFLUX_COPIES = env('BENCH_FLEET_INFLUX_COPIES', 1);
const INFLUX_RUNS = env('BENCH_FLEET_INFLUX_RUNS', 1);
const INFLUX_FORMAT = process.env.BENCH_FLEET_INFLUX_FORMAT === 'json' ? 'json' : 'msgpack';
const INFLUX_CHUNK = env('BENCH_FLEET_INFLUX_CHUNK', 10_000);
const INFLUX_QUERIES = process.env.BENCH_FLEET_INFLUX_QUERIES;
const PARTS = new Set((process.env.BENCH_FLEET_PARTS ?? '1,2,3,4').split(',').map(Number));
const START = Date.UTC(2025, 0, 5, 23); // Monday 6 January 2025, local midnight
const YEAR_MS = 365 * 86_400_000;

interface Columns {
  id: string;
  powertrain: 'ice' | 'bev';
  n: number;
  t: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  speed: Float32Array;
  ignition: Uint8Array;
  odometer: Float64Array;
  fuel: Float64Array;
  energy: Float64Array;
}

function simulateColumns(vehicles: number, startMs: number, endMs: number): Columns[] {
  const sim = new FleetSimulator({ devices: vehicles, seed: 42, startMs });
  return sim.deviceIds.map((id, i) => {
    const records: FleetRecord[] = [];
    while (sim.nextTime(i) < endMs) records.push(...(sim.emit(i) as FleetRecord[]));
    const n = records.length;
    const c: Columns = {
      id,
      powertrain: (records[0]?.powertrain as 'ice' | 'bev' | undefined) ?? 'ice',
      n,
      t: new Float64Array(n),
      lat: new Float64Array(n),
      lon: new Float64Array(n),
      speed: new Float32Array(n),
      ignition: new Uint8Array(n),
      odometer: new Float64Array(n),
      fuel: new Float64Array(n),
      energy: new Float64Array(n),
    };
    records.forEach((r, k) => {
      c.t[k] = Date.parse(r.ts);
      c.lat[k] = r.lat;
      c.lon[k] = r.lon;
      c.speed[k] = r.speedKmh;
      c.ignition[k] = r.ignition ? 1 : 0;
      c.odometer[k] = r.odometerKm ?? Number.NaN;
      c.fuel[k] = r.fuelUsedL ?? Number.NaN;
      c.energy[k] = r.energyUsedKwh ?? Number.NaN;
    });
    return c;
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

console.log(`fleet bench: node ${process.version}, parts ${[...PARTS].join(',')}`);
if (PARTS.has(1) || PARTS.has(2)) {
  const generated = performance.now();
  const columns = simulateColumns(VEHICLES, START, START + YEAR_MS);
  const perCopy = columns.reduce((s, c) => s + c.n, 0);
  console.log(
    `generated ${perCopy.toLocaleString('en-GB')} samples (${(perCopy / VEHICLES).toFixed(0)} per vehicle-year) in ${((performance.now() - generated) / 1000).toFixed(1)} s (not timed)`,
  );

  // 1. Extraction: COPIES pools of VEHICLES vehicles, vehicle after vehicle.
  const pool = new FleetPool(DEFAULT_FLEET_SETTINGS);
  let peakHeap = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let copy = 0; copy < COPIES; copy++)
    for (const c of columns) {
      const x = pool.extractorOf(`${c.id}-${copy}`);
      pool.setPowertrain(`${c.id}-${copy}`, c.powertrain);
      const { t, lat, lon, speed, ignition, odometer, fuel, energy } = c;
      for (let k = 0; k < c.n; k++)
        x.push(
          t[k] as number,
          lat[k] as number,
          lon[k] as number,
          speed[k] as number,
          ignition[k] === 1,
          odometer[k] as number,
          fuel[k] as number,
          energy[k] as number,
        );
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
  const extractS = (performance.now() - t0) / 1000;
  const samples = perCopy * COPIES;
  const t1 = performance.now();
  const { sites, vehicles, dropped } = pool.finish();
  const trips = vehicles.reduce((s, v) => s + v.trips.length, 0);
  const finishS = (performance.now() - t1) / 1000;
  console.log(
    `\n1. trip extraction: ${samples.toLocaleString('en-GB')} samples of ${VEHICLES * COPIES} vehicle-years in ${extractS.toFixed(2)} s = ${(samples / extractS / 1e6).toFixed(2)} M samples/s; ${trips.toLocaleString('en-GB')} trips (${dropped} dropped), ${sites.length} sites; sites and rounding ${finishS.toFixed(2)} s; heap high-water ${mb(peakHeap)} (the generated columns of one copy: ${mb(perCopy * 53)})`,
  );

  // 2. The report of the pool-year.
  const t2 = performance.now();
  const report = fleetReport({
    vehicles,
    sites,
    settings: DEFAULT_FLEET_SETTINGS,
    defaults: DEFAULT_FLEET_DEFAULTS,
  });
  const reportS = (performance.now() - t2) / 1000;
  const verdicts = new Map<string, number>();
  for (const e of report.evSuitability) verdicts.set(e.verdict, (verdicts.get(e.verdict) ?? 0) + 1);
  console.log(
    `2. report of the pool-year: ${reportS.toFixed(2)} s; ${report.totals.vehicles} vehicles, ${report.totals.trips} trips, ${Math.round(report.totals.km).toLocaleString('en-GB')} km, ${Math.round(report.totals.kgCo2e / 1000)} t CO₂e; EV verdicts ${[...verdicts].map(([k, n]) => `${k} ${n}`).join(', ')}; right-sizing ${report.rightSizing.map((r) => `${r.site} ${r.vehicles}→${r.recommended}`).join(', ')}`,
  );
}

/**
 * Writes `vehicles` simulated vehicles × `days` through the store port, interleaved in time as live ingest does;
 * with `copies` > 1 each batch again under the names `<id>-c<k>`.
 */
async function writeSimulated(
  store: TimeSeriesStore,
  vehicles: number,
  days: number,
  copies = 1,
): Promise<number> {
  const fleet = streamDefinition<FleetRecord>('fleet');
  const sim = new FleetSimulator({ devices: vehicles, seed: 9, startMs: START });
  const end = START + days * 86_400_000;
  let stored = 0;
  let points: Point[] = [];
  for (;;) {
    let next = -1;
    let nextMs = Infinity;
    for (let i = 0; i < vehicles; i++) {
      const t = sim.nextTime(i);
      if (t < nextMs) [next, nextMs] = [i, t];
    }
    if (nextMs >= end) break;
    for (const r of sim.emit(next) as FleetRecord[])
      points.push(
        ...fleet.toPoints(r, {
          tenant: 'bench',
          deviceId: sim.deviceIds[next] as string,
          timeMs: Date.parse(r.ts),
        }),
      );
    if (points.length >= 20_000) {
      stored += await writeCopies(store, points, copies);
      points = [];
    }
  }
  return stored + (await writeCopies(store, points, copies));
}

async function writeCopies(store: TimeSeriesStore, points: Point[], copies: number): Promise<number> {
  if (copies <= 1) {
    await store.write(points);
    return points.length;
  }
  // The copies' batches in flight together: influxd parses them on both cores.
  await Promise.all(
    Array.from({ length: copies }, (_, k) =>
      store.write(points.map((p) => ({ ...p, tags: { ...p.tags, device: `${p.tags.device}-c${k}` } }))),
    ),
  );
  return points.length * copies;
}

/** FleetService.report of the whole period from the store: samples/s and the process's peak RSS. */
async function reportFromStore(store: TimeSeriesStore, days: number, label: string): Promise<void> {
  const service = new FleetService({
    store,
    settings: DEFAULT_FLEET_SETTINGS,
    defaults: DEFAULT_FLEET_DEFAULTS,
  });
  const t = performance.now();
  const result = await service.report('bench', START, START + days * 86_400_000);
  const s = (performance.now() - t) / 1000;
  const rate = result.samples / s;
  console.log(
    `   ${label}: FleetService.report of ${result.vehicles} vehicles, ${result.samples.toLocaleString('en-GB')} samples in ${s.toFixed(1)} s = ${(rate / 1000).toFixed(0)} k samples/s (${result.report.totals.trips.toLocaleString('en-GB')} trips); at that rate 40 M samples take ${(40e6 / rate).toFixed(0)} s; peak RSS so far ${mb(process.resourceUsage().maxRSS * 1024)}`,
  );
  // Part of it: listing the vehicles of each class by the stream's vehicle_class tag (skipped for the vehicles a
  // register names).
  const window = { fromMs: START, toMs: START + days * 86_400_000 };
  const t2 = performance.now();
  const classed = new Map<string, number>();
  for (const cls of Object.keys(DEFAULT_FLEET_DEFAULTS.classes))
    classed.set(cls, (await store.listDeviceNames('fleet', 'bench', { vehicle_class: cls }, window)).length);
  console.log(
    `   of which the vehicle_class listings (${[...classed].map(([c, n]) => `${c} ${n}`).join(', ')}): ${((performance.now() - t2) / 1000).toFixed(2)} s`,
  );
}

// 3. Through the store port (DuckDB).
if (PARTS.has(3)) {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-bench-fleet-'));
  const days = STORE_DAYS;
  try {
    const written = join(dir, 'written.duckdb');
    let path = STORE_FILE ?? written;
    if (STORE_FILE === undefined || !existsSync(STORE_FILE)) {
      const writeTo = STORE_COPIES > 1 ? written : path;
      const db = await DuckDbDatabase.open(writeTo);
      const t = performance.now();
      const stored = await writeSimulated(await DuckDbStore.create(db), STORE_VEHICLES, days);
      await db.close();
      console.log(
        `\n3. wrote ${stored.toLocaleString('en-GB')} samples (${STORE_VEHICLES} vehicles × ${days} days) through the store port in ${((performance.now() - t) / 1000).toFixed(0)} s (not timed)`,
      );
      if (STORE_COPIES > 1) {
        path = STORE_FILE ?? join(dir, 'copies.duckdb');
        const t2 = performance.now();
        await copyVehicles(writeTo, path, STORE_COPIES);
        console.log(
          `   copied ×${STORE_COPIES} under new names by SQL in ${((performance.now() - t2) / 1000).toFixed(0)} s (not timed)`,
        );
      }
    } else console.log(`\n3. reusing ${STORE_FILE} (${days} days)`);
    const db = await DuckDbDatabase.open(path);
    await reportFromStore(await DuckDbStore.create(db), days, 'DuckDB');
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Copies every vehicle of `from` `copies` times under new names into a fresh file `to` (no primary-key index). */
async function copyVehicles(from: string, to: string, copies: number): Promise<void> {
  const db = await DuckDbDatabase.open(to, { memoryLimit: '2GB' });
  await db.write(async (c) => {
    await c.run(`ATTACH '${from.replace(/'/g, "''")}' AS src (READ_ONLY)`);
    await c.run(
      'CREATE TABLE points (measurement VARCHAR NOT NULL, tenant VARCHAR NOT NULL, device VARCHAR NOT NULL, series VARCHAR NOT NULL, field VARCHAR NOT NULL, time BIGINT NOT NULL, num DOUBLE, str VARCHAR, bool BOOLEAN)',
    );
    for (let k = 0; k < copies; k++)
      await c.run(
        `INSERT INTO points SELECT measurement, tenant, device || '-c${k}', series, field, time, num, str, bool FROM src.points`,
      );
    await c.run('DETACH src');
    await c.run('CHECKPOINT');
  });
  await db.close();
}

// 4. Through the store port (InfluxDB).
if (PARTS.has(4)) {
  if (!existsSync('/usr/bin/influxd') && !process.env.INFLUX_URL)
    console.log('\n4. influxd is not installed: InfluxDB skipped');
  else {
    const server = await startInfluxd('bench');
    try {
      const store = await InfluxStore.connect({
        url: server.url,
        database: server.database,
        logger: createMemoryLogger('warn').logger,
        timeoutMs: 600_000,
        scanFormat: INFLUX_FORMAT,
        scanChunkRows: INFLUX_CHUNK,
        ...(INFLUX_QUERIES === undefined ? {} : { scanQueries: Number(INFLUX_QUERIES) }),
      });
      const vehicles = INFLUX_VEHICLES * INFLUX_COPIES;
      const have = await store.listDeviceNames('fleet', 'bench');
      if (process.env.INFLUX_URL && have.length > 0)
        console.log(`\n4. reusing the ${have.length} vehicles in ${server.url} (${INFLUX_DAYS} days)`);
      else {
        const t = performance.now();
        const stored = await writeSimulated(store, INFLUX_VEHICLES, INFLUX_DAYS, INFLUX_COPIES);
        console.log(
          `\n4. wrote ${stored.toLocaleString('en-GB')} samples (${vehicles} vehicles × ${INFLUX_DAYS} days) to influxd ${store.serverVersion} in ${((performance.now() - t) / 1000).toFixed(0)} s (not timed)`,
        );
      }
      console.log(
        `   InfluxDB ${store.serverVersion}, scans answered as ${INFLUX_FORMAT} in chunks of ${INFLUX_CHUNK} rows, ${INFLUX_QUERIES ?? 'default'} queries side by side`,
      );
      for (let run = 0; run < INFLUX_RUNS; run++) await reportFromStore(store, INFLUX_DAYS, 'InfluxDB');
      if (INFLUX_RUNS > 0) await scanOnly(store, INFLUX_DAYS);
    } finally {
      await server.destroy();
    }
  }
}

/** The report's week queries alone, decoded into columns and dropped: what the store and the decoding cost. */
async function scanOnly(store: TimeSeriesStore, days: number): Promise<void> {
  const devices = await store.listDeviceNames('fleet', 'bench');
  const end = START + days * 86_400_000;
  const t = performance.now();
  let rows = 0;
  for (let from = START; from < end; from += 7 * 86_400_000)
    rows += await store.scanFields(
      {
        measurement: 'fleet',
        tenant: 'bench',
        devices,
        fields: FLEET_SAMPLE_FIELDS,
        fromMs: from,
        toMs: Math.min(end, from + 7 * 86_400_000),
      },
      () => undefined,
    );
  const s = (performance.now() - t) / 1000;
  console.log(
    `   the scan alone (week queries decoded, no extraction): ${rows.toLocaleString('en-GB')} rows in ${s.toFixed(1)} s = ${(rows / s / 1000).toFixed(0)} k rows/s`,
  );
}
