/** Metres per degree of latitude (WGS 84 mean); longitude degrees shrink with cos(latitude). */
export const M_PER_DEG_LAT = 111_320;

export interface LatLon {
  lat: number;
  lon: number;
}

/**
 * Distance in metres on a local flat projection (equirectangular): exact enough over the tens of metres that
 * clustering and pass detection look at, and far cheaper than haversine on a hot path.
 */
export function metresBetween(a: LatLon, b: LatLon): number {
  const dy = (a.lat - b.lat) * M_PER_DEG_LAT;
  const dx = (a.lon - b.lon) * M_PER_DEG_LAT * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

/** Distance in metres from `p` to the segment `a`–`b` (a vehicle's track between two GPS fixes). */
export function metresToSegment(p: LatLon, a: LatLon, b: LatLon): number {
  const k = Math.cos((p.lat * Math.PI) / 180) * M_PER_DEG_LAT;
  const ax = (a.lon - p.lon) * k;
  const ay = (a.lat - p.lat) * M_PER_DEG_LAT;
  const bx = (b.lon - p.lon) * k;
  const by = (b.lat - p.lat) * M_PER_DEG_LAT;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

/**
 * Whether two headings lie along the same road axis: a pothole is the same seen from either direction, so the
 * headings are compared modulo 180°. An unknown heading matches any.
 */
export function sameAxis(a: number | undefined, b: number | undefined, toleranceDeg: number): boolean {
  if (a === undefined || b === undefined) return true;
  const d = Math.abs(a - b) % 180;
  return Math.min(d, 180 - d) <= toleranceDeg;
}

/** A grid cell of `sizeM` metres around a latitude band: keys of a spatial hash. */
export function cellOf(p: LatLon, sizeM: number): { x: number; y: number } {
  const degLat = sizeM / M_PER_DEG_LAT;
  // A fixed longitude scale per 1° latitude band keeps a cell's key stable as a point moves a few metres.
  const degLon = degLat / Math.cos((Math.round(p.lat) * Math.PI) / 180);
  return { x: Math.floor(p.lon / degLon), y: Math.floor(p.lat / degLat) };
}
