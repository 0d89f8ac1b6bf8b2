import type { FleetSettings, FleetSite } from './fleet-settings.js';
import { haversineM } from './geo.js';
import type { NightCell } from './trip-extractor.js';

/** The site a vehicle sleeps at (most nights) and the evidence, or null when it never stood still at night. */
export interface VehicleHome {
  vehicleId: string;
  site: string | null;
  nightSamples: number;
}

/**
 * Home sites of vehicles: the configured sites, or else learned from where each vehicle stands most at night (its
 * densest ~200 m night cell), vehicles' homes within `learnedSiteRadiusM` of each other making one site (`site-1`, …,
 * numbered in vehicle order). As OS2fleetoptimiser's saved start locations, only the site is kept, never a position.
 */
export function learnSites(
  nights: ReadonlyMap<string, ReadonlyMap<string, NightCell>>,
  settings: FleetSettings,
): { sites: FleetSite[]; homes: VehicleHome[] } {
  const sites: (FleetSite & { n: number })[] = settings.sites.map((s) => ({ ...s, n: 0 }));
  const learn = settings.sites.length === 0;
  const homes: VehicleHome[] = [];
  for (const vehicleId of [...nights.keys()].sort()) {
    let best: NightCell | undefined;
    let total = 0;
    for (const cell of nights.get(vehicleId)?.values() ?? []) {
      total += cell.samples;
      if (!best || cell.samples > best.samples) best = cell;
    }
    if (!best) {
      homes.push({ vehicleId, site: null, nightSamples: 0 });
      continue;
    }
    let site = nearestSite(sites, best.lat, best.lon);
    if (!site && learn) {
      site = {
        id: `site-${sites.length + 1}`,
        lat: best.lat,
        lon: best.lon,
        radiusM: settings.learnedSiteRadiusM,
        n: 0,
      };
      sites.push(site);
    }
    if (site && learn) {
      site.lat += (best.lat - site.lat) / (site.n + 1);
      site.lon += (best.lon - site.lon) / (site.n + 1);
    }
    if (site) site.n++;
    homes.push({ vehicleId, site: site?.id ?? null, nightSamples: total });
  }
  return { sites: sites.map(({ n: _, ...s }) => s), homes };
}

/** The site a position is at (the nearest within its radius), if any. */
export function nearestSite<S extends FleetSite>(
  sites: readonly S[],
  lat: number,
  lon: number,
): S | undefined {
  let best: S | undefined;
  let bestM = Infinity;
  for (const s of sites) {
    const d = haversineM(s.lat, s.lon, lat, lon);
    if (d <= s.radiusM && d < bestM) [best, bestM] = [s, d];
  }
  return best;
}
