import { setImmediate as nextTurn } from 'node:timers/promises';
import type { TimeSeriesStore } from '../../store/index.js';
import type { FleetPool } from './fleet-pool.js';

const DAY_MS = 86_400_000;
/** The fields the trip extractor reads, in FleetPool.addColumns' order. */
export const FLEET_SAMPLE_FIELDS = [
  'lat',
  'lon',
  'speed_kmh',
  'ignition',
  'odometer_km',
  'fuel_used_l',
  'energy_used_kwh',
] as const;

export interface LoadFleetOptions {
  tenant: string;
  devices: readonly string[];
  fromMs: number;
  toMs: number;
  /**
   * Days per scan (default 7). Each scan reads every vehicle's samples of its days in one pass over the store (a
   * store filled by live ingest keeps the vehicles' samples interleaved in time, so a query per vehicle would read
   * the whole period once per vehicle); the store sorts one slice, so its memory is bounded by a slice of the pool.
   */
  sliceDays?: number;
  /** Longest one slice's scan may take. */
  timeoutMs?: number;
  /** Vehicle classes to look up in the `vehicle_class` tag (the fleet defaults' classes): a listing per class. */
  classes?: readonly string[];
  /** Only these vehicles need their class from the stream (the others are in the register); default: all. */
  classesFor?: ReadonlySet<string>;
}

/**
 * Streams the pool's raw fleet samples from the time-series store into the trip extractors, slice after slice of
 * time, each slice vehicle by vehicle in time order (the port's scanFields: numeric columns, no object per sample),
 * so each vehicle's stream reaches its extractor in time order and memory stays bounded by a chunk on our side and a
 * slice in the store, whatever the period. Vehicles that ever reported the `bev` powertrain tag are marked so, and
 * a vehicle that reported one of `classes` as its `vehicle_class` tag gets that class.
 * The same code runs on DuckDB and InfluxDB. Returns the samples read.
 */
export async function loadFleetPool(
  store: TimeSeriesStore,
  pool: FleetPool,
  options: LoadFleetOptions,
): Promise<number> {
  if (options.devices.length === 0) return 0;
  const wanted = new Set(options.devices);
  const window = { fromMs: options.fromMs, toMs: options.toMs };
  for (const device of await store.listDeviceNames('fleet', options.tenant, { powertrain: 'bev' }, window))
    if (wanted.has(device)) pool.setPowertrain(device, 'bev');
  const unclassed = options.devices.filter((d) => options.classesFor?.has(d) ?? true);
  if (unclassed.length > 0) {
    const need = new Set(unclassed);
    for (const cls of options.classes ?? [])
      for (const device of await store.listDeviceNames(
        'fleet',
        options.tenant,
        { vehicle_class: cls },
        window,
      ))
        if (need.has(device)) pool.setVehicleClass(device, cls);
  }
  const step = Math.max(1, options.sliceDays ?? 7) * DAY_MS;
  let read = 0;
  for (let from = options.fromMs; from < options.toMs; from += step) {
    await store.scanFields(
      {
        measurement: 'fleet',
        tenant: options.tenant,
        devices: options.devices,
        fields: FLEET_SAMPLE_FIELDS,
        fromMs: from,
        toMs: Math.min(options.toMs, from + step),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      },
      (chunk) => {
        read += pool.addColumns(options.devices, chunk);
      },
    );
    await nextTurn(); // other requests go between slices
  }
  return read;
}
