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

const DEPOT = { lat: 56.1496, lon: 10.2134 };
const DRIVING_STEP_S = 10;
const PARKED_STEP_S = 300;
const TANK_L = 60;
const BATTERY_KWH = 75;

interface Vehicle {
  id: string;
  powertrain: 'ice' | 'bev';
  random: Random;
  next: number;
  lat: number;
  lon: number;
  heading: number;
  speed: number;
  ignition: boolean;
  tripEndsMs: number;
  odometer: number;
  fuelUsed: number;
  fuelLevel: number;
  energyUsed: number;
  soc: number;
  driver: string | undefined;
}

/**
 * Municipal vans and cars: parked at the depot outside working hours (charging or refuelling there), weekday
 * trips with stops and idling, a pseudonymous driver per trip. Positions are WGS 84 around a depot in Aarhus.
 */
export class FleetSimulator implements StreamSimulator {
  readonly stream = 'fleet' as const;
  readonly deviceIds: readonly string[];
  private readonly vehicles: Vehicle[];
  private readonly drivers: string[];

  constructor({ devices, seed, startMs }: SimulatorOptions) {
    // Pseudonyms as a vehicle would compute them: a keyed hash of the badge id, never the name.
    this.drivers = Array.from({ length: Math.max(3, devices) }, (_, i) =>
      createHash('sha256').update(`greenops-sim-${seed}-badge-${i}`).digest('hex').slice(0, 16),
    );
    this.vehicles = Array.from({ length: devices }, (_, i) => {
      const random = Random.from(seed, 'fleet', i);
      return {
        id: `vehicle-${String(i + 1).padStart(3, '0')}`,
        powertrain: i % 3 === 2 ? 'bev' : 'ice',
        random,
        next: startMs + random.int(0, PARKED_STEP_S - 1) * 1000,
        lat: DEPOT.lat + random.normal(0, 0.0002),
        lon: DEPOT.lon + random.normal(0, 0.0003),
        heading: 0,
        speed: 0,
        ignition: false,
        tripEndsMs: 0,
        odometer: Math.round(random.between(5_000, 120_000)),
        fuelUsed: random.between(1000, 9000),
        fuelLevel: random.between(40, 100),
        energyUsed: random.between(1000, 20_000),
        soc: random.between(50, 100),
        driver: undefined,
      } satisfies Vehicle;
    });
    this.deviceIds = this.vehicles.map((v) => v.id);
  }

  nextTime(device: number): number {
    return (this.vehicles[device] as Vehicle).next;
  }

  emit(device: number): SimRecord[] {
    const v = this.vehicles[device] as Vehicle;
    const t = v.next;
    const step = v.ignition ? DRIVING_STEP_S : PARKED_STEP_S;
    this.advance(v, t, step);
    v.next = t + (v.ignition ? DRIVING_STEP_S : PARKED_STEP_S) * 1000;
    const record: SimRecord = {
      id: `${v.id}-${t}`,
      ts: iso(t),
      vehicleId: v.id,
      powertrain: v.powertrain,
      lat: round(v.lat, 6),
      lon: round(v.lon, 6),
      speedKmh: round(v.speed, 1),
      headingDeg: round(v.heading, 1),
      ignition: v.ignition,
      odometerKm: round(v.odometer, 2),
    };
    if (v.powertrain === 'ice')
      Object.assign(record, { fuelLevelPct: round(v.fuelLevel, 1), fuelUsedL: round(v.fuelUsed, 2) });
    else Object.assign(record, { socPct: round(v.soc, 1), energyUsedKwh: round(v.energyUsed, 2) });
    if (v.driver) record.driverId = v.driver;
    return [record];
  }

  private advance(v: Vehicle, t: number, stepS: number): void {
    const { hour, weekday } = localTime(t);
    const workingHours = weekday <= 5 && hour >= 7 && hour < 15 && !isDanishClosureDay(t);
    if (!v.ignition) {
      // Parked at the depot: charge or refuel, and maybe set out.
      if (v.powertrain === 'bev') v.soc = Math.min(100, v.soc + ((11 * stepS) / 3600 / BATTERY_KWH) * 100);
      else if (v.fuelLevel < 25) v.fuelLevel = 100;
      if (workingHours && v.random.chance(0.15)) {
        v.ignition = true;
        v.heading = v.random.between(0, 360);
        v.tripEndsMs = t + v.random.between(20, 90) * 60_000;
        v.driver = v.random.pick(this.drivers);
      }
      return;
    }
    const returning = t >= v.tripEndsMs;
    if (returning) {
      const toDepot = bearing(v.lat, v.lon, DEPOT.lat, DEPOT.lon);
      v.heading = toDepot;
      if (distanceM(v.lat, v.lon, DEPOT.lat, DEPOT.lon) < 150) {
        Object.assign(v, { ignition: false, speed: 0, driver: undefined });
        return;
      }
    } else {
      v.heading = (v.heading + v.random.normal(0, 12) + 360) % 360;
    }
    const idling = v.random.chance(0.12);
    v.speed = idling ? 0 : Math.max(5, Math.min(80, v.random.normal(42, 10)));
    const km = (v.speed * stepS) / 3600;
    move(v, km * 1000);
    v.odometer += km;
    if (v.powertrain === 'ice') {
      const litres = km * 0.085 + (idling ? (0.8 * stepS) / 3600 : 0);
      v.fuelUsed += litres;
      v.fuelLevel = Math.max(0, v.fuelLevel - (litres / TANK_L) * 100);
    } else {
      const kwh = km * 0.19 + (idling ? (1.5 * stepS) / 3600 : 0);
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
