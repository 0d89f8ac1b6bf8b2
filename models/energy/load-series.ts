import type { TimeSeriesStore } from '../../store/index.js';
import { HOUR_MS } from './hourly-series.js';
import { seriesFromRows, type MeterRow, type MeterSeries } from './series-from-rows.js';

/** Hourly kWh (summed) and outdoor temperature (mean) of every kWh meter of a tenant in [fromMs, toMs). */
export async function loadEnergySeries(
  store: TimeSeriesStore,
  tenant: string,
  fromMs: number,
  toMs: number,
  devices?: string[],
): Promise<MeterSeries[]> {
  const names = devices ?? (await store.listDevices('energy', tenant)).map((d) => d.device);
  const rows: MeterRow[] = [];
  const base = { measurement: 'energy', tenant, fromMs, toMs, everyMs: HOUR_MS, limit: 100_000 };
  for (const device of names) {
    const kwh = await store.querySeries({ ...base, field: 'kwh', tags: { device }, fn: 'sum' });
    if (kwh.length === 0) continue;
    const temps = new Map(
      (await store.querySeries({ ...base, field: 'outdoor_temp_c', tags: { device }, fn: 'mean' })).map(
        (r) => [r.timeMs, r.value as number],
      ),
    );
    for (const r of kwh)
      rows.push({
        meter: device,
        timeMs: r.timeMs,
        kwh: r.value as number,
        temperatureC: temps.get(r.timeMs),
      });
  }
  return seriesFromRows(rows);
}
