import { describe, expect, it } from 'vitest';
import { simulatePool } from '../../test/fixtures/fleet-pool.js';
import { DEFAULT_FLEET_DEFAULTS, rangeShareAt } from './fleet-defaults.js';
import { DEFAULT_FLEET_SETTINGS } from './fleet-settings.js';
import { FleetPool } from './fleet-pool.js';
import { fleetReport } from './fleet-report.js';
import { tco } from './tco.js';

const START = Date.UTC(2026, 0, 4, 23); // Monday 5 January 2026, local midnight

describe('the fleet report of a simulated winter pool', () => {
  const sim = simulatePool({ vehicles: 10, days: 42, startMs: START, seed: 3 });
  const pool = new FleetPool(DEFAULT_FLEET_SETTINGS);
  for (const [id, list] of sim.records) for (const r of list) pool.addRecord(id, r, Date.parse(r.ts));
  const { sites, vehicles, dropped } = pool.finish();
  const report = fleetReport({
    vehicles,
    sites,
    settings: DEFAULT_FLEET_SETTINGS,
    defaults: DEFAULT_FLEET_DEFAULTS,
    tripsDropped: dropped,
  });
  const usage = (u: string) => sim.truthVehicles.filter((v) => v.usage === u).map((v) => v.vehicleId);

  it('totals the kilometres the vehicles drove, within 2 %', () => {
    const truthKm = sim.truthTrips.reduce((s, t) => s + t.km, 0);
    expect(Math.abs(report.totals.km - truthKm) / truthKm).toBeLessThan(0.02);
    expect(report.totals.vehicles).toBe(10);
    expect(report.totals.trips).toBe(report.trips.length);
  });

  it('takes CO₂e from the fuel counter (scope 1) and from the energy counter (scope 2)', () => {
    const ice = report.vehicles.find((v) => v.powertrain === 'ice');
    const bev = report.vehicles.find((v) => v.powertrain === 'bev');
    expect(ice).toMatchObject({ co2Method: 'fuel-counter', scope: 1 });
    expect(bev).toMatchObject({ co2Method: 'energy-counter', scope: 2 });
    const truthFuel = sim.truthTrips
      .filter((t) => t.vehicleId === ice?.vehicle)
      .reduce((s, t) => s + t.fuelL, 0);
    expect(ice?.fuelL).toBeCloseTo(truthFuel, 0);
    expect(ice?.kgCo2e).toBeCloseTo((ice?.fuelL ?? 0) * 2.66, -1);
  });

  it('finds the long-distance vehicles’ winter days beyond a small EV’s cold range, and passes the regular ones', () => {
    for (const id of usage('long')) {
      const s = report.evSuitability.find((e) => e.vehicle === id);
      expect(s?.verdict).not.toBe('suitable');
      expect(s?.failedDays.some((d) => d.reason === 'range' && d.km > d.rangeKm)).toBe(true);
    }
    const regularIce = usage('regular').filter(
      (id) => report.vehicles.find((v) => v.vehicle === id)?.powertrain === 'ice',
    );
    for (const id of regularIce)
      expect(report.evSuitability.find((e) => e.vehicle === id)?.shareCovered).toBeGreaterThanOrEqual(0.98);
    expect(
      report.evSuitability.some((e) => e.vehicle.length > 0 && usage('regular').includes(e.vehicle)),
    ).toBe(true);
  });

  it('sizes each depot below today’s pool and removes the spare vehicles', () => {
    expect(report.rightSizing).toHaveLength(2);
    for (const r of report.rightSizing) {
      expect(r.recommended).toBeLessThan(r.vehicles);
      expect(r.recommended).toBeGreaterThan(0);
      const spare = usage('spare').filter(
        (id) => report.vehicles.find((v) => v.vehicle === id)?.site === r.site,
      );
      expect(r.remove).toEqual(expect.arrayContaining(spare));
      expect(r.savingsDkkPerYear.removal).toBeGreaterThan(0);
    }
  });

  it('leaves vehicles without a home site or with under 28 days of data out of right-sizing and its savings', () => {
    const DAY = 86_400_000;
    // Ten short-lived vehicles (a day each) at no learned site, and one at site-1 with a week of data.
    const base = vehicles.find((v) => v.home === 'site-1') as (typeof vehicles)[number];
    const visitors = Array.from({ length: 10 }, (_, i) => ({
      ...base,
      vehicleId: `visitor-${i}`,
      home: null,
      lastMs: base.firstMs + 2 * 3_600_000,
      trips: [],
    }));
    const newcomer = {
      ...base,
      vehicleId: 'newcomer',
      lastMs: base.firstMs + 6 * DAY + 2 * 3_600_000,
      trips: base.trips.filter((t) => t.endMs < base.firstMs + 6 * DAY),
    };
    const mixed = fleetReport({
      vehicles: [...vehicles, ...visitors, newcomer],
      sites,
      settings: DEFAULT_FLEET_SETTINGS,
      defaults: DEFAULT_FLEET_DEFAULTS,
    });
    expect(mixed.rightSizing.map((r) => r.site)).toEqual(['site-1', 'site-2']);
    expect(mixed.sites.map((s) => s.site)).toContain('unknown');
    const site1 = mixed.rightSizing.find((r) => r.site === 'site-1');
    expect(site1).toEqual(report.rightSizing.find((r) => r.site === 'site-1'));
    expect(mixed.rightSizingExcluded).toHaveLength(11);
    for (const x of mixed.rightSizingExcluded.filter((e) => e.vehicle.startsWith('visitor-')))
      expect(x).toMatchObject({ site: null, reason: 'no-home-site', daysObserved: 1 });
    expect(mixed.rightSizingExcluded.find((x) => x.vehicle === 'newcomer')).toEqual({
      vehicle: 'newcomer',
      site: 'site-1',
      reason: 'short-history',
      daysObserved: 7,
      detail: '7 days of data; at least 28 are needed',
    });
    expect(report.rightSizingExcluded).toEqual([]);
  });

  it('derates the EV’s yearly energy month by month, not at the observed winter’s consumption all year', () => {
    const e = report.evSuitability.find((x) => x.kmPerYear > 0) as (typeof report.evSuitability)[number];
    const winterAllYear = e.ev.kwhPerKm * e.kmPerYear;
    expect(e.ev.kwhPerYear).toBeLessThan(winterAllYear * 0.95);
    const d = DEFAULT_FLEET_DEFAULTS;
    const m = d.evModels[e.evModel] as { usableKwh: number; wltpKm: number };
    const days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const expected = days.reduce(
      (sum, n, i) =>
        sum +
        (e.kmPerYear * n * m.usableKwh) /
          (m.wltpKm *
            rangeShareAt(
              d,
              (d.monthlyTemperatureC.values[i] as number) + d.monthlyTemperatureC.coldDayOffsetC,
            ) *
            365 *
            d.charging.efficiency),
      0,
    );
    expect(Math.abs(e.ev.kwhPerYear - expected)).toBeLessThan(0.02 * expected);
    expect(e.ev.tco.yearly.energyDkk).toBeCloseTo(e.ev.kwhPerYear * d.prices.electricityDkkPerKwh, -2);
  });

  it('rounds temperatures and ranges to a tenth, and formats TCO amounts as the other amounts', () => {
    // No temperature series: the monthly normals plus the cold-day offset, which do not add up to a tenth exactly.
    const tenth = (v: number) => Math.abs(v * 10 - Math.round(v * 10)) < 1e-9;
    const days = report.evSuitability.flatMap((e) => [
      ...e.failedDays,
      ...(e.coldestDay ? [e.coldestDay] : []),
    ]);
    expect(days.length).toBeGreaterThan(0);
    for (const d of days) {
      expect(tenth(d.temperatureC), `${d.temperatureC}`).toBe(true);
      expect(tenth(d.rangeKm), `${d.rangeKm}`).toBe(true);
      expect(String(d.temperatureC).length).toBeLessThanOrEqual(5);
    }
    const tco = report.evSuitability.flatMap((e) => e.reasons).filter((r) => r.startsWith('TCO'));
    for (const r of tco) expect(r).toMatch(/ years (\d{1,3}(,\d{3})*) DKK (lower|higher)/);
    expect(tco.some((r) => /\d,\d{3} DKK/.test(r))).toBe(true);
  });

  it('warns once per vehicle of an unknown stream vehicle_class, and of register vehicles not in the data', () => {
    const tagged = vehicles.map((v, i) => (i < 2 ? { ...v, vehicleClass: 'truck' } : v));
    const register = new Map([['ghost', { vehicleId: 'ghost', class: 'car', line: 7 }]]);
    const r = fleetReport({
      vehicles: tagged,
      sites,
      settings: DEFAULT_FLEET_SETTINGS,
      defaults: DEFAULT_FLEET_DEFAULTS,
      register,
    });
    expect(r.warnings).toEqual([
      `${tagged[0]?.vehicleId}: stream vehicle_class "truck" is not a vehicle class (classes: car, van, minibus); taken as van`,
      `${tagged[1]?.vehicleId}: stream vehicle_class "truck" is not a vehicle class (classes: car, van, minibus); taken as van`,
      'ghost: in the vehicle register (line 7) but not seen in the data',
    ]);
    expect(report.warnings).toEqual([]);
  });

  it('never shows a driver pseudonym or an exact trip end', () => {
    const text = JSON.stringify(report);
    const drivers = new Set(
      [...sim.records.values()]
        .flat()
        .map((r) => r.driverId)
        .filter(Boolean),
    );
    for (const d of drivers) expect(text).not.toContain(d);
    expect(report.sites.every((s) => s.lat === null && s.lon === null)).toBe(true);
    for (const t of report.trips) expect(t.endArea).toMatch(/^(site:site-\d|grid:\d+\.\d{4},\d+\.\d{4})$/);
  });
});

describe('the EV derating curve and the TCO method', () => {
  it('interpolates between points and keeps the ends flat', () => {
    expect(rangeShareAt(DEFAULT_FLEET_DEFAULTS, 0)).toBeCloseTo(0.72);
    expect(rangeShareAt(DEFAULT_FLEET_DEFAULTS, -7.5)).toBeCloseTo(0.63);
    expect(rangeShareAt(DEFAULT_FLEET_DEFAULTS, -40)).toBeCloseTo(0.5);
  });

  it('discounts yearly costs and the residual value at 4 % over 4 years', () => {
    const t = tco(DEFAULT_FLEET_DEFAULTS, 100_000, 0.5, {
      energyDkk: 10_000,
      maintenanceDkk: 0,
      taxDkk: 0,
      insuranceDkk: 0,
      co2Dkk: 0,
    });
    // 100 000 − 50 000 / 1.04⁴ + 10 000 × (1 − 1.04⁻⁴) / 0.04
    expect(t.npvDkk).toBeCloseTo(100_000 - 42_740.21 + 36_298.95, 0);
  });
});
