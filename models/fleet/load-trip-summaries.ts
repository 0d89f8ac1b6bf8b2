import type { TimeSeriesStore } from '../../store/index.js';
import { POWERTRAINS } from '../../core/index.js';
import type { Powertrain } from './fleet-co2.js';
import { FLEET_TRIP_MEASUREMENT } from './fleet-results.js';
import type { TripSummary } from './trips.js';

const FIELDS = [
  'km',
  'duration_min',
  'moving_min',
  'idle_min',
  'max_kmh',
  'fuel_l',
  'kwh',
  'start_area',
  'end_area',
  'distance_source',
  'home_site',
  'powertrain',
  'vehicle_class',
] as const;
const PAGE = 50_000;

export interface StoredTrips {
  trips: TripSummary[];
  /** The home site and powertrain the trips were written with (the most frequent). */
  home: string | null;
  powertrain: Powertrain | undefined;
  /** The class the vehicle had reported on its stream (`vehicle_class`), if the summaries keep one. */
  vehicleClass: string | undefined;
}

const siteOfArea = (area: string): string | null => (area.startsWith('site:') ? area.slice(5) : null);

/**
 * A vehicle's trips from the stored summaries (`fleet_trip`) in [fromMs, toMs): what a report reads for a period
 * whose raw positions are past their retention. The summaries hold the rounded ends only.
 */
export async function loadTripSummaries(
  store: TimeSeriesStore,
  options: { tenant: string; device: string; fromMs: number; toMs: number; timeoutMs?: number },
): Promise<StoredTrips> {
  const trips: TripSummary[] = [];
  const homes = new Map<string, number>();
  const powertrains = new Map<string, number>();
  const classes = new Map<string, number>();
  let from = options.fromMs;
  for (;;) {
    const rows = await store.queryFields({
      measurement: FLEET_TRIP_MEASUREMENT,
      tenant: options.tenant,
      fields: FIELDS,
      tags: { device: options.device },
      fromMs: from,
      toMs: options.toMs,
      limit: PAGE,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    for (const { timeMs, values } of rows) {
      const [
        km,
        duration,
        moving,
        idle,
        maxKmh,
        fuel,
        kwh,
        startArea,
        endArea,
        source,
        home,
        powertrain,
        cls,
      ] = values;
      if (typeof km !== 'number' || typeof duration !== 'number') continue;
      const num = (v: unknown) => (typeof v === 'number' ? v : 0);
      const counter = (v: unknown) => (typeof v === 'number' && v >= 0 ? v : Number.NaN);
      const start = typeof startArea === 'string' ? startArea : '';
      const end = typeof endArea === 'string' ? endArea : '';
      trips.push({
        vehicleId: options.device,
        startMs: timeMs,
        endMs: timeMs + Math.round(duration * 60_000),
        km,
        distanceSource: source === 'gps' ? 'gps' : 'odometer',
        movingSeconds: num(moving) * 60,
        idleSeconds: num(idle) * 60,
        maxKmh: num(maxKmh),
        fuelL: counter(fuel),
        kwh: counter(kwh),
        startSite: siteOfArea(start),
        endSite: siteOfArea(end),
        startArea: start,
        endArea: end,
      });
      if (typeof home === 'string') homes.set(home, (homes.get(home) ?? 0) + 1);
      if (typeof powertrain === 'string') powertrains.set(powertrain, (powertrains.get(powertrain) ?? 0) + 1);
      if (typeof cls === 'string' && cls !== '') classes.set(cls, (classes.get(cls) ?? 0) + 1);
    }
    if (rows.length < PAGE) break;
    from = (rows.at(-1)?.timeMs ?? options.toMs) + 1;
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1])[0]?.[0];
  const home = top(homes);
  const powertrain = top(powertrains);
  const vehicleClass = top(classes);
  return {
    vehicleClass,
    trips,
    home: home === undefined || home === 'unknown' ? null : home,
    powertrain: (POWERTRAINS as readonly string[]).includes(powertrain ?? '')
      ? (powertrain as Powertrain)
      : undefined,
  };
}
