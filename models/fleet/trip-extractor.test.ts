import { describe, expect, it } from 'vitest';
import type { FleetRecord } from '../../core/index.js';
import { simulatePool } from '../../test/fixtures/fleet-pool.js';
import { DEFAULT_FLEET_SETTINGS } from './fleet-settings.js';
import { FleetPool } from './fleet-pool.js';

const START = Date.UTC(2026, 0, 4, 23); // Monday 5 January 2026, local midnight

function extract(records: Map<string, FleetRecord[]>, { odometer = true } = {}) {
  const pool = new FleetPool(DEFAULT_FLEET_SETTINGS);
  for (const [id, list] of records)
    for (const r of list)
      pool.add(
        id,
        {
          t: Date.parse(r.ts),
          lat: r.lat,
          lon: r.lon,
          speedKmh: r.speedKmh,
          ignition: r.ignition,
          odometerKm: odometer ? (r.odometerKm ?? Number.NaN) : Number.NaN,
          fuelUsedL: r.fuelUsedL ?? Number.NaN,
          energyUsedKwh: r.energyUsedKwh ?? Number.NaN,
        },
        r.powertrain,
      );
  return pool.finish();
}

describe('trip extraction against the simulator’s ground truth', () => {
  const sim = simulatePool({ vehicles: 10, days: 14, startMs: START });
  const truth = sim.truthTrips.filter((t) => t.km >= 0.2 && t.endMs - t.startMs >= 60_000);

  it('finds every trip the vehicles drove, with kilometres within 2 % from the odometer', () => {
    const { vehicles } = extract(sim.records);
    const found = vehicles.flatMap((v) => v.trips);
    expect(truth.length).toBeGreaterThan(100);
    let matched = 0;
    for (const t of truth) {
      const trip = found.find(
        (f) => f.vehicleId === t.vehicleId && Math.abs(f.startMs - t.startMs) <= 10_000,
      );
      if (!trip) continue;
      matched++;
      expect(Math.abs(trip.km - t.km)).toBeLessThanOrEqual(0.02 * t.km + 0.02);
      expect(trip.endMs).toBe(t.endMs);
    }
    expect(matched).toBe(truth.length);
    expect(found.length).toBe(truth.length);
  });

  it('measures kilometres within 2 % from GPS alone, skipping position jumps', () => {
    const { vehicles } = extract(sim.records, { odometer: false });
    const found = vehicles.flatMap((v) => v.trips);
    expect(found.every((t) => t.distanceSource === 'gps')).toBe(true);
    const km = found.reduce((s, t) => s + t.km, 0);
    const truthKm = truth.reduce((s, t) => s + t.km, 0);
    expect(Math.abs(km - truthKm) / truthKm).toBeLessThan(0.02);
    for (const t of truth) {
      const trip = found.find((f) => f.vehicleId === t.vehicleId && f.startMs === t.startMs);
      expect(trip, `${t.vehicleId} ${new Date(t.startMs).toISOString()}`).toBeDefined();
      expect(Math.abs((trip?.km ?? 0) - t.km)).toBeLessThanOrEqual(0.02 * t.km + 0.05);
    }
  });

  it('finds the same trips from column chunks of interleaved vehicles (the store scan) as sample by sample', () => {
    const ids = [...sim.records.keys()];
    const pool = new FleetPool(DEFAULT_FLEET_SETTINGS);
    // Day-long slices, each holding every vehicle's samples of the day, cut into chunks of 1,000 rows.
    const rows = ids.flatMap((id, index) =>
      (sim.records.get(id) ?? []).map((r) => ({ index, t: Date.parse(r.ts), r })),
    );
    rows.sort((a, b) => Math.floor(a.t / 86_400_000) - Math.floor(b.t / 86_400_000) || a.index - b.index);
    const num = (v: number | undefined) => v ?? Number.NaN;
    let taken = 0;
    for (let k = 0; k < rows.length; k += 1000) {
      const chunk = rows.slice(k, k + 1000);
      const column = (f: (row: (typeof chunk)[number]) => number) => Float64Array.from(chunk, f);
      taken += pool.addColumns(ids, {
        length: chunk.length,
        device: column((x) => x.index),
        timeMs: column((x) => x.t),
        columns: [
          column((x) => x.r.lat),
          column((x) => x.r.lon),
          column((x) => x.r.speedKmh),
          column((x) => (x.r.ignition ? 1 : 0)),
          column((x) => num(x.r.odometerKm)),
          column((x) => num(x.r.fuelUsedL)),
          column((x) => num(x.r.energyUsedKwh)),
        ],
      });
    }
    expect(taken).toBe(rows.length);
    const fromColumns = pool.finish();
    const bySample = extract(sim.records);
    expect(fromColumns.sites).toEqual(bySample.sites);
    const trips = (x: typeof bySample) => x.vehicles.map((v) => [v.vehicleId, v.trips] as const);
    expect(trips(fromColumns)).toEqual(trips(bySample));
  });

  it('learns both depots from where vehicles park at night and rounds trip ends to them', () => {
    const { sites, vehicles } = extract(sim.records);
    expect(sites).toHaveLength(2);
    for (const v of sim.truthVehicles) {
      const got = vehicles.find((x) => x.vehicleId === v.vehicleId);
      const sameDepot = sim.truthVehicles.filter((x) => x.depot === v.depot).map((x) => x.vehicleId);
      const siteMates = vehicles.filter((x) => x.home === got?.home).map((x) => x.vehicleId);
      expect(siteMates.sort()).toEqual(sameDepot.sort());
    }
    const ends = vehicles.flatMap((v) => v.trips.map((t) => t.endArea));
    expect(ends.every((a) => /^(site:site-\d|grid:-?\d+\.\d{4},-?\d+\.\d{4})$/.test(a))).toBe(true);
    expect(ends.filter((a) => a.startsWith('site:')).length).toBeGreaterThan(ends.length / 3);
  });

  it('splits a trip at a stop of at least the minimum parking time and keeps a shorter break inside it', () => {
    const t0 = START + 8 * 3_600_000;
    const samples: [number, boolean, number][] = [];
    for (let i = 0; i <= 60; i++) samples.push([t0 + i * 10_000, i > 0, i * 0.1]); // 10 min, 6 km
    for (let i = 1; i <= 2; i++) samples.push([t0 + 600_000 + i * 60_000, false, 6]); // 2 min break
    for (let i = 1; i <= 30; i++) samples.push([t0 + 720_000 + i * 10_000, true, 6 + i * 0.1]);
    for (let i = 1; i <= 3; i++) samples.push([t0 + 1_020_000 + i * 150_000, false, 9]); // 7.5 min stop
    for (let i = 1; i <= 30; i++) samples.push([t0 + 1_470_000 + i * 10_000, true, 9 + i * 0.1]);
    samples.push([t0 + 1_800_000, false, 12]);
    samples.push([t0 + 2_400_000, false, 12]);
    const pool = new FleetPool(DEFAULT_FLEET_SETTINGS);
    for (const [t, ignition, odometer] of samples)
      pool.add('van', {
        t,
        lat: 56.1 + odometer / 111,
        lon: 10.2,
        speedKmh: ignition ? 36 : 0,
        ignition,
        odometerKm: odometer,
        fuelUsedL: Number.NaN,
        energyUsedKwh: Number.NaN,
      });
    const [van] = pool.finish().vehicles;
    expect(van?.trips.map((t) => Math.round(t.km * 10) / 10)).toEqual([9, 3]);
  });

  /** One vehicle's samples: [t, ignition, odometer km, speed km/h]; latitude follows the odometer. */
  const tripsOf = (samples: [number, boolean, number, number][], { odometer = true } = {}) => {
    const pool = new FleetPool(DEFAULT_FLEET_SETTINGS);
    for (const [t, ignition, km, speedKmh] of samples)
      pool.add('car', {
        t,
        lat: 56.1 + km / 111,
        lon: 10.2,
        speedKmh,
        ignition,
        odometerKm: odometer ? km : Number.NaN,
        fuelUsedL: 100 + km * 0.07,
        energyUsedKwh: Number.NaN,
      });
    return pool.finish().vehicles[0]?.trips ?? [];
  };

  it('counts the kilometres and litres driven during a data gap in the trip after it, from the last sample before', () => {
    const t0 = START + 8 * 3_600_000;
    const samples: [number, boolean, number, number][] = [];
    for (let i = 0; i <= 60; i++) samples.push([t0 + i * 10_000, true, i * 0.1, 36]); // 10 min, 6 km
    // 20 minutes without data (more than the 15-minute gap), 16 km driven meanwhile, then 6 km more.
    for (let i = 0; i <= 60; i++) samples.push([t0 + 1_800_000 + i * 10_000, true, 22 + i * 0.1, 36]);
    samples.push([t0 + 2_500_000, false, 28, 0]);
    samples.push([t0 + 3_200_000, false, 28, 0]);
    const trips = tripsOf(samples);
    expect(trips).toHaveLength(2);
    expect(trips.map((t) => Math.round(t.km * 10) / 10)).toEqual([6, 22]);
    expect(trips.reduce((s, t) => s + t.km, 0)).toBeCloseTo(28, 6);
    expect(trips[1]?.fuelL).toBeCloseTo(22 * 0.07, 6);
    expect(trips[1]?.startMs).toBe(t0 + 1_800_000);
  });

  it('counts a ten-minute gap in which the odometer rose as moving, not idling', () => {
    const t0 = START + 8 * 3_600_000;
    const samples: [number, boolean, number, number][] = [];
    for (let i = 0; i <= 30; i++) samples.push([t0 + i * 10_000, true, i * 0.1, 36]);
    samples.push([t0 + 310_000, true, 3, 0]); // stopped at a light, ignition on
    // 10.5 minutes without data (under the gap threshold), 8.6 km driven meanwhile; the data resumes at a stop
    for (let i = 0; i <= 30; i++)
      samples.push([t0 + 940_000 + i * 10_000, true, 11.6 + i * 0.1, i === 0 ? 0 : 36]);
    samples.push([t0 + 1_600_000, false, 14.6, 0]);
    samples.push([t0 + 2_300_000, false, 14.6, 0]);
    const [trip] = tripsOf(samples);
    expect(trip?.km).toBeCloseTo(14.6, 6);
    expect(trip?.idleSeconds).toBeLessThanOrEqual(10);
    const withoutOdometer = tripsOf(samples, { odometer: false })[0];
    expect(withoutOdometer?.idleSeconds).toBeLessThanOrEqual(10);
  });
});
