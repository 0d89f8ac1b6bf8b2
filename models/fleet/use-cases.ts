import type { TimeSeriesStore } from '../../store/index.js';
import type { FleetDefaults } from './fleet-defaults.js';
import type { FleetSettings } from './fleet-settings.js';
import type { VehicleTrips } from './vehicle-days.js';
import { FleetPool } from './fleet-pool.js';
import { fleetReport, type FleetReport, type FleetReportInput } from './fleet-report.js';
import { FLEET_TRIP_MEASUREMENT, fleetResultPoints } from './fleet-results.js';
import { loadTripSummaries, type StoredTrips } from './load-trip-summaries.js';
import { loadFleetPool } from './load-fleet.js';
import { DanishClock, localDate } from './local-clock.js';
import type { VehicleRegister } from './vehicle-classes.js';

const DAY_MS = 86_400_000;

export interface FleetServiceOptions {
  store: TimeSeriesStore;
  settings: FleetSettings;
  defaults: FleetDefaults;
  /** The vehicle register (GREENOPS_FLEET_VEHICLES): each vehicle's class, fuel, price and EV model. */
  register?: VehicleRegister;
  /** Vehicles of a tenant in one report (the first ones by name). */
  maxVehicles?: number;
  /** How long a tenant's report for the same window and EV model is reused. */
  cacheTtlMs?: number;
  now?: () => number;
  queryTimeoutMs?: number;
  /** Where the report is computed (AnalysisWorkers: a worker thread for a large pool); default: in place. */
  analysis?: { fleetReport(input: FleetReportInput): Promise<FleetReport> };
}

export interface TenantFleet {
  report: FleetReport;
  samples: number;
  /** The tenant's vehicles with raw samples or trip summaries in the window (InfluxDB: every vehicle it lists). */
  vehicles: number;
  truncated: boolean;
}

/**
 * What the fleet routes ask of the store and the fleet model: the tenant's vehicles streamed from the raw fleet
 * stream slice by slice of time (the event loop let go between chunks), trips extracted, and the whole report of the window.
 * Sites are learned from every vehicle of the tenant, so a site means the same in every answer.
 */
export class FleetService {
  private readonly cache = new Map<string, { at: number; fleet: Promise<TenantFleet> }>();

  constructor(private readonly options: FleetServiceOptions) {}

  get settings(): FleetSettings {
    return this.options.settings;
  }

  get defaults(): FleetDefaults {
    return this.options.defaults;
  }

  /** Vehicles with raw samples or stored trip summaries. */
  async vehicles(tenant: string): Promise<string[]> {
    const [raw, trips] = await Promise.all([
      this.options.store.listDeviceNames('fleet', tenant),
      this.options.store.listDeviceNames(FLEET_TRIP_MEASUREMENT, tenant),
    ]);
    return [...new Set([...raw, ...trips])].sort();
  }

  /** Daily minimum outdoor temperature from the energy stream's `outdoor_temp_c` (any meter of the tenant). */
  async temperatures(tenant: string, fromMs: number, toMs: number): Promise<Map<string, number>> {
    const rows = await this.options.store.querySeries({
      measurement: 'energy',
      tenant,
      field: 'outdoor_temp_c',
      fromMs: fromMs - DAY_MS,
      toMs: toMs + DAY_MS,
      everyMs: DAY_MS,
      fn: 'min',
      limit: 2000,
      ...(this.options.queryTimeoutMs === undefined ? {} : { timeoutMs: this.options.queryTimeoutMs }),
    });
    const out = new Map<string, number>();
    for (const r of rows)
      if (typeof r.value === 'number') out.set(localDate(Math.floor(r.timeMs / DAY_MS)), r.value);
    return out;
  }

  private async compute(
    tenant: string,
    fromMs: number,
    toMs: number,
    evModel: string | undefined,
  ): Promise<TenantFleet> {
    const window = { fromMs, toMs };
    const [raw, summarised] = await Promise.all([
      this.options.store.listDeviceNames('fleet', tenant, {}, window),
      this.options.store.listDeviceNames(FLEET_TRIP_MEASUREMENT, tenant, {}, window),
    ]);
    const withTrips = new Set(summarised);
    const all = [...new Set([...raw, ...withTrips])].sort();
    const devices = all.slice(0, this.options.maxVehicles ?? 500);
    const pool = new FleetPool(this.options.settings);
    const timeout =
      this.options.queryTimeoutMs === undefined ? {} : { timeoutMs: this.options.queryTimeoutMs };
    const samples = await loadFleetPool(this.options.store, pool, {
      tenant,
      devices,
      fromMs,
      toMs,
      classes: Object.keys(this.options.defaults.classes),
      // A vehicle in the register has its class: no listing of the stream's classes for it.
      classesFor: new Set(devices.filter((d) => !this.options.register?.has(d))),
      ...timeout,
    });
    // Before a vehicle's first raw sample in the window (raw positions past their retention), its stored trip
    // summaries stand in (asked only of vehicles that have any).
    const stored = new Map<string, StoredTrips>();
    for (const device of devices) {
      if (!withTrips.has(device)) continue;
      const firstRaw = pool.firstSampleMs(device) ?? toMs;
      if (firstRaw > fromMs) {
        const before = await loadTripSummaries(this.options.store, {
          tenant,
          device,
          fromMs,
          toMs: firstRaw,
          ...timeout,
        });
        if (before.trips.length > 0) stored.set(device, before);
      }
    }
    const finished = pool.finish();
    const { sites, dropped } = finished;
    const vehicles = mergeStored(finished.vehicles, stored, fromMs);
    const temperatures = await this.temperatures(tenant, fromMs, toMs);
    const input: FleetReportInput = {
      vehicles,
      sites,
      settings: this.options.settings,
      defaults: this.options.defaults,
      ...(this.options.register ? { register: this.options.register } : {}),
      temperatures,
      tripsDropped: dropped,
      ...(evModel === undefined ? {} : { evModel }),
    };
    const report = this.options.analysis
      ? await this.options.analysis.fleetReport(input)
      : fleetReport(input);
    return { report, samples, vehicles: all.length, truncated: all.length > devices.length };
  }

  /** The tenant's fleet report of a window (reused for `cacheTtlMs`). */
  async report(tenant: string, fromMs: number, toMs: number, evModel?: string): Promise<TenantFleet> {
    const key = `${tenant}|${fromMs}|${toMs}|${evModel ?? ''}`;
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(key);
    if (cached && now - cached.at < (this.options.cacheTtlMs ?? 5 * 60_000)) return cached.fleet;
    for (const [k, v] of this.cache)
      if (now - v.at >= (this.options.cacheTtlMs ?? 5 * 60_000)) this.cache.delete(k);
    const fleet = this.compute(tenant, fromMs, toMs, evModel);
    this.cache.set(key, { at: now, fleet });
    fleet.catch(() => this.cache.delete(key));
    return fleet;
  }

  /**
   * Writes the tenant's trips, vehicle-days and EV verdicts of a window to the store (`fleet_trip`, `fleet_daily`,
   * `fleet_ev`), for dashboards and for reports after the raw positions' retention. Idempotent.
   */
  async writeResults(
    tenant: string,
    fromMs: number,
    toMs: number,
  ): Promise<{ vehicles: number; points: number }> {
    const { report } = await this.compute(tenant, fromMs, toMs, undefined);
    const clock = new DanishClock();
    const points = fleetResultPoints(tenant, report, (ms) => clock.dayStartMs(clock.dayOf(ms)));
    for (let i = 0; i < points.length; i += 5000) await this.options.store.write(points.slice(i, i + 5000));
    return { vehicles: report.totals.vehicles, points: points.length };
  }
}

/**
 * Vehicles from raw samples joined with stored trip summaries of earlier in the window: a raw trip that starts
 * before the last stored one ends (raw data cut by retention mid-trip) is the stored trip's tail and is dropped.
 */
function mergeStored(
  fromRaw: (VehicleTrips & { powertrainAssumed: boolean })[],
  stored: ReadonlyMap<string, StoredTrips>,
  fromMs: number,
): (VehicleTrips & { powertrainAssumed: boolean })[] {
  const out = fromRaw.filter((v) => Number.isFinite(v.firstMs) || stored.has(v.vehicleId));
  for (const [device, s] of stored) {
    const raw = out.find((v) => v.vehicleId === device);
    const lastEnd = Math.max(...s.trips.map((t) => t.endMs));
    if (raw) {
      raw.trips = [...s.trips, ...raw.trips.filter((t) => t.startMs >= lastEnd)];
      raw.firstMs = Math.min(fromMs, raw.firstMs);
      raw.home ??= s.home;
      if (raw.vehicleClass === undefined && s.vehicleClass !== undefined) raw.vehicleClass = s.vehicleClass;
      continue;
    }
    out.push({
      vehicleId: device,
      powertrain: s.powertrain ?? 'ice',
      powertrainAssumed: s.powertrain === undefined,
      home: s.home,
      ...(s.vehicleClass === undefined ? {} : { vehicleClass: s.vehicleClass }),
      firstMs: fromMs,
      lastMs: Math.max(lastEnd, ...s.trips.map((t) => t.startMs)),
      trips: s.trips,
    });
  }
  return out.sort((a, b) => (a.vehicleId < b.vehicleId ? -1 : 1));
}
