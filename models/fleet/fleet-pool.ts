import type { FleetRecord } from '../../core/index.js';
import type { FleetSettings, FleetSite } from './fleet-settings.js';
import type { Powertrain } from './fleet-co2.js';
import { learnSites } from './sites.js';
import { TripExtractor, type RawTrip } from './trip-extractor.js';
import { summariseTrip } from './trips.js';
import type { VehicleTrips } from './vehicle-days.js';

/** One fleet sample, counters NaN when not reported. */
export interface FleetSample {
  t: number;
  lat: number;
  lon: number;
  speedKmh: number;
  ignition: boolean;
  odometerKm: number;
  fuelUsedL: number;
  energyUsedKwh: number;
}

/**
 * Samples of several vehicles column-wise, as a store scan gives them: row i belongs to vehicle `device[i]` (an
 * index into the scan's vehicle list); columns lat, lon, speed, ignition (1 on), odometer, fuel, energy; NaN where
 * absent.
 */
export interface FleetColumns {
  length: number;
  device: ArrayLike<number>;
  timeMs: ArrayLike<number>;
  columns: readonly ArrayLike<number>[];
}

/**
 * Trip extraction for a pool, one vehicle's samples after another or interleaved (each vehicle's in time order).
 * Keeps per vehicle only the extractor's state and the trips found; exact trip ends are dropped in `finish`, once the
 * sites are known.
 */
export class FleetPool {
  private readonly extractors = new Map<string, TripExtractor>();
  private readonly raw = new Map<string, RawTrip[]>();
  private readonly powertrains = new Map<string, Powertrain>();
  private readonly classes = new Map<string, string>();
  private readonly counters = new Map<string, { fuel: boolean; energy: boolean }>();

  constructor(private readonly settings: FleetSettings) {}

  extractorOf(vehicleId: string): TripExtractor {
    let x = this.extractors.get(vehicleId);
    if (!x) {
      const trips: RawTrip[] = [];
      this.raw.set(vehicleId, trips);
      x = new TripExtractor(vehicleId, this.settings, (trip) => trips.push(trip));
      this.extractors.set(vehicleId, x);
    }
    return x;
  }

  /** The first sample seen of a vehicle, if any (without starting an extractor for it). */
  firstSampleMs(vehicleId: string): number | undefined {
    const first = this.extractors.get(vehicleId)?.firstMs;
    return first === undefined || Number.isNaN(first) ? undefined : first;
  }

  /**
   * A fleet stream record (a replay file's line, a simulated sample) at time `t`, with the powertrain it reports;
   * `vehicleClass` is the class to take for the vehicle, if any (a caller may prefer the register's).
   */
  addRecord(vehicleId: string, r: FleetRecord, t: number, vehicleClass?: string): void {
    this.add(
      vehicleId,
      {
        t,
        lat: r.lat,
        lon: r.lon,
        speedKmh: r.speedKmh,
        ignition: r.ignition,
        odometerKm: r.odometerKm ?? Number.NaN,
        fuelUsedL: r.fuelUsedL ?? Number.NaN,
        energyUsedKwh: r.energyUsedKwh ?? Number.NaN,
      },
      r.powertrain,
      vehicleClass,
    );
  }

  add(vehicleId: string, s: FleetSample, powertrain?: Powertrain, vehicleClass?: string): void {
    this.extractorOf(vehicleId).push(
      s.t,
      s.lat,
      s.lon,
      s.speedKmh,
      s.ignition,
      s.odometerKm,
      s.fuelUsedL,
      s.energyUsedKwh,
    );
    if (powertrain && !this.powertrains.has(vehicleId)) this.powertrains.set(vehicleId, powertrain);
    if (vehicleClass && !this.classes.has(vehicleId)) this.classes.set(vehicleId, vehicleClass);
    const c = this.counters.get(vehicleId) ?? { fuel: false, energy: false };
    if (!c.fuel && !Number.isNaN(s.fuelUsedL)) c.fuel = true;
    if (!c.energy && !Number.isNaN(s.energyUsedKwh)) c.energy = true;
    this.counters.set(vehicleId, c);
  }

  /**
   * Adds a chunk of samples (each vehicle's rows in time order, after the ones it already has); rows without a
   * position, speed or ignition are skipped. No object per sample: what the store path feeds at millions a second.
   * Returns the rows taken.
   */
  addColumns(vehicleIds: readonly string[], chunk: FleetColumns): number {
    const { device, timeMs } = chunk;
    const [lat, lon, speed, ignition, odometer, fuel, energy] = chunk.columns;
    if (!lat || !lon || !speed || !ignition || !odometer || !fuel || !energy)
      throw new Error('fleet columns: expected lat, lon, speed, ignition, odometer, fuel and energy');
    let taken = 0;
    let k = 0;
    while (k < chunk.length) {
      // A run of one vehicle's rows.
      const index = device[k] as number;
      let end = k + 1;
      while (end < chunk.length && device[end] === index) end++;
      const id = vehicleIds[index];
      if (id === undefined) throw new Error(`fleet columns: no vehicle at index ${index}`);
      const x = this.extractorOf(id);
      let hasFuel = false;
      let hasEnergy = false;
      for (let i = k; i < end; i++) {
        const la = lat[i] as number;
        const lo = lon[i] as number;
        const sp = speed[i] as number;
        const ig = ignition[i] as number;
        if (Number.isNaN(la) || Number.isNaN(lo) || Number.isNaN(sp) || Number.isNaN(ig)) continue;
        const f = fuel[i] as number;
        const e = energy[i] as number;
        if (!Number.isNaN(f)) hasFuel = true;
        if (!Number.isNaN(e)) hasEnergy = true;
        x.push(timeMs[i] as number, la, lo, sp, ig === 1, odometer[i] as number, f, e);
        taken++;
      }
      if (hasFuel || hasEnergy) {
        const c = this.counters.get(id) ?? { fuel: false, energy: false };
        c.fuel ||= hasFuel;
        c.energy ||= hasEnergy;
        this.counters.set(id, c);
      }
      k = end;
    }
    return taken;
  }

  setPowertrain(vehicleId: string, powertrain: Powertrain): void {
    this.powertrains.set(vehicleId, powertrain);
  }

  /** The class a vehicle reported on its stream (`vehicle_class`). */
  setVehicleClass(vehicleId: string, vehicleClass: string): void {
    this.classes.set(vehicleId, vehicleClass);
  }

  get samples(): number {
    let n = 0;
    for (const x of this.extractors.values()) n += x.samples;
    return n;
  }

  /**
   * Closes every vehicle's stream, learns the sites (unless configured) and returns each vehicle's trips with ends
   * rounded. A vehicle's powertrain is the reported one, else `bev` when it reports only an energy counter, else
   * `ice` (and `powertrainAssumed` says so); its `vehicleClass` the one it reported, if any.
   */
  finish(): {
    sites: FleetSite[];
    vehicles: (VehicleTrips & { powertrainAssumed: boolean })[];
    dropped: number;
  } {
    const nights = new Map([...this.extractors].map(([id, x]) => (x.finish(), [id, x.nightCells] as const)));
    const { sites, homes } = learnSites(nights, this.settings);
    const home = new Map(homes.map((h) => [h.vehicleId, h.site]));
    let dropped = 0;
    const vehicles = [...this.extractors.keys()].sort().map((id) => {
      const x = this.extractors.get(id) as TripExtractor;
      dropped += x.dropped;
      const counters = this.counters.get(id);
      const reported = this.powertrains.get(id);
      const powertrain: Powertrain = reported ?? (counters?.energy && !counters.fuel ? 'bev' : 'ice');
      const vehicleClass = this.classes.get(id);
      return {
        vehicleId: id,
        ...(vehicleClass === undefined ? {} : { vehicleClass }),
        powertrain,
        powertrainAssumed: reported === undefined,
        home: home.get(id) ?? null,
        firstMs: x.firstMs,
        lastMs: x.lastMs,
        trips: (this.raw.get(id) ?? []).map((r) => summariseTrip(r, sites, this.settings)),
      };
    });
    this.raw.clear();
    return { sites, vehicles, dropped };
  }
}
