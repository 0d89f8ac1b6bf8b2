import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { poolRegisterCsv, simulatePool } from '../../test/fixtures/fleet-pool.js';
import { SIM_CLASS_USE } from '../../edge/index.js';
import { DEFAULT_FACTOR_TABLE } from '../co2/factor-table.js';
import { driveCo2 } from './fleet-co2.js';
import {
  DEFAULT_FLEET_DEFAULTS as defaults,
  LEGACY_CLASS,
  readFleetDefaults,
  validateFleetDefaults,
  type FleetDefaults,
} from './fleet-defaults.js';
import { DEFAULT_FLEET_SETTINGS } from './fleet-settings.js';
import { FleetPool } from './fleet-pool.js';
import { fleetReport, type FleetReport } from './fleet-report.js';
import {
  parseVehicleRegister,
  readVehicleRegister,
  resolveVehicleClass,
  type VehicleRegister,
} from './vehicle-classes.js';

const REFERENCE = new URL('./reference/', import.meta.url);
const clone = (): FleetDefaults => structuredClone(defaults);

function register(text: string): { register: VehicleRegister; problems: string[] } {
  const problems: string[] = [];
  const reg = parseVehicleRegister(text, 'vehicles.csv', defaults, (line, reason) =>
    problems.push(`vehicles.csv:${line}: ${reason}`),
  );
  return { register: reg, problems };
}

describe('the fleet defaults’ vehicle classes', () => {
  it('ships a car, a van and a minibus, each with its fuel, consumption, costs and EV model', () => {
    expect(defaults.version).toBe('2026.2');
    expect(Object.keys(defaults.classes)).toEqual(['car', 'van', 'minibus']);
    expect(defaults.defaultClass).toBe('van');
    expect(defaults.classes.car).toMatchObject({ ice: { fuel: 'petrol' }, defaultEvModel: 'car-58' });
    expect(defaults.classes.van).toMatchObject({ ice: { fuel: 'diesel' }, defaultEvModel: 'small-van-45' });
    expect(defaults.classes.minibus).toMatchObject({
      ice: { fuel: 'diesel' },
      defaultEvModel: 'minibus-100',
    });
    for (const c of Object.values(defaults.classes)) {
      expect(c.ice.source.length).toBeGreaterThan(10);
      expect(c.bev.source.length).toBeGreaterThan(10);
    }
  });

  it('still reads a 2026.1 file: its one current vehicle and EV model become the class `default`', () => {
    const old = readFleetDefaults(new URL('fleet-defaults-2026.1.json', REFERENCE).pathname);
    const legacy = JSON.parse(readFileSync(new URL('fleet-defaults-2026.1.json', REFERENCE), 'utf8')) as {
      current: { ice: unknown; bev: unknown };
    };
    expect(old.defaultClass).toBe(LEGACY_CLASS);
    expect(Object.keys(old.classes)).toEqual([LEGACY_CLASS]);
    expect(old.classes[LEGACY_CLASS]).toMatchObject({
      ice: legacy.current.ice as object,
      bev: legacy.current.bev as object,
      defaultEvModel: 'small-van-45',
    });
    expect(resolveVehicleClass(old, 'vehicle-001')).toMatchObject({
      class: LEGACY_CLASS,
      classAssumed: true,
      evModel: { id: 'small-van-45' },
    });
  });

  it('refuses a bad file naming the key', () => {
    const noModel = clone();
    (noModel.classes.car as { defaultEvModel: string }).defaultEvModel = 'tesla';
    expect(() => validateFleetDefaults(noModel, 'f.json')).toThrow(
      /f\.json: \/classes\/car\/defaultEvModel: no EV model "tesla" \(models: small-van-45/,
    );
    const noClass = { ...clone(), defaultClass: 'truck' };
    expect(() => validateFleetDefaults(noClass, 'f.json')).toThrow(
      'f.json: /defaultClass: no class "truck" (classes: car, van, minibus)',
    );
    const negative = clone();
    (negative.classes.minibus as { ice: { litresPerKm: number } }).ice.litresPerKm = -1;
    expect(() => validateFleetDefaults(negative, 'f.json')).toThrow(/\/classes\/minibus\/ice\/litresPerKm/);
    const outside = clone();
    (outside.classes.car as { bev: { kwhPerKm: number } }).bev.kwhPerKm = 0.5;
    expect(() => validateFleetDefaults(outside, 'f.json')).toThrow(
      'f.json: /classes/car/bev/kwhPerKmRange: must contain kwhPerKm 0.5',
    );
    const none: Partial<FleetDefaults> = clone();
    delete none.classes;
    expect(() => validateFleetDefaults(none, 'f.json')).toThrow(/\/classes/);
    expect(() => validateFleetDefaults(noClass, 'f.json')).toThrow(
      expect.objectContaining({ field: '/defaultClass', status: 400 }),
    );
  });
});

describe('the vehicle register', () => {
  it('reads classes, fuels, prices and EV models; reports each bad line by number and uses the others', () => {
    const { register: reg, problems } = register(
      [
        'vehicle_id,class,fuel,purchase_dkk,lease_dkk_per_year,ev_model',
        'car-1,car,petrol,190000,,',
        'van-1,van,,,52000,mid-van-75',
        'bus-1,minibus,diesel,,,',
        'x-1,truck,diesel,,,',
        'x-2,car,lpg,,,',
        'x-3,car,petrol,cheap,,',
        'x-4,car,petrol,1,2,',
        'x-5,van,,,,tesla',
        'car-1,van,,,,',
        'x-6,car',
        ',car,,,,',
      ].join('\n'),
    );
    expect([...reg.keys()]).toEqual(['car-1', 'van-1', 'bus-1']);
    expect(reg.get('car-1')).toMatchObject({ class: 'car', fuel: 'petrol', purchaseDkk: 190_000, line: 2 });
    expect(reg.get('van-1')).toMatchObject({ class: 'van', leaseDkkPerYear: 52_000, evModel: 'mid-van-75' });
    expect(reg.get('van-1')?.fuel).toBeUndefined();
    expect(problems).toEqual([
      'vehicles.csv:5: class: "truck" is not a vehicle class (classes: car, van, minibus)',
      'vehicles.csv:6: fuel: "lpg" is not one of diesel, petrol, electric',
      'vehicles.csv:7: purchase_dkk: "cheap" is not an amount in DKK from 0 to 10,000,000',
      'vehicles.csv:8: purchase_dkk and lease_dkk_per_year: give one of them, not both',
      'vehicles.csv:9: ev_model: "tesla" is not an EV model (models: small-van-45, mid-van-75, car-58, minibus-100)',
      'vehicles.csv:10: vehicle_id: "car-1" is already on line 2',
      'vehicles.csv:11: expected as many fields as the header has, got 2',
      'vehicles.csv:12: vehicle_id: "" is not a vehicle id',
    ]);
  });

  it('reports each line lost to an unterminated quote, naming where the quote opened', () => {
    const { register: reg, problems } = register('vehicle_id,class\ncar-1,car\n"car-2,car\nvan-1,van\n');
    expect([...reg.keys()]).toEqual(['car-1']);
    expect(problems).toEqual([
      'vehicles.csv:3: unterminated quote opened on line 3: lines 3–4 (to the end of the file) could not be read',
      'vehicles.csv:4: unterminated quote opened on line 3: lines 3–4 (to the end of the file) could not be read',
    ]);
  });

  it('refuses a register it cannot read, naming the file (the service does not start)', () => {
    expect(() => readVehicleRegister('/nonexistent/vehicles.csv', defaults, () => undefined)).toThrow(
      expect.objectContaining({
        message: '/nonexistent/vehicles.csv: not a readable file',
        field: 'vehicles',
      }),
    );
  });

  it('refuses a file whose header lacks a column or has an unknown one, naming the file', () => {
    expect(() => register('vehicle_id,fuel\nv,petrol\n')).toThrow(
      /vehicles\.csv:1: missing column\(s\) class \(columns: vehicle_id, class, fuel/,
    );
    expect(() => register('vehicle_id,class,price\nv,car,1\n')).toThrow(
      /vehicles\.csv:1: unknown column\(s\) price/,
    );
  });
});

describe('a vehicle’s class and costs', () => {
  const { register: reg } = register(
    [
      'vehicle_id,class,fuel,purchase_dkk,lease_dkk_per_year,ev_model',
      'car-1,car,,190000,,',
      'van-1,van,petrol,,52000,',
      'van-2,van,,,,mid-van-75',
      'ev-1,car,electric,,30000,',
    ].join('\n'),
  );

  it('takes the register’s class first, then the stream’s, then the default (classAssumed)', () => {
    expect(resolveVehicleClass(defaults, 'car-1', { register: reg, streamClass: 'van' })).toMatchObject({
      class: 'car',
      classSource: 'register',
      classAssumed: false,
    });
    expect(resolveVehicleClass(defaults, 'other', { register: reg, streamClass: 'minibus' })).toMatchObject({
      class: 'minibus',
      classSource: 'stream',
      classAssumed: false,
      evModel: { id: 'minibus-100' },
    });
    // A class the defaults do not know, on the stream: the default, and said so.
    expect(resolveVehicleClass(defaults, 'other', { register: reg, streamClass: 'tank' })).toMatchObject({
      class: 'van',
      classSource: 'default',
      classAssumed: true,
    });
  });

  it('compares with a forced EV model, else the register’s, else the class’s', () => {
    const forced = { register: reg, forcedEvModel: 'mid-van-75' };
    expect(resolveVehicleClass(defaults, 'car-1', forced)).toMatchObject({
      evModel: { id: 'mid-van-75' },
      evModelSource: 'forced',
    });
    expect(resolveVehicleClass(defaults, 'van-2', { register: reg })).toMatchObject({
      evModel: { id: 'mid-van-75' },
      evModelSource: 'register',
    });
    expect(resolveVehicleClass(defaults, 'car-1', { register: reg })).toMatchObject({
      evModel: { id: 'car-58' },
      evModelSource: 'class',
    });
  });

  it('costs a vehicle at its register price, or its lease instead of purchase and residual value', () => {
    const car = resolveVehicleClass(defaults, 'car-1', { register: reg });
    expect(car.ice).toMatchObject({ fuel: 'petrol', purchaseDkk: 190_000, leaseDkkPerYear: 0 });
    expect(car.ice.residualShare).toBe(defaults.classes.car?.ice.residualShare);
    const van = resolveVehicleClass(defaults, 'van-1', { register: reg });
    expect(van.ice).toMatchObject({
      fuel: 'petrol',
      purchaseDkk: 0,
      residualShare: 0,
      leaseDkkPerYear: 52_000,
    });
    expect(van.ice.litresPerKm).toBe(defaults.classes.van?.ice.litresPerKm);
    // An electric vehicle's lease is the BEV's; its class's combustion vehicle keeps the class's price.
    const ev = resolveVehicleClass(defaults, 'ev-1', { register: reg });
    expect(ev.bev).toMatchObject({ purchaseDkk: 0, leaseDkkPerYear: 30_000 });
    expect(ev.ice.purchaseDkk).toBe(defaults.classes.car?.ice.purchaseDkk);
  });

  it('estimates CO₂e without counters from the class’s consumption and fuel', () => {
    const table = DEFAULT_FACTOR_TABLE;
    const car = resolveVehicleClass(defaults, 'car-1', { register: reg });
    const van = resolveVehicleClass(defaults, 'van-2', { register: reg });
    const carCo2 = driveCo2('ice', 100, Number.NaN, Number.NaN, defaults, table, car);
    const vanCo2 = driveCo2('ice', 100, Number.NaN, Number.NaN, defaults, table, van);
    expect(carCo2.fuelL).toBeCloseTo(100 * 0.06, 9);
    expect(carCo2.kgCo2e).toBeCloseTo(100 * 0.06 * (table.activity.petrol?.perLitre as number), 9);
    expect(vanCo2.fuelL).toBeCloseTo(100 * 0.075, 9);
    expect(vanCo2.kgCo2e).toBeCloseTo(100 * 0.075 * (table.activity.diesel?.perLitre as number), 9);
    // A BEV without an energy counter: its class's kWh/km.
    const bev = driveCo2('bev', 100, Number.NaN, Number.NaN, defaults, table, car);
    expect(bev.kwhCharged).toBeCloseTo((100 * 0.17) / defaults.charging.efficiency, 9);
  });
});

describe('a mixed simulated pool of cars and vans', () => {
  const START = Date.UTC(2026, 0, 4, 23); // Monday 5 January 2026, local midnight
  const sim = simulatePool({ vehicles: 10, days: 42, startMs: START, seed: 3, classTag: false });
  const truth = new Map(sim.truthVehicles.map((v) => [v.vehicleId, v]));
  const { register: reg, problems } = register(poolRegisterCsv(sim));

  function report(options: {
    register?: VehicleRegister;
    classTag?: boolean;
    evModel?: string;
  }): FleetReport {
    const pool = new FleetPool(DEFAULT_FLEET_SETTINGS);
    for (const [id, list] of sim.records)
      for (const r of list)
        pool.addRecord(id, r, Date.parse(r.ts), options.classTag ? truth.get(id)?.vehicleClass : undefined);
    const { sites, vehicles, dropped } = pool.finish();
    return fleetReport({
      vehicles,
      sites,
      settings: DEFAULT_FLEET_SETTINGS,
      defaults,
      tripsDropped: dropped,
      ...(options.register ? { register: options.register } : {}),
      ...(options.evModel ? { evModel: options.evModel } : {}),
    });
  }

  const byRegister = report({ register: reg });
  const byStream = report({ classTag: true });
  const unclassed = report({});
  const cars = sim.truthVehicles.filter((v) => v.vehicleClass === 'car' && v.powertrain === 'ice');
  const vans = sim.truthVehicles.filter((v) => v.vehicleClass === 'van' && v.powertrain === 'ice');

  it('compares a leased van with a leased EV (ev_lease_dkk_per_year): leases on both sides, no purchase', () => {
    const van = vans[0]?.vehicleId as string;
    const { register: leased, problems: refused } = register(
      `vehicle_id,class,fuel,lease_dkk_per_year,ev_lease_dkk_per_year\n${van},van,diesel,52000,61000\n`,
    );
    expect(refused).toEqual([]);
    const e = report({ register: leased }).evSuitability.find((x) => x.vehicle === van);
    expect(e?.current.tco).toMatchObject({ purchaseDkk: 0, residualDkk: 0, yearly: { leaseDkk: 52_000 } });
    expect(e?.ev.tco).toMatchObject({ purchaseDkk: 0, residualDkk: 0, yearly: { leaseDkk: 61_000 } });
    // Bought (the class's price) without it.
    const bought = byRegister.evSuitability.find((x) => x.vehicle === van);
    expect(bought?.ev.tco.purchaseDkk).toBeGreaterThan(0);
    expect(bought?.ev.tco.yearly.leaseDkk).toBe(0);
    expect(register(`vehicle_id,class,ev_lease_dkk_per_year\n${van},van,lots\n`).problems).toEqual([
      'vehicles.csv:2: ev_lease_dkk_per_year: "lots" is not an amount in DKK from 0 to 10,000,000',
    ]);
  });

  it('has cars and vans, petrol and diesel, in its ground truth and register', () => {
    expect(problems).toEqual([]);
    expect(cars.length).toBeGreaterThan(0);
    expect(vans.length).toBeGreaterThan(0);
    expect(new Set(sim.truthVehicles.map((v) => v.fuel))).toEqual(new Set(['petrol', 'diesel', 'electric']));
    // A car burns less per km than a van: the counters show the class's consumption.
    const perKm = (id: string) => {
      const trips = sim.truthTrips.filter((t) => t.vehicleId === id);
      return trips.reduce((s, t) => s + t.fuelL, 0) / trips.reduce((s, t) => s + t.km, 0);
    };
    for (const c of cars) expect(perKm(c.vehicleId)).toBeLessThan(SIM_CLASS_USE.van.litresPerKm);
    for (const v of vans) expect(perKm(v.vehicleId)).toBeGreaterThan(SIM_CLASS_USE.van.litresPerKm * 0.95);
  });

  it('compares a small car with a small EV and a van with an e-van, each against its own current costs', () => {
    for (const r of [byRegister, byStream]) {
      expect(r.evModel).toBeNull();
      for (const c of cars) {
        const e = r.evSuitability.find((x) => x.vehicle === c.vehicleId);
        expect(e).toMatchObject({
          class: 'car',
          classAssumed: false,
          evModel: 'car-58',
          evModelSource: 'class',
        });
        expect(e?.current.fuel).toBe('petrol');
        expect(e?.current.tco.purchaseDkk).toBe(defaults.classes.car?.ice.purchaseDkk);
        expect(e?.ev.tco.purchaseDkk).toBe(defaults.evModels['car-58']?.purchaseDkk);
      }
      for (const v of vans) {
        const e = r.evSuitability.find((x) => x.vehicle === v.vehicleId);
        expect(e).toMatchObject({ class: 'van', classAssumed: false, evModel: 'small-van-45' });
        expect(e?.current.fuel).toBe('diesel');
        expect(e?.current.tco.purchaseDkk).toBe(defaults.classes.van?.ice.purchaseDkk);
      }
      expect(r.evModels.map((m) => [m.id, m.classes])).toEqual([
        ['car-58', ['car']],
        ['small-van-45', ['van']],
      ]);
    }
    const carIds = new Set(cars.map((c) => c.vehicleId));
    const vanIds = new Set(vans.map((v) => v.vehicleId));
    for (const r of byRegister.vehicles)
      expect(r).toMatchObject({
        class: truth.get(r.vehicle)?.vehicleClass,
        classAssumed: false,
        classSource: 'register',
      });
    // Different TCO results: each vehicle's saving is its own, and a car's EV costs less than a van's e-van.
    const carEvs = byRegister.evSuitability.filter((e) => carIds.has(e.vehicle));
    const vanEvs = byRegister.evSuitability.filter((e) => vanIds.has(e.vehicle));
    const savings = [...carEvs, ...vanEvs].map((e) => e.tcoSavingDkk);
    expect(new Set(savings).size).toBe(savings.length);
    expect(Math.max(...carEvs.map((e) => e.ev.tco.purchaseDkk))).toBeLessThan(
      Math.min(...vanEvs.map((e) => e.ev.tco.purchaseDkk)),
    );
  });

  it('costs petrol cars with petrol and the unclassed pool as the default class, saying so', () => {
    for (const c of cars) {
      const v = byRegister.vehicles.find((x) => x.vehicle === c.vehicleId);
      expect(v?.kgCo2e).toBeCloseTo(
        (v?.fuelL ?? 0) * (DEFAULT_FACTOR_TABLE.activity.petrol?.perLitre as number),
        -1,
      );
      const e = byRegister.evSuitability.find((x) => x.vehicle === c.vehicleId);
      const assumed = unclassed.evSuitability.find((x) => x.vehicle === c.vehicleId);
      expect(assumed).toMatchObject({ class: 'van', classAssumed: true, evModel: 'small-van-45' });
      expect(assumed?.current.fuel).toBe('diesel');
      expect(e?.current.tco.npvDkk).not.toBe(assumed?.current.tco.npvDkk);
    }
    expect(unclassed.vehicles.every((v) => v.classAssumed && v.classSource === 'default')).toBe(true);
  });

  it('still compares every vehicle with one EV model when forced (--ev-model)', () => {
    const forced = report({ register: reg, evModel: 'mid-van-75' });
    expect(forced.evModel).toMatchObject({ id: 'mid-van-75' });
    expect(
      forced.evSuitability.every((e) => e.evModel === 'mid-van-75' && e.evModelSource === 'forced'),
    ).toBe(true);
    // The current vehicles are still each their own class's.
    for (const c of cars)
      expect(forced.evSuitability.find((e) => e.vehicle === c.vehicleId)?.current.fuel).toBe('petrol');
  });

  it('saves in right-sizing what each removed vehicle of its class costs to own', () => {
    for (const r of byRegister.rightSizing) {
      expect(r.removals.map((x) => x.vehicle)).toEqual(r.remove);
      for (const x of r.removals) expect(x.class).toBe(truth.get(x.vehicle)?.vehicleClass);
      const sum = r.removals.reduce((s, x) => s + x.ownershipDkkPerYear, 0);
      expect(Math.abs(r.savingsDkkPerYear.removal - sum)).toBeLessThanOrEqual(r.removals.length);
      for (const x of r.evReplacements) expect(x.class).toBe(truth.get(x.vehicle)?.vehicleClass);
    }
    const removedCars = byRegister.rightSizing.flatMap((r) => r.removals).filter((x) => x.class === 'car');
    const removedVans = byRegister.rightSizing.flatMap((r) => r.removals).filter((x) => x.class === 'van');
    if (removedCars.length > 0 && removedVans.length > 0)
      expect(removedCars[0]?.ownershipDkkPerYear).not.toBe(removedVans[0]?.ownershipDkkPerYear);
  });
});
