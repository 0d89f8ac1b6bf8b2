const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine on the IUGG mean Earth radius). */
export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * A position rounded to a grid of about `metres` (latitude steps of metres/111 km, longitude steps widened by
 * 1/cos(lat)), as text "lat,lon": what a trip shows of where it began or ended away from a site, so that a report
 * never holds a home address to the metre (GDPR Art. 25, data protection by design).
 */
export function gridCell(lat: number, lon: number, metres: number): string {
  const latStep = metres / 111_320;
  const lonStep = metres / (111_320 * Math.max(0.1, Math.cos(lat * RAD)));
  const rl = Math.round(lat / latStep) * latStep;
  const ro = Math.round(lon / lonStep) * lonStep;
  return `${rl.toFixed(4)},${ro.toFixed(4)}`;
}
