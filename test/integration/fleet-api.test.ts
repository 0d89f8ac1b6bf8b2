import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, streamDefinition, type FleetRecord, type Point } from '../../core/index.js';
import {
  DEFAULT_FLEET_DEFAULTS,
  DEFAULT_FLEET_SETTINGS,
  FLEET_DAILY_MEASUREMENT,
  FLEET_TRIP_MEASUREMENT,
  FleetResultsJob,
  FleetService,
  parseVehicleRegister,
} from '../../models/index.js';
import { DuckDbPersonalData } from '../../store/index.js';
import { startAccessApi, type AccessApi } from '../harness/access-api.js';
import { simulatePool } from '../fixtures/fleet-pool.js';

const START = Date.UTC(2026, 0, 4, 23); // Monday 5 January 2026, local midnight
const DAYS = 10;
const window = `from=${new Date(START).toISOString()}&to=${new Date(START + DAYS * 86_400_000).toISOString()}`;

describe('fleet routes over the real API and a DuckDB store', () => {
  const sim = simulatePool({ vehicles: 6, days: DAYS, startMs: START, seed: 11 });
  let api: AccessApi;
  let fleetKey: string;
  let viewer: string;

  const fleetStream = streamDefinition<FleetRecord>('fleet');

  beforeAll(async () => {
    api = await startAccessApi();
    fleetKey = await api.access.key('fleet', 'aarhus');
    viewer = await api.access.key('viewer', 'aarhus');
    const points: Point[] = [];
    for (const [device, records] of sim.records)
      for (const r of records)
        points.push(
          ...fleetStream.toPoints(r, { tenant: 'aarhus', deviceId: device, timeMs: Date.parse(r.ts) }),
        );
    for (let i = 0; i < points.length; i += 20_000) await api.db.store.write(points.slice(i, i + 20_000));
  }, 300_000);
  afterAll(() => api?.stop());

  it('lists a vehicle’s trips with kilometres within 2 % of what it drove, and no driver', async () => {
    const res = await api.call('GET', `/api/v1/fleet/trips?device=vehicle-002&${window}`, fleetKey);
    expect(res.status).toBe(200);
    const trips = (res.body as { trips: { vehicle: string; km: number; endArea: string }[] }).trips;
    const truth = sim.truthTrips.filter((t) => t.vehicleId === 'vehicle-002');
    const km = trips.reduce((s, t) => s + t.km, 0);
    const truthKm = truth.reduce((s, t) => s + t.km, 0);
    expect(trips.length).toBeGreaterThan(5);
    expect(Math.abs(km - truthKm) / truthKm).toBeLessThan(0.02);
    expect(trips.every((t) => t.vehicle === 'vehicle-002')).toBe(true);
    expect(JSON.stringify(res.body)).not.toMatch(/driver/i);
  });

  it('answers utilisation per vehicle and site with the availability curve', async () => {
    const res = await api.call('GET', `/api/v1/fleet/utilisation?${window}`, viewer);
    expect(res.status).toBe(200);
    const body = res.body as {
      totals: { vehicles: number };
      vehicles: { vehicle: string; daysUsed: number; kmPerDay: { p95: number } }[];
      sites: { site: string; availability: { hour: number; max: number }[] }[];
    };
    expect(body.totals.vehicles).toBe(6);
    expect(body.sites.map((s) => s.site).sort()).toEqual(['site-1', 'site-2']);
    expect(body.sites[0]?.availability).toHaveLength(24);
    expect(body.sites[0]?.availability[3]?.max).toBe(0);
  });

  it('answers EV suitability and right-sizing by site, and refuses an unknown EV model naming the field', async () => {
    const ev = await api.call(
      'GET',
      `/api/v1/fleet/ev-suitability?site=site-1&ev-model=mid-van-75&${window}`,
      fleetKey,
    );
    expect(ev.status).toBe(200);
    const suitability = (ev.body as { evSuitability: { verdict: string; evModel: string }[] }).evSuitability;
    expect(suitability.length).toBeGreaterThan(0);
    // Ten days are under the month EVSA asks for.
    expect(suitability.every((s) => s.verdict === 'insufficient-data' && s.evModel === 'mid-van-75')).toBe(
      true,
    );
    // Ten days are under the 28 right-sizing asks for: every vehicle is left out, with the reason.
    const sizing = await api.call('GET', `/api/v1/fleet/right-sizing?site=site-1&${window}`, fleetKey);
    expect(sizing.status).toBe(200);
    const sized = sizing.body as {
      rightSizing: unknown[];
      rightSizingExcluded: { vehicle: string; site: string; reason: string; detail: string }[];
    };
    expect(sized.rightSizing).toEqual([]);
    expect(sized.rightSizingExcluded).toHaveLength(5);
    for (const x of sized.rightSizingExcluded)
      expect(x).toMatchObject({ site: 'site-1', reason: 'short-history' });
    expect(sized.rightSizingExcluded[0]?.detail).toMatch(/^1[01] days of data; at least 28 are needed$/);
    const unknownParam = await api.call(
      'GET',
      `/api/v1/fleet/right-sizing?site=site-1&evmodel=mid-van-75&${window}`,
      fleetKey,
    );
    expect(unknownParam.status).toBe(400);
    expect(JSON.stringify(unknownParam.body)).toContain('evmodel');
    const withTenant = await api.call(
      'GET',
      `/api/v1/fleet/utilisation?tenant=aarhus&site=site-1&${window}`,
      fleetKey,
    );
    expect(withTenant.status).toBe(200);
    expect((withTenant.body as { warnings: string[] }).warnings).toEqual([]);
    const noSite = await api.call('GET', `/api/v1/fleet/right-sizing?site=site-9&${window}`, fleetKey);
    expect(noSite.status).toBe(404);
    expect(JSON.stringify(noSite.body)).toContain('(sites: site-1, site-2)');
    const bad = await api.call('GET', `/api/v1/fleet/ev-suitability?ev-model=tesla&${window}`, fleetKey);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('ev-model');
    const wide = await api.call('GET', '/api/v1/fleet/trips?from=-400d', fleetKey);
    expect(wide.status).toBe(400);
    expect(JSON.stringify(wide.body)).toContain('from');
    const missing = await api.call('GET', `/api/v1/fleet/trips?device=vehicle-999&${window}`, fleetKey);
    expect(missing.status).toBe(404);
  });

  it('compares each vehicle with its class’s EV model, the class from the stream’s vehicle_class tag', async () => {
    const ev = await api.call('GET', `/api/v1/fleet/ev-suitability?${window}`, viewer);
    expect(ev.status).toBe(200);
    const body = ev.body as {
      evModel: unknown;
      evModels: { id: string; classes: string[] }[];
      evSuitability: { vehicle: string; class: string; classAssumed: boolean; evModel: string }[];
    };
    expect(body.evModel).toBeNull();
    const truth = new Map(sim.truthVehicles.map((v) => [v.vehicleId, v.vehicleClass]));
    const model = { car: 'car-58', van: 'small-van-45' };
    expect(body.evSuitability.length).toBeGreaterThan(2);
    for (const e of body.evSuitability) {
      const cls = truth.get(e.vehicle) as 'car' | 'van';
      expect(e).toMatchObject({ class: cls, classAssumed: false, evModel: model[cls] });
    }
    expect(new Set(body.evSuitability.map((e) => e.class))).toEqual(new Set(['car', 'van']));
    const util = await api.call('GET', `/api/v1/fleet/utilisation?${window}`, viewer);
    for (const v of (util.body as { vehicles: { vehicle: string; class: string; classSource: string }[] })
      .vehicles)
      expect(v).toMatchObject({ class: truth.get(v.vehicle), classSource: 'stream' });
  });

  it('takes the register’s class over the stream’s (GREENOPS_FLEET_VEHICLES)', async () => {
    const problems: string[] = [];
    const register = parseVehicleRegister(
      'vehicle_id,class,fuel,ev_model\nvehicle-001,minibus,diesel,\nvehicle-002,car,petrol,mid-van-75\n',
      'vehicles.csv',
      DEFAULT_FLEET_DEFAULTS,
      (line, reason) => problems.push(`${line}: ${reason}`),
    );
    expect(problems).toEqual([]);
    const fleet = new FleetService({
      store: api.db.store,
      settings: DEFAULT_FLEET_SETTINGS,
      defaults: DEFAULT_FLEET_DEFAULTS,
      register,
    });
    const { report } = await fleet.report('aarhus', START, START + DAYS * 86_400_000);
    expect(report.vehicles.find((v) => v.vehicle === 'vehicle-001')).toMatchObject({
      class: 'minibus',
      classSource: 'register',
    });
    expect(report.evSuitability.find((e) => e.vehicle === 'vehicle-001')).toMatchObject({
      class: 'minibus',
      evModel: 'minibus-100',
      evModelSource: 'class',
    });
    expect(report.evSuitability.find((e) => e.vehicle === 'vehicle-002')).toMatchObject({
      class: 'car',
      evModel: 'mid-van-75',
      evModelSource: 'register',
      current: { fuel: 'petrol' },
    });
  });

  it('writes trips and vehicle-days to the store for the dashboards', async () => {
    const { logger } = createMemoryLogger();
    const job = new FleetResultsJob({
      fleet: new FleetService({
        store: api.db.store,
        settings: DEFAULT_FLEET_SETTINGS,
        defaults: DEFAULT_FLEET_DEFAULTS,
      }),
      tenant: 'aarhus',
      everyMinutes: 60,
      windowDays: DAYS,
      logger,
      now: () => START + DAYS * 86_400_000,
    });
    await job.runOnce();
    const trips = await api.db.store.querySeries({
      measurement: FLEET_TRIP_MEASUREMENT,
      tenant: 'aarhus',
      field: 'km',
      tags: { device: 'vehicle-001' },
      fromMs: START,
      toMs: START + DAYS * 86_400_000,
      limit: 10_000,
    });
    const truth = sim.truthTrips.filter((t) => t.vehicleId === 'vehicle-001' && t.km >= 0.2);
    expect(trips.length).toBe(truth.length);
    const daily = await api.db.store.listDevices(FLEET_DAILY_MEASUREMENT, 'aarhus');
    expect(daily.map((d) => d.device)).toContain('vehicle-001');
    expect(job.metrics().map((m) => m.name)).toContain('greenops_fleet_results_last_run_seconds');
  });

  it('reports from the stored trip summaries once the raw positions are past their retention', async () => {
    const fleet = new FleetService({
      store: api.db.store,
      settings: DEFAULT_FLEET_SETTINGS,
      defaults: DEFAULT_FLEET_DEFAULTS,
    });
    const end = START + DAYS * 86_400_000;
    const before = (await fleet.report('aarhus', START, end)).report;
    // Retention deletes the first half of the raw positions.
    const cut = START + (DAYS / 2) * 86_400_000;
    expect(await new DuckDbPersonalData(api.db.db).deleteOlderThan('fleet', cut)).toBeGreaterThan(0);
    const after = (await fleet.report('aarhus', START, end)).report;
    expect(after.totals.vehicles).toBe(before.totals.vehicles);
    expect(Math.abs(after.totals.km - before.totals.km) / before.totals.km).toBeLessThan(0.01);
    expect(Math.abs(after.totals.trips - before.totals.trips)).toBeLessThanOrEqual(after.totals.vehicles);
    const early = after.trips.filter((t) => Date.parse(t.start) < cut);
    expect(early.length).toBeGreaterThan(0);
    expect(after.vehicles.map((v) => v.site)).toEqual(before.vehicles.map((v) => v.site));
    expect(after.vehicles.map((v) => v.class)).toEqual(before.vehicles.map((v) => v.class));
  });

  it('sizes a site once its vehicles have the history asked for', async () => {
    const fleet = new FleetService({
      store: api.db.store,
      settings: DEFAULT_FLEET_SETTINGS,
      defaults: {
        ...DEFAULT_FLEET_DEFAULTS,
        suitability: { ...DEFAULT_FLEET_DEFAULTS.suitability, minDays: 7 },
      },
    });
    const { report } = await fleet.report('aarhus', START, START + DAYS * 86_400_000);
    expect(report.rightSizing.map((r) => r.site)).toEqual(['site-1', 'site-2']);
    expect(report.rightSizing.find((r) => r.site === 'site-1')).toMatchObject({ vehicles: 5 });
    expect(report.rightSizingExcluded).toEqual([]);
  });
});
