import { describe, expect, it } from 'vitest';
import { ETRS89_UTM32N, toGrid, utm32, type TransverseMercator } from './utm.js';

const dms = (d: number, m: number, s: number): number => d + m / 60 + s / 3600;

/** OSGB 1936 / British National Grid (EPSG:27700): Airy 1830, origin 49° N 2° W. */
const BRITISH_GRID: TransverseMercator = {
  ellipsoid: { a: 6_377_563.396, invF: 299.3249646 },
  lat0: 49,
  lon0: -2,
  k0: 0.9996012717,
  falseEasting: 400_000,
  falseNorthing: -100_000,
};

describe('transverse Mercator (Krüger series) for EPSG:25832', () => {
  it('gives the published worked examples of the method', () => {
    // IOGP Geomatics Guidance Note 7-2 (publication 373-07-02), Transverse Mercator (EPSG method 9807) worked
    // example: 50°30'00" N, 0°30'00" E on the British National Grid → E 577274.99 m, N 69740.50 m (given to the
    // centimetre, computed there with the USGS series, which differs from Krüger's by millimetres).
    const gn = toGrid(50.5, 0.5, BRITISH_GRID);
    expect(Math.abs(gn.easting - 577_274.99)).toBeLessThan(0.011);
    expect(Math.abs(gn.northing - 69_740.5)).toBeLessThan(0.011);
    // Ordnance Survey, "A guide to coordinate systems in Great Britain", annex C worked example (Caister water
    // tower): 52°39'27.2531" N, 1°43'4.5177" E → E 651409.903 m, N 313177.270 m (to the millimetre).
    const os = toGrid(dms(52, 39, 27.2531), dms(1, 43, 4.5177), BRITISH_GRID);
    expect(Math.abs(os.easting - 651_409.903)).toBeLessThan(0.001);
    expect(Math.abs(os.northing - 313_177.27)).toBeLessThan(0.001);
  });

  it('puts the central meridian at 500 km and the pole at k0 × the GRS80 meridian quadrant', () => {
    expect(toGrid(0, 9)).toEqual({ easting: 500_000, northing: 0 });
    expect(toGrid(56.15, 9).easting).toBeCloseTo(500_000, 6);
    // GRS80 meridian quadrant 10 001 965.7293 m (Moritz, "Geodetic Reference System 1980", Bulletin Géodésique
    // 54, 1980, table of derived constants).
    expect(toGrid(90, 9).northing).toBeCloseTo(0.9996 * 10_001_965.7293, 3);
    // East and west of the central meridian mirror each other.
    const east = toGrid(56, 10.5);
    const west = toGrid(56, 7.5);
    expect(east.easting - 500_000).toBeCloseTo(500_000 - west.easting, 6);
    expect(east.northing).toBeCloseTo(west.northing, 6);
    expect(ETRS89_UTM32N.lon0).toBe(9);
  });

  it('rounds to the centimetre for the exports', () => {
    const p = utm32(56.15, 10.2);
    expect(p.x).toBe(Math.round(p.x * 100) / 100);
    // Aarhus lies about 74.5 km east of 9° E and 6223 km north of the equator.
    expect(p.x).toBeGreaterThan(574_000);
    expect(p.x).toBeLessThan(575_000);
    expect(p.y).toBeGreaterThan(6_223_000);
    expect(p.y).toBeLessThan(6_224_000);
  });
});
