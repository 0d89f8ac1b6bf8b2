import { afterEach, describe, expect, it } from 'vitest';
import { GreenopsError } from '../core/index.js';
import { AnalysisWorkers } from './analysis-workers.js';
import { wasteOfSeries } from './energy/use-cases.js';
import type { MeterSeries } from './energy/series-from-rows.js';
import { HOUR_MS } from './energy/hourly-series.js';
import { simulatePool } from '../test/fixtures/fleet-pool.js';
import { DEFAULT_FLEET_DEFAULTS } from './fleet/fleet-defaults.js';
import { DEFAULT_FLEET_SETTINGS } from './fleet/fleet-settings.js';
import { FleetPool } from './fleet/fleet-pool.js';
import { fleetReport, type FleetReportInput } from './fleet/fleet-report.js';

const SETTINGS = { priceDkkPerKwh: 2, co2KgPerKwh: 0.1 };

/** Ten weeks of a meter that leaves its load on over the last weekend. */
function meter(name: string): MeterSeries {
  const start = Date.UTC(2025, 0, 6);
  const kwh: number[] = [];
  const temperatureC: number[] = [];
  for (let i = 0; i < 10 * 168; i++) {
    const day = Math.floor(i / 24) % 7;
    const hour = i % 24;
    const occupied = day < 5 && hour >= 7 && hour < 17;
    const leftOn = i >= 9 * 168 + 5 * 24;
    kwh.push((occupied || leftOn ? 40 : 8) + ((i * 7919) % 13) / 13);
    temperatureC.push(5 + 3 * Math.sin((2 * Math.PI * i) / 24));
  }
  return { meter: name, start, kwh, temperatureC, excluded: 0 };
}

describe('analysis workers', () => {
  let workers: AnalysisWorkers | undefined;
  afterEach(async () => workers?.stop());

  it('computes waste in a worker thread exactly as in place', async () => {
    workers = new AnalysisWorkers({ inlineMeterHours: 0 });
    const series = [meter('a'), meter('b')];
    const window = {
      referenceFrom: series[0]!.start,
      fromMs: series[0]!.start + 8 * 168 * HOUR_MS,
      toMs: series[0]!.start + 10 * 168 * HOUR_MS,
    };
    const inWorker = await workers.waste(series, window, SETTINGS);
    expect(inWorker.findings.some((f) => f.kind === 'after_hours')).toBe(true);
    expect(inWorker).toEqual(wasteOfSeries(series, window, SETTINGS));
  }, 60_000);

  it('computes a fleet report in a worker thread exactly as in place', async () => {
    workers = new AnalysisWorkers({ inlineFleetTrips: 0 });
    const sim = simulatePool({ vehicles: 4, days: 7, startMs: Date.UTC(2026, 0, 4, 23) });
    const pool = new FleetPool(DEFAULT_FLEET_SETTINGS);
    for (const [id, list] of sim.records) for (const r of list) pool.addRecord(id, r, Date.parse(r.ts));
    const { sites, vehicles } = pool.finish();
    const input: FleetReportInput = {
      vehicles,
      sites,
      settings: DEFAULT_FLEET_SETTINGS,
      defaults: DEFAULT_FLEET_DEFAULTS,
      temperatures: new Map([['2026-01-06', -8]]),
    };
    const inWorker = await workers.fleetReport(input);
    expect(inWorker.totals.trips).toBeGreaterThan(10);
    expect(inWorker).toEqual(fleetReport(input));
  }, 60_000);

  it('reads invoice files in a worker thread, naming a bad file and line while reading the others', async () => {
    workers = new AnalysisWorkers({ inlineInvoiceChars: 0 });
    const { lines, errors } = await workers.readInvoices([
      {
        name: 'ok.csv',
        text: 'supplier,supplier_id,date,description,quantity,unit,amount,currency\nQ8,DK1,2026-03-10,Diesel,5,LTR,70,DKK\n',
      },
      { name: 'bad.xml', text: '<Invoice><unclosed>\n' },
    ]);
    expect(lines.map((l) => l.description)).toEqual(['Diesel']);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.file).toBe('bad.xml');
    expect(errors[0]!.message).toMatch(/^bad\.xml(:\d+)?: /);
    expect(errors[0]!.message).not.toMatch(/^bad\.xml(:\d+)?: bad\.xml/);
  }, 60_000);

  it('refuses a task beyond its queue bound with BUSY and a Retry-After, instead of piling up work', async () => {
    workers = new AnalysisWorkers({ inlineMeterHours: 0, maxQueued: 1 });
    const series = [meter('a')];
    const window = {
      referenceFrom: series[0]!.start,
      fromMs: series[0]!.start + 8 * 168 * HOUR_MS,
      toMs: series[0]!.start + 10 * 168 * HOUR_MS,
    };
    const running = workers.waste(series, window, SETTINGS);
    const waiting = workers.waste(series, window, SETTINGS);
    const refused = await workers.waste(series, window, SETTINGS).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(GreenopsError);
    expect(refused).toMatchObject({ code: 'BUSY', status: 503, retryAfterSeconds: expect.any(Number) });
    // The two accepted ones still complete.
    expect((await running).findings).toEqual((await waiting).findings);
  }, 60_000);
});
