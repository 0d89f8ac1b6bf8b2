/**
 * npm run bench:fleet — trip extraction and the fleet report at pool scale.
 *
 * 1. Extraction in one process: BENCH_FLEET_VEHICLES (default 20) simulated vehicles for a year are generated into
 *    columns (not timed), then streamed through the trip extractor BENCH_FLEET_COPIES times (default 10) as that many
 *    pools of distinct vehicles, one vehicle after another, as the store path does: samples/s, and the heap's high
 *    water mark (bounded memory: the year is never loaded whole, only one vehicle's columns at a time).
 * 2. The report of the whole pool-year from the extracted trips (sites, utilisation, EV, right-sizing).
 * 3. From the store: BENCH_FLEET_STORE_VEHICLES (default 6) vehicles × BENCH_FLEET_STORE_DAYS (default 28) written to
 *    a DuckDB file (not timed), then FleetService.report over them: samples/s through the store port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamDefinition, type FleetRecord, type Point } from '../core/index.js';
import { FleetSimulator } from '../edge/index.js';
import {
  DEFAULT_FLEET_DEFAULTS,
  DEFAULT_FLEET_SETTINGS,
  FleetPool,
  FleetService,
  fleetReport,
} from '../models/index.js';
import { DuckDbDatabase, DuckDbStore } from '../store/index.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const VEHICLES = env('BENCH_FLEET_VEHICLES', 20);
const COPIES = env('BENCH_FLEET_COPIES', 10);
const STORE_VEHICLES = env('BENCH_FLEET_STORE_VEHICLES', 6);
const STORE_DAYS = env('BENCH_FLEET_STORE_DAYS', 28);
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

console.log(`fleet bench: node ${process.version}, ${VEHICLES} simulated vehicle-years × ${COPIES} copies`);
let generated = performance.now();
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

// 3. Through the store port (DuckDB).
const dir = mkdtempSync(join(tmpdir(), 'greenops-bench-fleet-'));
try {
  const db = await DuckDbDatabase.open(join(dir, 'bench.duckdb'));
  const store = await DuckDbStore.create(db);
  const fleet = streamDefinition<FleetRecord>('fleet');
  const sim = new FleetSimulator({ devices: STORE_VEHICLES, seed: 9, startMs: START });
  const end = START + STORE_DAYS * 86_400_000;
  let stored = 0;
  generated = performance.now();
  for (let i = 0; i < STORE_VEHICLES; i++) {
    let points: Point[] = [];
    while (sim.nextTime(i) < end) {
      for (const r of sim.emit(i) as FleetRecord[])
        points.push(
          ...fleet.toPoints(r, {
            tenant: 'bench',
            deviceId: sim.deviceIds[i] as string,
            timeMs: Date.parse(r.ts),
          }),
        );
      if (points.length >= 20_000) {
        await store.write(points);
        stored += points.length;
        points = [];
      }
    }
    await store.write(points);
    stored += points.length;
  }
  console.log(
    `\n3. stored ${stored.toLocaleString('en-GB')} samples (${STORE_VEHICLES} vehicles × ${STORE_DAYS} days) in DuckDB in ${((performance.now() - generated) / 1000).toFixed(1)} s (not timed)`,
  );
  const service = new FleetService({
    store,
    settings: DEFAULT_FLEET_SETTINGS,
    defaults: DEFAULT_FLEET_DEFAULTS,
  });
  const t3 = performance.now();
  const result = await service.report('bench', START, end);
  const storeS = (performance.now() - t3) / 1000;
  console.log(
    `   FleetService.report from the store: ${result.samples.toLocaleString('en-GB')} samples in ${storeS.toFixed(2)} s = ${(result.samples / storeS / 1000).toFixed(0)} k samples/s; at that rate 40 M samples take ${(40e6 / (result.samples / storeS) / 60).toFixed(1)} min`,
  );
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
