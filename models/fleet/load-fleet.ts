import { setImmediate as nextTurn } from 'node:timers/promises';
import type { TimeSeriesStore } from '../../store/index.js';
import type { FleetPool } from './fleet-pool.js';

const DAY_MS = 86_400_000;
/** Samples per query: a busy vehicle-month of 10-second driving samples fits. */
const PAGE_ROWS = 200_000;
const FIELDS = [
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
  device: string;
  fromMs: number;
  toMs: number;
  /** Days per query window (default 31: a query has a fixed cost, so fewer and larger windows read faster). */
  windowDays?: number;
  timeoutMs?: number;
}

/**
 * Streams one vehicle's raw fleet samples from the time-series store into the pool, window by window (a month by
 * default), so memory stays bounded by a window whatever the period. One multi-field query per window (the port's
 * queryFields), so the same code runs on DuckDB and InfluxDB. A window holding more than the row cap is split in
 * halves. Returns the samples read.
 */
export async function loadFleetVehicle(
  store: TimeSeriesStore,
  pool: FleetPool,
  options: LoadFleetOptions,
): Promise<number> {
  const step = (options.windowDays ?? 31) * DAY_MS;
  let read = 0;
  const bev = await store.querySeries({
    measurement: 'fleet',
    tenant: options.tenant,
    field: 'speed_kmh',
    tags: { device: options.device, powertrain: 'bev' },
    fromMs: options.fromMs,
    toMs: options.toMs,
    everyMs: options.toMs - options.fromMs,
    fn: 'count',
    limit: 2,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (bev.some((r) => (r.value as number) > 0)) pool.setPowertrain(options.device, 'bev');
  const window = async (from: number, to: number): Promise<void> => {
    const rows = await store.queryFields({
      measurement: 'fleet',
      tenant: options.tenant,
      fields: FIELDS,
      tags: { device: options.device },
      fromMs: from,
      toMs: to,
      limit: PAGE_ROWS + 1,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    if (rows.length > PAGE_ROWS && to - from > 60_000) {
      const mid = from + Math.floor((to - from) / 2);
      await window(from, mid);
      await window(mid, to);
      return;
    }
    const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
    for (const { timeMs, values } of rows) {
      const [lat, lon, speed, ignition, odometer, fuel, energy] = values;
      if (typeof lat !== 'number' || typeof lon !== 'number' || typeof speed !== 'number' || ignition == null)
        continue;
      pool.add(options.device, {
        t: timeMs,
        lat,
        lon,
        speedKmh: speed,
        ignition: ignition === true || ignition === 1,
        odometerKm: num(odometer),
        fuelUsedL: num(fuel),
        energyUsedKwh: num(energy),
      });
      read++;
    }
  };
  for (let from = options.fromMs; from < options.toMs; from += step) {
    await window(from, Math.min(options.toMs, from + step));
    await nextTurn(); // a window's extraction takes ~0.1 s: other requests go between windows
  }
  return read;
}
