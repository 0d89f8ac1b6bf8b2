import type { FleetSettings } from './fleet-settings.js';
import { DanishClock } from './local-clock.js';
import { percentile, type VehicleTimeline } from './vehicle-days.js';

const HOUR_MS = 3_600_000;

export interface KmPerDay {
  p50: number;
  p95: number;
  max: number;
}

export interface VehicleUtilisation {
  daysObserved: number;
  workingDays: number;
  daysUsed: number;
  /** Days used / working days of the period. */
  dayShare: number;
  /** Hours away from the depot within working hours. */
  hoursInUse: number;
  /** hoursInUse / (working days × working hours). */
  hourShare: number;
  drivingHours: number;
  idleHours: number;
  /** Idle / (moving + idle) with ignition on. */
  idleShare: number;
  /** Over the days used. */
  kmPerDay: KmPerDay;
}

/** Vehicles away at some time in the hour, per local hour of working days: the availability curve of a site. */
export interface HourAvailability {
  hour: number;
  p50: number;
  p95: number;
  max: number;
}

export function vehicleUtilisation(t: VehicleTimeline, settings: FleetSettings): VehicleUtilisation {
  const [fromH, toH] = settings.workingHours;
  const hoursInUse = t.days.reduce((s, d) => s + d.hoursInUseWorking, 0);
  const moving = t.vehicle.trips.reduce((s, x) => s + x.movingSeconds, 0) / 3600;
  const idle = t.vehicle.trips.reduce((s, x) => s + x.idleSeconds, 0) / 3600;
  const km = t.days.map((d) => d.km);
  return {
    daysObserved: t.lastDay - t.firstDay + 1,
    workingDays: t.workingDays,
    daysUsed: t.days.length,
    dayShare: t.workingDays === 0 ? 0 : t.days.length / t.workingDays,
    hoursInUse,
    hourShare: t.workingDays === 0 ? 0 : hoursInUse / (t.workingDays * (toH - fromH)),
    drivingHours: moving + idle,
    idleHours: idle,
    idleShare: moving + idle === 0 ? 0 : idle / (moving + idle),
    kmPerDay: { p50: percentile(km, 0.5), p95: percentile(km, 0.95), max: km.length ? Math.max(...km) : 0 },
  };
}

/** Per working day and local hour, how many of the vehicles were away (on a round trip) at some time in it. */
export function availabilityCurve(
  timelines: readonly VehicleTimeline[],
  clock = new DanishClock(),
): HourAvailability[] {
  const perDay = new Map<number, number[]>();
  for (const t of timelines) {
    for (const rt of t.roundTrips) {
      const seen = new Set<string>();
      for (let h = Math.floor(rt.startMs / HOUR_MS) * HOUR_MS; h < rt.endMs; h += HOUR_MS) {
        const local = clock.local(h);
        const key = `${local.day}|${Math.floor(local.hour)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let hours = perDay.get(local.day);
        if (!hours) perDay.set(local.day, (hours = new Array<number>(24).fill(0)));
        hours[Math.floor(local.hour)] = (hours[Math.floor(local.hour)] as number) + 1;
      }
    }
  }
  const first = Math.min(...timelines.map((t) => t.firstDay));
  const last = Math.max(...timelines.map((t) => t.lastDay));
  const columns: number[][] = Array.from({ length: 24 }, () => []);
  for (let d = first; d <= last; d++) {
    if (!clock.isWorkingDay(d)) continue;
    const hours = perDay.get(d);
    for (let h = 0; h < 24; h++) (columns[h] as number[]).push(hours?.[h] ?? 0);
  }
  return columns.map((values, hour) => ({
    hour,
    p50: percentile(values, 0.5),
    p95: percentile(values, 0.95),
    max: values.length ? Math.max(...values) : 0,
  }));
}
