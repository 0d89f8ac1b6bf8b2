import type { SeriesQuery, TimeSeriesStore } from '../../store/index.js';
import type { FleetPool } from './fleet-pool.js';

const DAY_MS = 86_400_000;
/** Samples per query: a vehicle-week of 10-second driving samples fits. */
const PAGE_ROWS = 100_000;
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
  /** Days per query window (default 7). */
  windowDays?: number;
  timeoutMs?: number;
}

/**
 * Streams one vehicle's raw fleet samples from the time-series store into the pool, window by window (a week by
 * default), so memory stays bounded by a window whatever the period. Only the port's raw series queries are used (a
 * query per field, joined on time), so the same code runs on DuckDB and InfluxDB. A window holding more than the row
 * cap is split in halves. Returns the samples read.
 */
export async function loadFleetVehicle(
  store: TimeSeriesStore,
  pool: FleetPool,
  options: LoadFleetOptions,
): Promise<number> {
  const step = (options.windowDays ?? 7) * DAY_MS;
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
    const base: Omit<SeriesQuery, 'field'> = {
      measurement: 'fleet',
      tenant: options.tenant,
      tags: { device: options.device },
      fromMs: from,
      toMs: to,
      limit: PAGE_ROWS + 1,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    const columns = await Promise.all(FIELDS.map((field) => store.querySeries({ ...base, field })));
    if (columns.some((c) => c.length > PAGE_ROWS) && to - from > 60_000) {
      const mid = from + Math.floor((to - from) / 2);
      await window(from, mid);
      await window(mid, to);
      return;
    }
    const [, lon, speed, ignition, odometer, fuel, energy] = columns.map(
      (rows) => new Map(rows.map((r) => [r.timeMs, r.value])),
    ) as Map<number, unknown>[];
    for (const row of columns[0] ?? []) {
      const t = row.timeMs;
      const num = (m: Map<number, unknown> | undefined) => {
        const v = m?.get(t);
        return typeof v === 'number' ? v : Number.NaN;
      };
      const ign = ignition?.get(t);
      if (ign === undefined || !speed?.has(t)) continue;
      pool.add(options.device, {
        t,
        lat: row.value as number,
        lon: num(lon),
        speedKmh: num(speed),
        ignition: ign === true || ign === 1,
        odometerKm: num(odometer),
        fuelUsedL: num(fuel),
        energyUsedKwh: num(energy),
      });
      read++;
    }
  };
  for (let from = options.fromMs; from < options.toMs; from += step)
    await window(from, Math.min(options.toMs, from + step));
  return read;
}
