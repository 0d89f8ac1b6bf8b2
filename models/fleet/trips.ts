import type { FleetSettings, FleetSite } from './fleet-settings.js';
import { gridCell } from './geo.js';
import { nearestSite } from './sites.js';
import type { RawTrip } from './trip-extractor.js';

/**
 * A trip as it is kept and reported: ends rounded to a site or a ~100 m cell, no driver. This is also what the
 * store keeps (`fleet_trip`), so reports work from it after the raw positions' retention.
 */
export interface TripSummary {
  vehicleId: string;
  startMs: number;
  endMs: number;
  km: number;
  distanceSource: 'odometer' | 'gps';
  movingSeconds: number;
  idleSeconds: number;
  maxKmh: number;
  /** NaN when the vehicle has no fuel counter. */
  fuelL: number;
  /** NaN when the vehicle has no energy counter. */
  kwh: number;
  /** Site id when the trip began within a site's radius, else null. */
  startSite: string | null;
  endSite: string | null;
  /** `site:<id>` or `grid:<lat>,<lon>` (a ~gridMetres cell). */
  startArea: string;
  endArea: string;
}

function area(
  sites: readonly FleetSite[],
  lat: number,
  lon: number,
  metres: number,
): [string | null, string] {
  const site = nearestSite(sites, lat, lon);
  return site ? [site.id, `site:${site.id}`] : [null, `grid:${gridCell(lat, lon, metres)}`];
}

/** Rounds a raw trip's ends to a site or grid cell, dropping the exact positions. */
export function summariseTrip(
  raw: RawTrip,
  sites: readonly FleetSite[],
  settings: FleetSettings,
): TripSummary {
  const [startSite, startArea] = area(sites, raw.startLat, raw.startLon, settings.gridMetres);
  const [endSite, endArea] = area(sites, raw.endLat, raw.endLon, settings.gridMetres);
  return {
    vehicleId: raw.vehicleId,
    startMs: raw.startMs,
    endMs: raw.endMs,
    km: raw.km,
    distanceSource: raw.distanceSource,
    movingSeconds: raw.movingSeconds,
    idleSeconds: raw.idleSeconds,
    maxKmh: raw.maxKmh,
    fuelL: raw.fuelL,
    kwh: raw.kwh,
    startSite,
    endSite,
    startArea,
    endArea,
  };
}

/** Depot → … → depot: the interval a vehicle was away, and what it drove. */
export interface RoundTrip {
  startMs: number;
  endMs: number;
  km: number;
  trips: number;
  /** Ended back at the home site (false: the data ran out, or the vehicle stayed away over 12 h). */
  complete: boolean;
}

const MAX_AWAY_GAP_MS = 12 * 3_600_000;

/**
 * A vehicle's round trips: from a trip that leaves (or a first trip) to the first trip that ends at the home site
 * (any site when the vehicle has no home). A break of over 12 h between trips away closes one as incomplete.
 */
export function roundTrips(trips: readonly TripSummary[], home: string | null): RoundTrip[] {
  const out: RoundTrip[] = [];
  let open: RoundTrip | undefined;
  const atHome = (site: string | null) => (home === null ? site !== null : site === home);
  for (const t of trips) {
    if (open && t.startMs - open.endMs > MAX_AWAY_GAP_MS) {
      out.push(open);
      open = undefined;
    }
    open ??= { startMs: t.startMs, endMs: t.endMs, km: 0, trips: 0, complete: false };
    open.endMs = t.endMs;
    open.km += t.km;
    open.trips++;
    if (atHome(t.endSite)) {
      open.complete = true;
      out.push(open);
      open = undefined;
    }
  }
  if (open) out.push(open);
  return out;
}
