import type { Point } from '../../core/index.js';
import type { TimeSeriesStore } from '../../store/index.js';
import { HOUR_MS } from './hourly-series.js';
import { loadEnergySeries } from './load-series.js';
import { fitTowt, predictTowt } from './towt.js';
import { wasteOfSeries } from './use-cases.js';
import type { WasteSettings } from './waste.js';

const DAY_MS = 86_400_000;

/**
 * Writes the last `days` days' energy analysis of every meter of a tenant to the store, for the facility managers'
 * dashboard: `energy_waste` (one point per finding at its start; tags tenant, device, kind; fields excess_kwh,
 * cost_dkk, co2_kg, detail) and `energy_expected` (per meter and UTC day; fields actual_kwh, expected_kwh,
 * avoided_kwh: what a TOWT baseline fitted on the `referenceWeeks` before expected, minus what was used). Meters
 * without enough reference data get no points (the API's 422 says why). Returns the points written.
 */
export async function writeEnergyAnalysis(
  store: TimeSeriesStore,
  tenant: string,
  settings: WasteSettings,
  {
    nowMs = Date.now(),
    days = 7,
    referenceWeeks = 8,
  }: { nowMs?: number; days?: number; referenceWeeks?: number } = {},
): Promise<number> {
  const toMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const fromMs = toMs - days * DAY_MS;
  const referenceFrom = fromMs - referenceWeeks * 7 * DAY_MS;
  const series = await loadEnergySeries(store, tenant, referenceFrom, toMs);
  const points: Point[] = [];
  const report = wasteOfSeries(series, { fromMs, toMs, referenceFrom }, settings);
  const supported = new Set(
    report.coverage
      .filter((c) => c.referenceHours >= 0.5 * ((fromMs - referenceFrom) / HOUR_MS) && c.windowHours > 0)
      .map((c) => c.device),
  );
  for (const f of report.findings) {
    if (!supported.has(f.device)) continue;
    points.push({
      measurement: 'energy_waste',
      tags: { tenant, device: f.device, kind: f.kind },
      fields: { excess_kwh: f.excessKwh, cost_dkk: f.costDkk, co2_kg: f.co2Kg, detail: f.detail },
      timeMs: Date.parse(f.from),
    });
  }
  for (const s of series) {
    if (!supported.has(s.meter)) continue;
    const index = (ms: number) => Math.round((ms - s.start) / HOUR_MS);
    const baseline = fitTowt(s, Math.max(0, index(referenceFrom)), index(fromMs));
    for (let day = fromMs; day < toMs; day += DAY_MS) {
      const from = index(day);
      if (from < 0 || from + 24 > s.kwh.length) continue;
      const expected = predictTowt(baseline, s, from, 24);
      let actual = 0;
      let expectedSum = 0;
      let n = 0;
      for (let h = 0; h < 24; h++) {
        const y = s.kwh[from + h] as number;
        const e = expected[h] as number;
        if (Number.isNaN(y) || Number.isNaN(e)) continue;
        actual += y;
        expectedSum += e;
        n += 1;
      }
      if (n < 20) continue;
      points.push({
        measurement: 'energy_expected',
        tags: { tenant, device: s.meter },
        fields: {
          actual_kwh: actual,
          expected_kwh: expectedSum,
          avoided_kwh: expectedSum - actual,
          hours: n,
        },
        timeMs: day,
      });
    }
  }
  await store.write(points);
  return points.length;
}
