/**
 * Transverse Mercator (EPSG method 9807) by Krüger's series to sixth order in n (Karney 2011, "Transverse Mercator
 * with an accuracy of a few nanometers", J. Geodesy 85, eqs. 7–9 and 35), forward only: latitude/longitude to
 * easting/northing. Within a UTM zone and well beyond it the series is exact to well under a millimetre.
 *
 * Used for ETRS89 / UTM zone 32N (EPSG:25832), the grid of Danish municipal GIS and of Vejman: ETRS89 and WGS 84
 * agree to well under a metre in Denmark (the GPS positions of camera vehicles are no better), so the WGS 84
 * positions are projected as they are, as is usual for this purpose.
 */
export interface Ellipsoid {
  /** Semi-major axis, metres. */
  a: number;
  /** Inverse flattening. */
  invF: number;
}

export interface TransverseMercator {
  ellipsoid: Ellipsoid;
  /** Latitude and longitude of the natural origin, degrees. */
  lat0: number;
  lon0: number;
  /** Scale factor on the central meridian. */
  k0: number;
  falseEasting: number;
  falseNorthing: number;
}

export const GRS80: Ellipsoid = { a: 6_378_137, invF: 298.257222101 };

/** ETRS89 / UTM zone 32N (EPSG:25832): central meridian 9° E, k0 0.9996, false easting 500 km. */
export const ETRS89_UTM32N: TransverseMercator = {
  ellipsoid: GRS80,
  lat0: 0,
  lon0: 9,
  k0: 0.9996,
  falseEasting: 500_000,
  falseNorthing: 0,
};

interface Series {
  /** Rectifying radius A (Karney eq. 14). */
  radius: number;
  /** α1…α6 (Karney eq. 35). */
  alpha: number[];
  e: number;
  /** Northing of the origin latitude on the central meridian, before scaling. */
  origin: number;
}

const cache = new WeakMap<TransverseMercator, Series>();

function seriesOf(p: TransverseMercator): Series {
  const known = cache.get(p);
  if (known) return known;
  const f = 1 / p.ellipsoid.invF;
  const n = f / (2 - f);
  const [n2, n3, n4, n5, n6] = [n ** 2, n ** 3, n ** 4, n ** 5, n ** 6];
  const radius = (p.ellipsoid.a / (1 + n)) * (1 + n2 / 4 + n4 / 64 + n6 / 256);
  const alpha = [
    n / 2 - (2 * n2) / 3 + (5 * n3) / 16 + (41 * n4) / 180 - (127 * n5) / 288 + (7891 * n6) / 37800,
    (13 * n2) / 48 - (3 * n3) / 5 + (557 * n4) / 1440 + (281 * n5) / 630 - (1983433 * n6) / 1935360,
    (61 * n3) / 240 - (103 * n4) / 140 + (15061 * n5) / 26880 + (167603 * n6) / 181440,
    (49561 * n4) / 161280 - (179 * n5) / 168 + (6601661 * n6) / 7257600,
    (34729 * n5) / 80640 - (3418889 * n6) / 1995840,
    (212378941 * n6) / 319334400,
  ];
  const e = Math.sqrt(f * (2 - f));
  const s: Series = { radius, alpha, e, origin: 0 };
  s.origin = p.lat0 === 0 ? 0 : project(s, p.lat0, 0).xi * radius;
  cache.set(p, s);
  return s;
}

function project(s: Series, latDeg: number, dLonDeg: number): { xi: number; eta: number } {
  const phi = (latDeg * Math.PI) / 180;
  const lambda = (dLonDeg * Math.PI) / 180;
  const sinPhi = Math.sin(phi);
  // Conformal latitude as its tangent τ' (Karney eq. 7–9).
  const t = Math.sinh(Math.atanh(sinPhi) - s.e * Math.atanh(s.e * sinPhi));
  const xiP = Math.atan2(t, Math.cos(lambda));
  const etaP = Math.atanh(Math.sin(lambda) / Math.sqrt(1 + t * t));
  let xi = xiP;
  let eta = etaP;
  for (let j = 1; j <= 6; j++) {
    const a = s.alpha[j - 1] as number;
    xi += a * Math.sin(2 * j * xiP) * Math.cosh(2 * j * etaP);
    eta += a * Math.cos(2 * j * xiP) * Math.sinh(2 * j * etaP);
  }
  return { xi, eta };
}

/** Easting and northing in metres of a point given in degrees. */
export function toGrid(
  lat: number,
  lon: number,
  p: TransverseMercator = ETRS89_UTM32N,
): { easting: number; northing: number } {
  const s = seriesOf(p);
  const { xi, eta } = project(s, lat, lon - p.lon0);
  return {
    easting: p.falseEasting + p.k0 * s.radius * eta,
    northing: p.falseNorthing + p.k0 * (s.radius * xi - s.origin),
  };
}

/** EPSG:25832 easting/northing rounded to the centimetre, as the exports give them. */
export function utm32(lat: number, lon: number): { x: number; y: number } {
  const { easting, northing } = toGrid(lat, lon);
  return { x: Math.round(easting * 100) / 100, y: Math.round(northing * 100) / 100 };
}
