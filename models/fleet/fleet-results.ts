import type { Point } from '../../core/index.js';
import type { FleetReport } from './fleet-report.js';

/** One point per trip (tags tenant, device, site; time = trip start): what dashboards and later reports read. */
export const FLEET_TRIP_MEASUREMENT = 'fleet_trip';
/** One point per vehicle and local day with driving (time = the day's first trip start, floored to the local day). */
export const FLEET_DAILY_MEASUREMENT = 'fleet_daily';
/** Per site and hour (UTC-aligned): vehicles with a trip in the hour — the availability curve's raw material. */
export const FLEET_AVAILABILITY_MEASUREMENT = 'fleet_availability';
/** One point per combustion vehicle and report (time = the report period's end day): its EV verdict and savings. */
export const FLEET_EV_MEASUREMENT = 'fleet_ev';

const HOUR_MS = 3_600_000;
const VERDICT_CODE = {
  suitable: 0,
  'suitable-costlier': 1,
  'suitable-with-exceptions': 2,
  'not-suitable': 3,
  'insufficient-data': 4,
} as const;

/**
 * A report's results as points. The same report computed again writes the same points with every field replaced
 * (fields absent on a trip are written as -1), so a rerun never leaves stale values. No driver, no position beyond
 * the rounded area texts.
 */
export function fleetResultPoints(
  tenant: string,
  report: FleetReport,
  dayStartMs: (ms: number) => number,
): Point[] {
  const points: Point[] = [];
  const siteOf = new Map(report.vehicles.map((v) => [v.vehicle, v.site ?? 'unknown']));
  const powertrainOf = new Map(report.vehicles.map((v) => [v.vehicle, v.powertrain]));
  // Only a class the vehicle reported on its stream: the register's is configuration, the default an assumption.
  const reportedClass = new Map(
    report.vehicles.filter((v) => v.classSource === 'stream').map((v) => [v.vehicle, v.class]),
  );
  const daily = new Map<
    string,
    { t: number; device: string; km: number; trips: number; kg: number; minutes: number; idle: number }
  >();
  for (const trip of report.trips) {
    const t = Date.parse(trip.start);
    points.push({
      measurement: FLEET_TRIP_MEASUREMENT,
      tags: { tenant, device: trip.vehicle, site: siteOf.get(trip.vehicle) ?? 'unknown' },
      fields: {
        km: trip.km,
        duration_min: trip.durationMin,
        moving_min: trip.movingMin,
        idle_min: trip.idleMin,
        avg_kmh: trip.avgKmh,
        max_kmh: trip.maxKmh,
        fuel_l: trip.fuelL ?? -1,
        kwh: trip.kwh ?? -1,
        kg_co2e: trip.kgCo2e,
        start_area: trip.startArea,
        end_area: trip.endArea,
        distance_source: trip.distanceSource,
        // Tags cannot be read back per row: what a report from summaries needs is also kept as fields.
        home_site: siteOf.get(trip.vehicle) ?? 'unknown',
        powertrain: powertrainOf.get(trip.vehicle) ?? 'ice',
        ...(reportedClass.has(trip.vehicle)
          ? { vehicle_class: reportedClass.get(trip.vehicle) as string }
          : {}),
      },
      timeMs: t,
    });
    const day = dayStartMs(t);
    const key = `${trip.vehicle}|${day}`;
    const d = daily.get(key) ?? { t: day, device: trip.vehicle, km: 0, trips: 0, kg: 0, minutes: 0, idle: 0 };
    d.km += trip.km;
    d.trips++;
    d.kg += trip.kgCo2e;
    d.minutes += trip.durationMin;
    d.idle += trip.idleMin;
    daily.set(key, d);
  }
  for (const d of daily.values())
    points.push({
      measurement: FLEET_DAILY_MEASUREMENT,
      tags: { tenant, device: d.device, site: siteOf.get(d.device) ?? 'unknown' },
      fields: {
        km: d.km,
        trips: d.trips,
        kg_co2e: d.kg,
        trip_hours: d.minutes / 60,
        idle_share: d.minutes > 0 ? d.idle / d.minutes : 0,
      },
      timeMs: d.t,
    });
  const away = new Map<string, Set<string>>();
  for (const trip of report.trips) {
    const site = siteOf.get(trip.vehicle) ?? 'unknown';
    for (
      let h = Math.floor(Date.parse(trip.start) / HOUR_MS) * HOUR_MS;
      h < Date.parse(trip.end);
      h += HOUR_MS
    ) {
      const key = `${site}|${h}`;
      const set = away.get(key) ?? new Set<string>();
      set.add(trip.vehicle);
      away.set(key, set);
    }
  }
  for (const [key, vehicles] of away) {
    const [site, h] = key.split('|') as [string, string];
    points.push({
      measurement: FLEET_AVAILABILITY_MEASUREMENT,
      tags: { tenant, site },
      fields: {
        vehicles_driving: vehicles.size,
        vehicles: report.vehicles.filter((v) => (v.site ?? 'unknown') === site).length,
      },
      timeMs: Number(h),
    });
  }
  const end = Date.parse(`${report.period.to}T12:00:00Z`);
  for (const e of report.evSuitability)
    points.push({
      measurement: FLEET_EV_MEASUREMENT,
      tags: { tenant, device: e.vehicle, site: e.site ?? 'unknown', ev_model: e.evModel },
      fields: {
        verdict: VERDICT_CODE[e.verdict],
        share_covered: e.shareCovered,
        driving_days: e.drivingDays,
        failed_days: e.failedDays.length,
        tco_saving_dkk: e.tcoSavingDkk,
        co2_saving_kg_per_year: e.co2SavingKgPerYear,
        vehicle_class: e.class,
      },
      timeMs: Number.isFinite(end) ? dayStartMs(end) : 0,
    });
  return points;
}
