import type { FleetSettings } from './fleet-settings.js';
import type { Powertrain } from './fleet-co2.js';
import { DanishClock } from './local-clock.js';
import { roundTrips, type RoundTrip, type TripSummary } from './trips.js';

const HOUR_MS = 3_600_000;

/** What the analyses need of one vehicle: its trips and the period its data covers. */
export interface VehicleTrips {
  vehicleId: string;
  powertrain: Powertrain;
  /** Home site, or null when unknown. */
  home: string | null;
  /** The `vehicle_class` the vehicle reported on its stream, if any (the register's class comes first). */
  vehicleClass?: string;
  /** First and last sample (or trip) of the vehicle's data, epoch ms. */
  firstMs: number;
  lastMs: number;
  trips: TripSummary[];
}

/** A local day of a vehicle with driving. */
export interface VehicleDay {
  day: number;
  km: number;
  trips: number;
  firstStartMs: number;
  lastEndMs: number;
  /** Hours away from the depot (round trips) within the local working hours. */
  hoursInUseWorking: number;
  /** Time at the home site between round trips within the day, hours (for a top-up charge). */
  depotDwellHours: number;
}

export interface VehicleTimeline {
  vehicle: VehicleTrips;
  roundTrips: RoundTrip[];
  days: VehicleDay[];
  /** Local days of the period, first and last inclusive. */
  firstDay: number;
  lastDay: number;
  workingDays: number;
}

/** Nearest-rank percentile of numbers (0 for none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/** A vehicle's round trips and local days with driving (trips counted on the local day they start). */
export function vehicleTimeline(
  vehicle: VehicleTrips,
  settings: FleetSettings,
  clock = new DanishClock(),
): VehicleTimeline {
  const trips = [...vehicle.trips].sort((a, b) => a.startMs - b.startMs);
  const rts = roundTrips(trips, vehicle.home);
  const byDay = new Map<number, VehicleDay>();
  for (const t of trips) {
    const day = clock.dayOf(t.startMs);
    let d = byDay.get(day);
    if (!d) {
      d = {
        day,
        km: 0,
        trips: 0,
        firstStartMs: t.startMs,
        lastEndMs: t.endMs,
        hoursInUseWorking: 0,
        depotDwellHours: 0,
      };
      byDay.set(day, d);
    }
    d.km += t.km;
    d.trips++;
    d.lastEndMs = Math.max(d.lastEndMs, t.endMs);
  }
  const [fromH, toH] = settings.workingHours;
  for (let i = 0; i < rts.length; i++) {
    const rt = rts[i] as RoundTrip;
    const day = clock.dayOf(rt.startMs);
    const d = byDay.get(day);
    if (!d) continue;
    const dayStart = clock.dayStartMs(day);
    const lo = Math.max(rt.startMs, dayStart + fromH * HOUR_MS);
    const hi = Math.min(rt.endMs, dayStart + toH * HOUR_MS);
    if (hi > lo) d.hoursInUseWorking += (hi - lo) / HOUR_MS;
    const next = rts[i + 1];
    if (rt.complete && next && clock.dayOf(next.startMs) === day)
      d.depotDwellHours += (next.startMs - rt.endMs) / HOUR_MS;
  }
  const firstDay = clock.dayOf(Math.min(vehicle.firstMs, trips[0]?.startMs ?? vehicle.firstMs));
  const lastDay = clock.dayOf(Math.max(vehicle.lastMs, trips.at(-1)?.endMs ?? vehicle.lastMs));
  let workingDays = 0;
  for (let d = firstDay; d <= lastDay; d++) if (clock.isWorkingDay(d)) workingDays++;
  return {
    vehicle,
    roundTrips: rts,
    days: [...byDay.values()].sort((a, b) => a.day - b.day),
    firstDay,
    lastDay,
    workingDays,
  };
}
