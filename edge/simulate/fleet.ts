import { createHash } from 'node:crypto';
import { isDanishClosureDay } from '../../core/index.js';
import { Random } from '../random.js';
import {
  iso,
  localTime,
  round,
  type SimRecord,
  type SimulatorOptions,
  type StreamSimulator,
} from './simulator.js';

/** Two municipal depots in Aarhus (a town hall yard and a road depot about 7 km west). */
export const FLEET_DEPOTS = [
  { id: 'depot-1', lat: 56.1496, lon: 10.2134 },
  { id: 'depot-2', lat: 56.1702, lon: 10.1003 },
] as const;
const DRIVING_STEP_S = 10;
const PARKED_STEP_S = 300;
const TANK_L = 60;
const BATTERY_KWH = 75;
/** A reported position off by about 2 km for one sample: what GPS multipath near tall buildings does. */
const GPS_JUMP_CHANCE = 0.0005;

/**
 * How a vehicle is used, so that a pool has non-trivial answers: `regular` vehicles make a few trips of up to an hour
 * with stops, `long` ones (home care in rural districts, road inspection) drive 100–250 km on some days — more than
 * a small EV's winter range — and `spare` ones sit at the depot most days (the right-sizing candidates).
 */
export type FleetUsage = 'regular' | 'long' | 'spare';

const USAGE: Record<FleetUsage, { chance: number; minutes: [number, number]; lastStartHour: number }> = {
  regular: { chance: 0.018, minutes: [15, 75], lastStartHour: 14 },
  long: { chance: 0.02, minutes: [90, 200], lastStartHour: 10 },
  spare: { chance: 0.004, minutes: [20, 60], lastStartHour: 13 },
};

/**
 * The kind of vehicle: a compact `car` (petrol, or a small BEV) or a `van` (diesel, or an e-van), each using what
 * its class uses (the ground truth a class-aware report should find: a car burns less than a van).
 */
export type SimVehicleClass = 'car' | 'van';

export const SIM_CLASS_USE: Record<
  SimVehicleClass,
  { fuel: 'petrol' | 'diesel'; litresPerKm: number; idleLitresPerH: number; kwhPerKm: number; idleKw: number }
> = {
  car: { fuel: 'petrol', litresPerKm: 0.058, idleLitresPerH: 0.6, kwhPerKm: 0.15, idleKw: 1.2 },
  van: { fuel: 'diesel', litresPerKm: 0.085, idleLitresPerH: 0.8, kwhPerKm: 0.19, idleKw: 1.5 },
};

/** One ignition-on leg as the vehicle drove it: what trip extraction should find. */
export interface TruthTrip {
  vehicleId: string;
  startMs: number;
  /** Time of the first sample with ignition off. */
  endMs: number;
  km: number;
  fuelL: number;
  kwh: number;
}

export interface TruthVehicle {
  vehicleId: string;
  powertrain: 'ice' | 'bev';
  vehicleClass: SimVehicleClass;
  /** What a vehicle register would say of its fuel. */
  fuel: 'petrol' | 'diesel' | 'electric';
  usage: FleetUsage;
  depot: string;
}

export interface FleetSimulatorOptions extends SimulatorOptions {
  /** Keep every leg driven (for tests and benchmarks; a live simulation leaves it off). */
  recordTruth?: boolean;
  /** Send each vehicle's class as `vehicleClass` (the stream's `vehicle_class` tag); default true. */
  classTag?: boolean;
}

interface Vehicle {
  id: string;
  powertrain: 'ice' | 'bev';
  vehicleClass: SimVehicleClass;
  usage: FleetUsage;
  depot: (typeof FLEET_DEPOTS)[number];
  random: Random;
  next: number;
  lat: number;
  lon: number;
  heading: number;
  speed: number;
  ignition: boolean;
  /** Parked away from the depot until this time (a stop within a round trip); 0 when not stopped. */
  stopUntilMs: number;
  tripEndsMs: number;
  odometer: number;
  fuelUsed: number;
  fuelLevel: number;
  energyUsed: number;
  soc: number;
  driver: string | undefined;
  leg: { startMs: number; odometer: number; fuel: number; energy: number } | undefined;
}

/**
 * Municipal vans and cars at two depots: parked there outside working hours (charging or refuelling), weekday round
 * trips with stops at work sites and idling, a pseudonymous driver per round trip. Positions are WGS 84 around the
 * depots in Aarhus. Vehicle i: every fifth is `long`, every fifth (from the fifth) `spare`, the rest `regular`; every
 * third a BEV, except `long` ones; `long` ones and those with an odd i (vehicle-002, -004, …) vans, the others cars.
 */
export class FleetSimulator implements StreamSimulator {
  readonly stream = 'fleet' as const;
  readonly deviceIds: readonly string[];
  readonly truthVehicles: readonly TruthVehicle[];
  /** Legs driven so far (only with `recordTruth`). */
  readonly truthTrips: TruthTrip[] = [];
  private readonly vehicles: Vehicle[];
  private readonly drivers: string[];
  private readonly recordTruth: boolean;
  private readonly classTag: boolean;

  constructor({ devices, seed, startMs, recordTruth = false, classTag = true }: FleetSimulatorOptions) {
    this.recordTruth = recordTruth;
    this.classTag = classTag;
    // Pseudonyms as a vehicle would compute them: a keyed hash of the badge id, never the name.
    this.drivers = Array.from({ length: Math.max(3, devices) }, (_, i) =>
      createHash('sha256').update(`greenops-sim-${seed}-badge-${i}`).digest('hex').slice(0, 16),
    );
    this.vehicles = Array.from({ length: devices }, (_, i) => {
      const random = Random.from(seed, 'fleet', i);
      const usage: FleetUsage = i % 5 === 3 ? 'long' : i % 5 === 4 ? 'spare' : 'regular';
      const depot = FLEET_DEPOTS[Math.floor(i / 5) % FLEET_DEPOTS.length] as Vehicle['depot'];
      return {
        id: `vehicle-${String(i + 1).padStart(3, '0')}`,
        powertrain: i % 3 === 2 && usage !== 'long' ? 'bev' : 'ice',
        vehicleClass: usage === 'long' || i % 2 === 1 ? 'van' : 'car',
        usage,
        depot,
        random,
        next: startMs + random.int(0, PARKED_STEP_S - 1) * 1000,
        lat: depot.lat + random.normal(0, 0.0002),
        lon: depot.lon + random.normal(0, 0.0003),
        heading: 0,
        speed: 0,
        ignition: false,
        stopUntilMs: 0,
        tripEndsMs: 0,
        odometer: Math.round(random.between(5_000, 120_000)),
        fuelUsed: random.between(1000, 9000),
        fuelLevel: random.between(40, 100),
        energyUsed: random.between(1000, 20_000),
        soc: random.between(50, 100),
        driver: undefined,
        leg: undefined,
      } satisfies Vehicle;
    });
    this.deviceIds = this.vehicles.map((v) => v.id);
    this.truthVehicles = this.vehicles.map((v) => ({
      vehicleId: v.id,
      powertrain: v.powertrain,
      vehicleClass: v.vehicleClass,
      fuel: v.powertrain === 'bev' ? 'electric' : SIM_CLASS_USE[v.vehicleClass].fuel,
      usage: v.usage,
      depot: v.depot.id,
    }));
  }

  nextTime(device: number): number {
    return (this.vehicles[device] as Vehicle).next;
  }

  emit(device: number): SimRecord[] {
    const v = this.vehicles[device] as Vehicle;
    const t = v.next;
    const step = v.ignition ? DRIVING_STEP_S : PARKED_STEP_S;
    const wasOn = v.ignition;
    this.advance(v, t, step);
    if (this.recordTruth) this.noteLeg(v, t, wasOn);
    v.next = t + (v.ignition ? DRIVING_STEP_S : PARKED_STEP_S) * 1000;
    const jump = v.ignition && v.speed > 0 && v.random.chance(GPS_JUMP_CHANCE);
    const record: SimRecord = {
      id: `${v.id}-${t}`,
      ts: iso(t),
      vehicleId: v.id,
      powertrain: v.powertrain,
      ...(this.classTag ? { vehicleClass: v.vehicleClass } : {}),
      lat: round(v.lat + (jump ? 0.018 : 0), 6),
      lon: round(v.lon + (jump ? -0.02 : 0), 6),
      speedKmh: round(v.speed, 1),
      headingDeg: round(v.heading, 1),
      ignition: v.ignition,
      odometerKm: round(v.odometer, 2),
    };
    if (v.powertrain === 'ice')
      Object.assign(record, { fuelLevelPct: round(v.fuelLevel, 1), fuelUsedL: round(v.fuelUsed, 2) });
    else Object.assign(record, { socPct: round(v.soc, 1), energyUsedKwh: round(v.energyUsed, 2) });
    if (v.driver && v.ignition) record.driverId = v.driver;
    return [record];
  }

  private noteLeg(v: Vehicle, t: number, wasOn: boolean): void {
    if (!wasOn && v.ignition)
      v.leg = { startMs: t, odometer: v.odometer, fuel: v.fuelUsed, energy: v.energyUsed };
    else if (wasOn && !v.ignition && v.leg) {
      this.truthTrips.push({
        vehicleId: v.id,
        startMs: v.leg.startMs,
        endMs: t,
        km: v.odometer - v.leg.odometer,
        fuelL: v.fuelUsed - v.leg.fuel,
        kwh: v.energyUsed - v.leg.energy,
      });
      v.leg = undefined;
    }
  }

  private advance(v: Vehicle, t: number, stepS: number): void {
    const { hour, weekday } = localTime(t);
    if (!v.ignition) {
      if (v.stopUntilMs > 0) {
        // At a work site: drive on when the job is done.
        if (t >= v.stopUntilMs) Object.assign(v, { ignition: true, stopUntilMs: 0 });
        return;
      }
      // Parked at the depot: charge or refuel, and maybe set out.
      if (v.powertrain === 'bev') v.soc = Math.min(100, v.soc + ((11 * stepS) / 3600 / BATTERY_KWH) * 100);
      else if (v.fuelLevel < 25) v.fuelLevel = 100;
      const usage = USAGE[v.usage];
      const canStart = weekday <= 5 && hour >= 7 && hour < usage.lastStartHour && !isDanishClosureDay(t);
      if (canStart && v.random.chance(usage.chance)) {
        v.ignition = true;
        v.heading = v.random.between(0, 360);
        v.tripEndsMs = t + v.random.between(...usage.minutes) * 60_000;
        v.driver = v.random.pick(this.drivers);
      }
      return;
    }
    const returning = t >= v.tripEndsMs;
    if (returning) {
      const toDepot = bearing(v.lat, v.lon, v.depot.lat, v.depot.lon);
      v.heading = toDepot;
      if (distanceM(v.lat, v.lon, v.depot.lat, v.depot.lon) < 150) {
        Object.assign(v, { ignition: false, speed: 0, driver: undefined });
        return;
      }
    } else {
      if (v.random.chance(0.003)) {
        // A stop at a work site: ignition off for 10–40 minutes.
        Object.assign(v, { ignition: false, speed: 0 });
        v.stopUntilMs = t + v.random.between(10, 40) * 60_000;
        v.tripEndsMs += v.stopUntilMs - t;
        return;
      }
      v.heading = (v.heading + v.random.normal(0, 12) + 360) % 360;
    }
    const idling = v.random.chance(0.12);
    v.speed = idling ? 0 : Math.max(5, Math.min(80, v.random.normal(v.usage === 'long' ? 55 : 42, 10)));
    const km = (v.speed * stepS) / 3600;
    move(v, km * 1000);
    v.odometer += km;
    const use = SIM_CLASS_USE[v.vehicleClass];
    if (v.powertrain === 'ice') {
      const litres = km * use.litresPerKm + (idling ? (use.idleLitresPerH * stepS) / 3600 : 0);
      v.fuelUsed += litres;
      v.fuelLevel = Math.max(0, v.fuelLevel - (litres / TANK_L) * 100);
    } else {
      const kwh = km * use.kwhPerKm + (idling ? (use.idleKw * stepS) / 3600 : 0);
      v.energyUsed += kwh;
      v.soc = Math.max(0, v.soc - (kwh / BATTERY_KWH) * 100);
    }
  }
}

function move(v: Vehicle, metres: number): void {
  const rad = (v.heading * Math.PI) / 180;
  v.lat += (metres * Math.cos(rad)) / 111_320;
  v.lon += (metres * Math.sin(rad)) / (111_320 * Math.cos((v.lat * Math.PI) / 180));
}

function bearing(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dy = lat2 - lat1;
  const dx = (lon2 - lon1) * Math.cos((lat1 * Math.PI) / 180);
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dy = (lat2 - lat1) * 111_320;
  const dx = (lon2 - lon1) * 111_320 * Math.cos((lat1 * Math.PI) / 180);
  return Math.hypot(dx, dy);
}
