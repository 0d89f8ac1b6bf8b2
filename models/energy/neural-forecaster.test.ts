import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleEnergyCsv } from '../../cli/index.js';
import { meterRowsOfCsv } from '../../test/harness/energy-rows.js';
import { backtest } from './backtest.js';
import { NeuralForecaster } from './neural-forecaster.js';
import { FileModelRegistry, type ModelCard } from './registry.js';
import { seriesFromRows, type MeterRow } from './series-from-rows.js';
import { HOUR_MS } from './hourly-series.js';

describe('neural day-ahead forecaster (tfjs, wasm)', () => {
  // A year of training, as G14 and CalTRACK ask: with only winter months to learn from, heating meters are
  // badly wrong in May (TOWT has seen no warm days), which the backtest then reports.
  it('beats seasonal naive on realistic buildings, with an 80 % interval that covers about 80 %', async () => {
    const series = seriesFromRows(meterRowsOfCsv(sampleEnergyCsv(6, 400, 4), 'sample'));
    const trainUntil = 365 * 24;
    const report = await backtest(series, trainUntil, { epochs: 20 });
    expect(report.meters).toHaveLength(6);
    expect(report.neuralToNaiveCvRmse).toBeLessThan(0.5);
    expect(report.median.neural.cvRmsePct).toBeLessThanOrEqual(report.median.towt.cvRmsePct * 1.05);
    expect(report.median.neural.coverage).toBeGreaterThan(0.65);
    expect(report.median.neural.coverage).toBeLessThan(0.95);
    expect(report.meters.every((m) => m.neuralMeetsG14)).toBe(true);
    expect(report.meters[0]?.days).toBe(Math.floor((series[0]!.kwh.length - trainUntil - 24) / 24) + 1);
  }, 60_000);

  it('refuses too little history saying how many days it needs and how many each meter has', async () => {
    const series = seriesFromRows(meterRowsOfCsv(sampleEnergyCsv(2, 15, 3), 'sample'));
    await expect(NeuralForecaster.train(series, 15 * 24, { epochs: 1 })).rejects.toMatchObject({
      code: 'INSUFFICIENT_DATA',
      message: expect.stringMatching(
        /^too little history to train: the network needs at least 20 usable days over all meters .*; it has \d+ \(per meter: meter-001 \d+, meter-002 \d+\)$/,
      ),
    });
  });

  it('saves and loads again to the same forecasts (registry round trip)', async () => {
    const series = seriesFromRows(meterRowsOfCsv(sampleEnergyCsv(2, 60, 9), 'sample'));
    const trained = await NeuralForecaster.train(series, 45 * 24, { epochs: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'greenops-registry-'));
    try {
      const registry = new FileModelRegistry(dir);
      const report = { meters: [], median: {} } as unknown as ModelCard['backtest'];
      const card = registry.save(
        {
          tenant: 't',
          createdAt: '',
          trainingFrom: '',
          trainingUntil: '',
          backtestUntil: '',
          backend: trained.backend,
          meters: ['x'],
          backtest: report,
          gate: { serve: 'neural', neuralPassed: true, reasons: [] },
          limitations: [],
        },
        await trained.toArtifacts(),
      );
      expect(registry.current('t')).toMatchObject({ live: true, card: { version: 1 } });
      const loaded = await NeuralForecaster.fromArtifacts(registry.artifacts('t', card.version));
      const origin = 50 * 24;
      expect(loaded.forecast(series[0]!, origin)).toEqual(trained.forecast(series[0]!, origin));
      loaded.dispose();
    } finally {
      trained.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sets aside zero-filled outages and impossible values instead of training on them', () => {
    const t0 = Date.UTC(2025, 0, 1);
    const rows: MeterRow[] = Array.from({ length: 48 }, (_, h) => ({
      meter: 'm',
      timeMs: t0 + h * HOUR_MS,
      kwh: h >= 10 && h < 18 ? 0 : h === 30 ? 5000 : 10 + (h % 3),
      temperatureC: h === 5 ? undefined : 2,
    }));
    rows.splice(40, 1); // a missing hour
    const [s] = seriesFromRows(rows);
    expect(s!.kwh.slice(10, 18).every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(s!.kwh[30] as number)).toBe(true);
    expect(Number.isNaN(s!.kwh[40] as number)).toBe(true);
    expect(s!.excluded).toBe(9);
    expect(s!.temperatureC[5]).toBe(2);
  });
});
