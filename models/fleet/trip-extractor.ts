import type { FleetSettings } from './fleet-settings.js';
import { haversineM } from './geo.js';
import { DanishClock } from './local-clock.js';

/**
 * A trip as extracted, with its exact end positions. Exact positions never leave the model: a report shows them
 * rounded to a site or a grid cell (see trips.ts).
 */
export interface RawTrip {
  vehicleId: string;
  startMs: number;
  endMs: number;
  km: number;
  /** `odometer` when the counter covered the trip, else `gps` (the haversine path, jumps skipped). */
  distanceSource: 'odometer' | 'gps';
  movingSeconds: number;
  /** Ignition on, speed at or below the idle threshold. */
  idleSeconds: number;
  maxKmh: number;
  /** From the cumulative fuel counter; NaN without one. */
  fuelL: number;
  /** From the cumulative energy counter; NaN without one. */
  kwh: number;
  startLat: number;
  startLon: number;
  endLat: number;
  endLon: number;
  samples: number;
  gpsJumps: number;
}

/** Where a vehicle stood at night (00–05 local time), by ~200 m cell: the evidence for its home depot. */
export interface NightCell {
  lat: number;
  lon: number;
  samples: number;
}

interface Anchor {
  t: number;
  lat: number;
  lon: number;
  odometer: number;
  fuel: number;
  energy: number;
}

const NIGHT_CELL_DEG = 0.002;

/**
 * Trips and stops of one vehicle from its samples in time order, one sample at a time (constant memory per
 * vehicle, over 1 M samples/s): a trip runs from the first ignition-on sample to the first ignition-off sample of a
 * stop at least `minParkingSeconds` long, or to the last sample before a gap of more than `maxGapSeconds`. Distance
 * is the odometer difference from the last sample before the trip when the odometer is reported, else the haversine
 * path with GPS jumps skipped; fuel and energy the differences of the cumulative counters. Counters read NaN when
 * absent.
 */
export class TripExtractor {
  readonly nightCells = new Map<string, NightCell>();
  dropped = 0;
  samples = 0;
  firstMs = Number.NaN;
  lastMs = Number.NaN;
  private readonly clock = new DanishClock();
  private readonly minParkingMs: number;
  private readonly maxGapMs: number;
  private prev: Anchor & { ignition: boolean } = {
    t: Number.NaN,
    lat: 0,
    lon: 0,
    odometer: Number.NaN,
    fuel: Number.NaN,
    energy: Number.NaN,
    ignition: false,
  };
  private inTrip = false;
  private start: Anchor = { ...this.prev };
  private startMs = 0;
  private pending: (Anchor & { path: number }) | undefined;
  private path = 0;
  private good = { t: 0, lat: 0, lon: 0, skipped: 0 };
  private moving = 0;
  private idle = 0;
  private maxKmh = 0;
  private count = 0;
  private jumps = 0;

  constructor(
    readonly vehicleId: string,
    private readonly settings: FleetSettings,
    private readonly onTrip: (trip: RawTrip) => void,
  ) {
    this.minParkingMs = settings.minParkingSeconds * 1000;
    this.maxGapMs = settings.maxGapSeconds * 1000;
  }

  push(
    t: number,
    lat: number,
    lon: number,
    speedKmh: number,
    ignition: boolean,
    odometer: number,
    fuel: number,
    energy: number,
  ): void {
    const prev = this.prev;
    if (t <= prev.t) return; // a duplicate or out-of-order sample
    this.samples++;
    if (Number.isNaN(this.firstMs)) this.firstMs = t;
    this.lastMs = t;
    const gap = !Number.isNaN(prev.t) && t - prev.t > this.maxGapMs;
    if (gap && this.inTrip) this.close(this.pending ?? { ...prev, path: this.path });
    if (this.inTrip && ignition && this.pending && t - this.pending.t >= this.minParkingMs) {
      // Parked long enough between two samples (a parked vehicle reports rarely): the next trip starts here.
      this.close(this.pending);
      this.begin(prev, t);
    } else if (this.inTrip) {
      const dt = (t - prev.t) / 1000;
      this.count++;
      this.track(t, lat, lon);
      if (ignition) {
        this.pending = undefined;
        if (this.movedBetween(prev, dt, lat, lon, odometer, speedKmh)) this.moving += dt;
        else this.idle += dt;
        if (speedKmh > this.maxKmh) this.maxKmh = speedKmh;
      } else {
        this.pending ??= { t, lat, lon, odometer, fuel, energy, path: this.path };
        if (t - this.pending.t >= this.minParkingMs) this.close(this.pending);
      }
    } else if (ignition) {
      if (Number.isNaN(prev.t)) this.begin({ t, lat, lon, odometer, fuel, energy }, t);
      // After a gap the trip starts where the data resumes, but its counters run from the last sample before the
      // gap: the kilometres, litres and kWh driven while no data came are not lost.
      else if (gap)
        this.begin(
          {
            t: prev.t,
            lat,
            lon,
            odometer: Number.isFinite(prev.odometer) ? prev.odometer : odometer,
            fuel: Number.isFinite(prev.fuel) ? prev.fuel : fuel,
            energy: Number.isFinite(prev.energy) ? prev.energy : energy,
          },
          t,
        );
      else this.begin(prev, t);
      if (speedKmh > this.maxKmh) this.maxKmh = speedKmh;
    } else {
      this.noteParked(t, lat, lon);
    }
    prev.t = t;
    prev.lat = lat;
    prev.lon = lon;
    prev.odometer = odometer;
    prev.fuel = fuel;
    prev.energy = energy;
    prev.ignition = ignition;
  }

  /** Ends the stream: a trip still open closes at its last sample. */
  finish(): void {
    if (this.inTrip) this.close(this.pending ?? { ...this.prev, path: this.path });
  }

  private begin(from: Anchor, t: number): void {
    this.inTrip = true;
    this.start = {
      t: from.t,
      lat: from.lat,
      lon: from.lon,
      odometer: from.odometer,
      fuel: from.fuel,
      energy: from.energy,
    };
    this.startMs = t;
    this.pending = undefined;
    this.path = 0;
    this.good = { t: from.t, lat: from.lat, lon: from.lon, skipped: 0 };
    this.moving = 0;
    this.idle = 0;
    this.maxKmh = 0;
    this.count = 1;
    this.jumps = 0;
  }

  /**
   * Whether the vehicle moved since the previous sample: the sample's own speed between close samples; over a longer
   * interval (more than a minute, e.g. a short gap) the average speed of the interval from the odometer, else the
   * straight line, since one speed reading says nothing about minutes without data.
   */
  private movedBetween(
    prev: Anchor,
    dtS: number,
    lat: number,
    lon: number,
    odometer: number,
    speedKmh: number,
  ): boolean {
    if (dtS <= 60) return speedKmh > this.settings.idleSpeedKmh;
    const odometerKm = odometer - prev.odometer;
    const km = Number.isFinite(odometerKm) ? odometerKm : haversineM(prev.lat, prev.lon, lat, lon) / 1000;
    return (km / dtS) * 3600 > this.settings.idleSpeedKmh;
  }

  /** Adds the path to a position unless it implies an impossible speed (then it is a GPS jump, skipped). */
  private track(t: number, lat: number, lon: number): void {
    const g = this.good;
    const d = haversineM(g.lat, g.lon, lat, lon);
    const dtS = (t - g.t) / 1000;
    if (d > 50 && (d / dtS) * 3.6 > this.settings.maxJumpKmh && g.skipped < 3) {
      g.skipped++;
      this.jumps++;
      return;
    }
    // After three skipped in a row the receiver has moved on (a relocated fix): take it, without the distance.
    if (g.skipped < 3) this.path += d;
    g.t = t;
    g.lat = lat;
    g.lon = lon;
    g.skipped = 0;
  }

  private close(end: Anchor & { path: number }): void {
    this.inTrip = false;
    this.pending = undefined;
    const s = this.start;
    const odometerKm = end.odometer - s.odometer;
    const hours = (end.t - s.t) / 3_600_000;
    const byOdometer = odometerKm >= 0 && odometerKm <= this.settings.maxJumpKmh * hours + 1;
    const km = byOdometer ? odometerKm : end.path / 1000;
    if ((end.t - this.startMs) / 1000 < this.settings.minTripSeconds || km < this.settings.minTripKm) {
      this.dropped++;
      return;
    }
    const fuel = end.fuel - s.fuel;
    const energy = end.energy - s.energy;
    this.onTrip({
      vehicleId: this.vehicleId,
      startMs: this.startMs,
      endMs: end.t,
      km,
      distanceSource: byOdometer ? 'odometer' : 'gps',
      movingSeconds: this.moving,
      idleSeconds: this.idle,
      maxKmh: this.maxKmh,
      fuelL: fuel >= 0 ? fuel : Number.NaN,
      kwh: energy >= 0 ? energy : Number.NaN,
      startLat: s.lat,
      startLon: s.lon,
      endLat: end.lat,
      endLon: end.lon,
      samples: this.count,
      gpsJumps: this.jumps,
    });
  }

  private noteParked(t: number, lat: number, lon: number): void {
    if ((t + this.clock.offsetOf(t)) % 86_400_000 >= 5 * 3_600_000) return;
    const key = `${Math.round(lat / NIGHT_CELL_DEG)},${Math.round(lon / NIGHT_CELL_DEG)}`;
    const cell = this.nightCells.get(key);
    if (cell) {
      cell.lat += (lat - cell.lat) / (cell.samples + 1);
      cell.lon += (lon - cell.lon) / (cell.samples + 1);
      cell.samples++;
    } else this.nightCells.set(key, { lat, lon, samples: 1 });
  }
}
