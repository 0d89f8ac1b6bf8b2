import { DEFAULT_FACTOR_TABLE, type FactorTable } from '../co2/factor-table.js';
import { driveCo2, type Co2Method, type Powertrain } from './fleet-co2.js';
import { evModelOf, type EvModel, type FleetDefaults } from './fleet-defaults.js';
import type { FleetSettings, FleetSite } from './fleet-settings.js';
import { evSuitability, type EvSuitability } from './ev-suitability.js';
import { DanishClock, dayCount, localDate } from './local-clock.js';
import { rightSizing, type RightSizing } from './right-sizing.js';
import type { TripSummary } from './trips.js';
import {
  availabilityCurve,
  vehicleUtilisation,
  type HourAvailability,
  type VehicleUtilisation,
} from './utilisation.js';
import { vehicleTimeline, type VehicleTimeline, type VehicleTrips } from './vehicle-days.js';
import {
  resolveVehicleClass,
  type ClassSource,
  type VehicleCosting,
  type VehicleRegister,
} from './vehicle-classes.js';

export interface TripRow {
  vehicle: string;
  site: string | null;
  start: string;
  end: string;
  /** `site:<id>` or `grid:<lat>,<lon>` (~100 m cell): never the exact position. */
  startArea: string;
  endArea: string;
  km: number;
  distanceSource: 'odometer' | 'gps';
  durationMin: number;
  movingMin: number;
  idleMin: number;
  /** km / duration. */
  avgKmh: number;
  maxKmh: number;
  fuelL: number | null;
  kwh: number | null;
  kgCo2e: number;
  co2Method: Co2Method;
}

export interface VehicleRow extends VehicleUtilisation {
  vehicle: string;
  /** Vehicle class (fleet defaults' `classes`): from the register, the stream's `vehicle_class`, or the default. */
  class: string;
  /** No register line or stream tag named the class: `defaultClass` was taken. */
  classAssumed: boolean;
  classSource: ClassSource;
  powertrain: Powertrain;
  powertrainAssumed: boolean;
  site: string | null;
  trips: number;
  roundTrips: number;
  km: number;
  fuelL: number;
  kwh: number;
  kgCo2e: number;
  kgCo2eLow: number;
  kgCo2eHigh: number;
  co2Method: Co2Method;
  scope: 1 | 2;
}

export interface SiteRow {
  site: string;
  /** The site's position rounded to ~100 m (a depot, not a person's address). */
  lat: number | null;
  lon: number | null;
  vehicles: number;
  trips: number;
  km: number;
  kgCo2e: number;
  daysUsedShare: number;
  hourShare: number;
  availability: HourAvailability[];
}

/** An EV model as the report names it. */
export interface EvModelRef {
  id: string;
  name: string;
  usableKwh: number;
  wltpKm: number;
}

export interface FleetReport {
  period: { from: string; to: string; days: number };
  /** The one EV model every vehicle was compared with (`--ev-model`), or null: each class's (see `evModels`). */
  evModel: EvModelRef | null;
  /** The EV models compared, each with the classes and number of combustion vehicles compared with it. */
  evModels: (EvModelRef & { classes: string[]; vehicles: number })[];
  totals: { vehicles: number; trips: number; km: number; fuelL: number; kwh: number; kgCo2e: number };
  vehicles: VehicleRow[];
  trips: TripRow[];
  sites: SiteRow[];
  evSuitability: EvSuitability[];
  rightSizing: RightSizing[];
  /**
   * Vehicles left out of right-sizing and its savings: no learned or configured home site (`unknown`), or less
   * history than the EV-suitability minimum (`suitability.minDays`, 28 days).
   */
  rightSizingExcluded: RightSizingExclusion[];
  /**
   * What the report had to assume or leave out: a stream `vehicle_class` that is not a class of the defaults (the
   * default class taken; once per vehicle), register vehicles with no data in the period.
   */
  warnings: string[];
  tripsDropped: number;
}

export interface RightSizingExclusion {
  vehicle: string;
  site: string | null;
  reason: 'no-home-site' | 'short-history';
  /** Days of data of the vehicle. */
  daysObserved: number;
  detail: string;
}

export interface FleetReportInput {
  vehicles: (VehicleTrips & { powertrainAssumed?: boolean })[];
  sites: readonly FleetSite[];
  settings: FleetSettings;
  defaults: FleetDefaults;
  /** One EV model for every vehicle; default: each vehicle's (register, else its class's). */
  evModel?: string;
  /** The vehicle register (class, fuel, price, EV model per vehicle). */
  register?: VehicleRegister;
  /** Daily minimum outdoor temperature by local date (YYYY-MM-DD). */
  temperatures?: ReadonlyMap<string, number>;
  factors?: FactorTable;
  tripsDropped?: number;
  /** Leave the trip list out (API summaries over long periods). */
  withTrips?: boolean;
}

const round = (v: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
const finiteOrNull = (v: number) => (Number.isFinite(v) ? round(v, 3) : null);

/** The whole fleet report: trips, per-vehicle utilisation and CO₂e, sites and availability, EV suitability, right-sizing. */
export function fleetReport(input: FleetReportInput): FleetReport {
  const { settings, defaults } = input;
  const factors = input.factors ?? DEFAULT_FACTOR_TABLE;
  const forced = input.evModel === undefined ? undefined : evModelOf(defaults, input.evModel);
  const temperatures = input.temperatures ?? new Map<string, number>();
  const clock = new DanishClock();
  const costings = new Map<string, VehicleCosting>();
  const warnings: string[] = [];
  const withClass = input.vehicles
    .filter((v) => Number.isFinite(v.firstMs))
    .map((v) => {
      const c = resolveVehicleClass(defaults, v.vehicleId, {
        register: input.register,
        streamClass: v.vehicleClass,
        forcedEvModel: forced?.id,
      });
      costings.set(v.vehicleId, c);
      if (c.classSource === 'default' && v.vehicleClass !== undefined)
        warnings.push(
          `${v.vehicleId}: stream vehicle_class "${v.vehicleClass}" is not a vehicle class (classes: ${Object.keys(defaults.classes).join(', ')}); taken as ${c.class}`,
        );
      // A powertrain the stream did not report is the register's when it gives a fuel.
      if (v.powertrainAssumed !== false && c.registerFuel !== undefined)
        return {
          ...v,
          powertrain: c.registerFuel === 'electric' ? 'bev' : 'ice',
          powertrainAssumed: false,
        } as const;
      return v;
    });
  const seen = new Set(withClass.map((v) => v.vehicleId));
  for (const entry of input.register?.values() ?? [])
    if (!seen.has(entry.vehicleId))
      warnings.push(
        `${entry.vehicleId}: in the vehicle register (line ${entry.line}) but not seen in the data`,
      );
  const timelines = withClass.map((v) => vehicleTimeline(v, settings, clock));
  const utilisation = new Map(timelines.map((t) => [t.vehicle.vehicleId, vehicleUtilisation(t, settings)]));
  const trips: TripRow[] = [];
  const vehicles: VehicleRow[] = [];
  for (const t of timelines) {
    const v = t.vehicle;
    const costing = costings.get(v.vehicleId) as VehicleCosting;
    let km = 0;
    let fuel = 0;
    let kwh = 0;
    let kg = 0;
    let low = 0;
    let high = 0;
    let method: Co2Method | undefined;
    for (const trip of v.trips) {
      const co2 = driveCo2(v.powertrain, trip.km, trip.fuelL, trip.kwh, defaults, factors, costing);
      km += trip.km;
      fuel += co2.fuelL;
      kwh += co2.kwhCharged;
      kg += co2.kgCo2e;
      low += co2.low;
      high += co2.high;
      method = method === undefined || method === co2.method ? co2.method : 'distance';
      if (input.withTrips !== false) trips.push(tripRow(trip, v, co2.kgCo2e, co2.method));
    }
    vehicles.push({
      vehicle: v.vehicleId,
      class: costing.class,
      classAssumed: costing.classAssumed,
      classSource: costing.classSource,
      powertrain: v.powertrain,
      powertrainAssumed: (v as { powertrainAssumed?: boolean }).powertrainAssumed ?? false,
      site: v.home,
      trips: v.trips.length,
      roundTrips: t.roundTrips.length,
      km: round(km, 1),
      fuelL: round(fuel, 1),
      kwh: round(kwh, 1),
      kgCo2e: round(kg, 1),
      kgCo2eLow: round(low, 1),
      kgCo2eHigh: round(high, 1),
      co2Method: method ?? (v.powertrain === 'bev' ? 'energy-counter' : 'fuel-counter'),
      scope: v.powertrain === 'bev' ? 2 : 1,
      ...roundUtilisation(utilisation.get(v.vehicleId) as VehicleUtilisation),
    });
  }
  const suitability = new Map<string, EvSuitability>();
  for (const t of timelines)
    if (t.vehicle.powertrain !== 'bev')
      suitability.set(
        t.vehicle.vehicleId,
        evSuitability(
          t,
          costings.get(t.vehicle.vehicleId) as VehicleCosting,
          defaults,
          temperatures,
          factors,
        ),
      );
  const bySite = new Map<string, VehicleTimeline[]>();
  for (const t of timelines) {
    const key = t.vehicle.home ?? 'unknown';
    bySite.set(key, [...(bySite.get(key) ?? []), t]);
  }
  const sites: SiteRow[] = [];
  const sizing: RightSizing[] = [];
  const excluded: RightSizingExclusion[] = [];
  const minDays = defaults.suitability.minDays;
  for (const [site, ts] of [...bySite].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rows = vehicles.filter((v) => (v.site ?? 'unknown') === site);
    // A learned site could be where a driver parks at home: only a configured depot's position is shown.
    const known = settings.sites.find((s) => s.id === site);
    const workingDays = rows.reduce((s, r) => s + r.workingDays, 0);
    sites.push({
      site,
      lat: known ? round(known.lat, 3) : null,
      lon: known ? round(known.lon, 3) : null,
      vehicles: rows.length,
      trips: rows.reduce((s, r) => s + r.trips, 0),
      km: round(
        rows.reduce((s, r) => s + r.km, 0),
        1,
      ),
      kgCo2e: round(
        rows.reduce((s, r) => s + r.kgCo2e, 0),
        1,
      ),
      daysUsedShare: workingDays ? round(rows.reduce((s, r) => s + r.daysUsed, 0) / workingDays, 3) : 0,
      hourShare: round(
        rows.reduce((s, r) => s + r.hoursInUse, 0) /
          Math.max(1, workingDays * (settings.workingHours[1] - settings.workingHours[0])),
        3,
      ),
      availability: availabilityCurve(ts, clock),
    });
    // A pool is sized only from vehicles known to belong to it, with enough history to judge a service level.
    const eligible: VehicleTimeline[] = [];
    for (const t of ts) {
      const days = t.lastDay - t.firstDay + 1;
      const vehicle = t.vehicle.vehicleId;
      if (t.vehicle.home === null)
        excluded.push({
          vehicle,
          site: null,
          reason: 'no-home-site',
          daysObserved: days,
          detail: 'no home site learned from overnight parking (or configured)',
        });
      else if (days < minDays)
        excluded.push({
          vehicle,
          site,
          reason: 'short-history',
          daysObserved: days,
          detail: `${dayCount(days)} of data; at least ${minDays} are needed`,
        });
      else eligible.push(t);
    }
    if (eligible.length > 0)
      sizing.push(rightSizing(site, eligible, utilisation, suitability, defaults, clock, costings));
  }
  const firstDay = Math.min(...timelines.map((t) => t.firstDay));
  const lastDay = Math.max(...timelines.map((t) => t.lastDay));
  return {
    period: timelines.length
      ? { from: localDate(firstDay), to: localDate(lastDay), days: lastDay - firstDay + 1 }
      : { from: '', to: '', days: 0 },
    evModel: forced ? modelRef(forced) : null,
    evModels: modelsCompared([...suitability.values()], costings),
    totals: {
      vehicles: vehicles.length,
      trips: vehicles.reduce((s, v) => s + v.trips, 0),
      km: round(
        vehicles.reduce((s, v) => s + v.km, 0),
        1,
      ),
      fuelL: round(
        vehicles.reduce((s, v) => s + v.fuelL, 0),
        1,
      ),
      kwh: round(
        vehicles.reduce((s, v) => s + v.kwh, 0),
        1,
      ),
      kgCo2e: round(
        vehicles.reduce((s, v) => s + v.kgCo2e, 0),
        1,
      ),
    },
    vehicles,
    trips,
    sites,
    evSuitability: [...suitability.values()].map(roundSuitability),
    rightSizing: sizing.map((r) => ({
      ...r,
      removals: r.removals.map((x) => ({ ...x, ownershipDkkPerYear: Math.round(x.ownershipDkkPerYear) })),
      evReplacements: r.evReplacements.map((x) => ({
        ...x,
        tcoSavingDkkPerYear: Math.round(x.tcoSavingDkkPerYear),
        co2SavingKgPerYear: Math.round(x.co2SavingKgPerYear),
      })),
      savingsDkkPerYear: {
        removal: Math.round(r.savingsDkkPerYear.removal),
        evReplacement: Math.round(r.savingsDkkPerYear.evReplacement),
        total: Math.round(r.savingsDkkPerYear.total),
      },
      co2SavingKgPerYear: round(r.co2SavingKgPerYear, 0),
      serviceByPoolSize: r.serviceByPoolSize.map((s) => ({
        ...s,
        daysServedShare: round(s.daysServedShare, 3),
      })),
    })),
    rightSizingExcluded: excluded,
    warnings,
    tripsDropped: input.tripsDropped ?? 0,
  };
}

function modelRef(m: EvModel & { id: string }): EvModelRef {
  return { id: m.id, name: m.name, usableKwh: m.usableKwh, wltpKm: m.wltpKm };
}

/** The EV models of the suitability entries, in the defaults' order of first use, with their classes. */
function modelsCompared(
  entries: readonly EvSuitability[],
  costings: ReadonlyMap<string, VehicleCosting>,
): FleetReport['evModels'] {
  const out = new Map<string, FleetReport['evModels'][number]>();
  for (const e of entries) {
    const c = costings.get(e.vehicle) as VehicleCosting;
    const m = out.get(c.evModel.id) ?? { ...modelRef(c.evModel), classes: [], vehicles: 0 };
    if (!m.classes.includes(c.class)) m.classes.push(c.class);
    m.vehicles++;
    out.set(c.evModel.id, m);
  }
  return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

function tripRow(trip: TripSummary, v: VehicleTrips, kgCo2e: number, co2Method: Co2Method): TripRow {
  const hours = (trip.endMs - trip.startMs) / 3_600_000;
  return {
    vehicle: v.vehicleId,
    site: v.home,
    start: new Date(trip.startMs).toISOString(),
    end: new Date(trip.endMs).toISOString(),
    startArea: trip.startArea,
    endArea: trip.endArea,
    km: round(trip.km, 2),
    distanceSource: trip.distanceSource,
    durationMin: round(hours * 60, 1),
    movingMin: round(trip.movingSeconds / 60, 1),
    idleMin: round(trip.idleSeconds / 60, 1),
    avgKmh: hours > 0 ? round(trip.km / hours, 1) : 0,
    maxKmh: round(trip.maxKmh, 1),
    fuelL: finiteOrNull(trip.fuelL),
    kwh: finiteOrNull(trip.kwh),
    kgCo2e: round(kgCo2e, 2),
    co2Method,
  };
}

function roundUtilisation(u: VehicleUtilisation): VehicleUtilisation {
  return {
    ...u,
    dayShare: round(u.dayShare, 3),
    hoursInUse: round(u.hoursInUse, 1),
    hourShare: round(u.hourShare, 3),
    drivingHours: round(u.drivingHours, 1),
    idleHours: round(u.idleHours, 1),
    idleShare: round(u.idleShare, 3),
    kmPerDay: { p50: round(u.kmPerDay.p50, 1), p95: round(u.kmPerDay.p95, 1), max: round(u.kmPerDay.max, 1) },
  };
}

function roundSuitability(s: EvSuitability): EvSuitability {
  const money = (t: EvSuitability['current']['tco']) => ({
    npvDkk: Math.round(t.npvDkk),
    perYearDkk: Math.round(t.perYearDkk),
    purchaseDkk: Math.round(t.purchaseDkk),
    residualDkk: Math.round(t.residualDkk),
    yearly: Object.fromEntries(
      Object.entries(t.yearly).map(([k, v]) => [k, Math.round(v)]),
    ) as unknown as typeof t.yearly,
  });
  return {
    ...s,
    shareCovered: round(s.shareCovered, 3),
    kmPerYear: Math.round(s.kmPerYear),
    current: {
      fuel: s.current.fuel,
      tco: money(s.current.tco),
      kgCo2ePerYear: Math.round(s.current.kgCo2ePerYear),
    },
    ev: {
      tco: money(s.ev.tco),
      kgCo2ePerYear: Math.round(s.ev.kgCo2ePerYear),
      kwhPerKm: round(s.ev.kwhPerKm, 3),
      kwhPerYear: Math.round(s.ev.kwhPerYear),
    },
    tcoSavingDkk: Math.round(s.tcoSavingDkk),
    tcoSavingPerYearDkk: Math.round(s.tcoSavingPerYearDkk),
    co2SavingKgPerYear: Math.round(s.co2SavingKgPerYear),
    coldestDay: s.coldestDay
      ? {
          ...s.coldestDay,
          temperatureC: round(s.coldestDay.temperatureC, 1),
          rangeKm: round(s.coldestDay.rangeKm, 1),
        }
      : null,
  };
}
