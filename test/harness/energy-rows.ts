import type { MeterRow } from '../../models/index.js';

/**
 * Hourly meter rows of a file in the energy import format (`timestamp,meter_id,kwh,outdoor_temp_c`): the shared
 * real set and the sample generator's output, for the energy benchmark and tests. A bad header or line throws,
 * naming `source` and the line.
 */
export function meterRowsOfCsv(text: string, source: string): MeterRow[] {
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('timestamp,meter_id,kwh,outdoor_temp_c'))
    throw new Error(`${source}:1: not the energy import header (timestamp,meter_id,kwh,outdoor_temp_c)`);
  const rows: MeterRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line) continue;
    const [ts, meter, kwh, temp] = line.split(',');
    if (!ts || !meter || kwh === undefined) throw new Error(`${source}:${i + 1}: expected 4 columns`);
    rows.push({
      meter,
      timeMs: Date.parse(ts),
      kwh: Number(kwh),
      temperatureC: temp === undefined || temp === '' ? undefined : Number(temp),
    });
  }
  return rows;
}
