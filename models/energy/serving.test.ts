import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleEnergyCsv } from '../../cli/index.js';
import { meterRowsOfCsv } from '../../test/harness/energy-rows.js';
import { createMemoryLogger } from '../../core/index.js';
import { trainAndBacktest, type BacktestModel, type BacktestReport } from './backtest.js';
import { gate } from './gate.js';
import { HOUR_MS } from './hourly-series.js';
import { fitLinear, predictLinear } from './linear-reference.js';
import { FileModelRegistry, type ModelCard } from './registry.js';
import { parseReferences, type ServingReferences } from './references.js';
import { seriesFromRows, type MeterSeries } from './series-from-rows.js';
import { fitTowt, predictTowt } from './towt.js';
import { ForecasterCache, forecastMeter, SERVING_HISTORY_DAYS } from './use-cases.js';

const DAYS = 150;
const TRAIN_DAYS = 120;

function generated(): MeterSeries[] {
  return seriesFromRows(meterRowsOfCsv(sampleEnergyCsv(2, DAYS, 3), 'sample'));
}

/** The series a forecast from `origin` sees in the service: its last SERVING_HISTORY_DAYS, the day unknown. */
function servedSeries(s: MeterSeries, origin: number): { series: MeterSeries; originIndex: number } {
  const from = origin - SERVING_HISTORY_DAYS * 24;
  return {
    series: {
      ...s,
      start: s.start + from * HOUR_MS,
      kwh: [...s.kwh.slice(from, origin), ...new Array<number>(24).fill(Number.NaN)],
      temperatureC: s.temperatureC.slice(from, origin + 24),
    },
    originIndex: origin - from,
  };
}

/** Every meter served `model`. */
function serving(card: ModelCard, model: BacktestModel): ModelCard {
  return {
    ...card,
    gate: {
      serve: model,
      neuralPassed: false,
      reasons: ['test'],
      perMeter: card.meters.map((meter) => ({ meter, serve: model, reason: 'test', meetsG14: true })),
    },
  };
}

describe('served forecasts evaluate the closed-form models stored at training (the replay’s), not a refit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-serving-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const series = generated();
  let report: BacktestReport;
  let references: ServingReferences;
  let registry: FileModelRegistry;
  let withFits: ModelCard;
  let withoutFits: ModelCard;
  // The service trains at the end of its data and forecasts the days after; the last days stand in for them.
  const { start, kwh } = series[0] as MeterSeries;
  const firstMidnight = (Math.ceil(start / 86_400_000) * 86_400_000 - start) / HOUR_MS;
  const trainedAt = firstMidnight + (Math.floor((kwh.length - firstMidnight) / 24) - 4) * 24;

  it('fits them on all the data at training and stores them with the version', async () => {
    const truncated = series.map((s) => ({
      ...s,
      kwh: s.kwh.slice(0, trainedAt),
      temperatureC: s.temperatureC.slice(0, trainedAt),
    }));
    const trained = await trainAndBacktest(truncated, TRAIN_DAYS * 24, {
      skipNeural: true,
      retrainEveryHours: 168,
    });
    report = trained.report;
    references = trained.references;
    expect(references.fittedUntil).toBe(new Date(start + trainedAt * HOUR_MS).toISOString());
    expect(Object.keys(references.meters).sort()).toEqual(series.map((s) => s.meter).sort());
    registry = new FileModelRegistry(dir);
    const card = {
      tenant: 't',
      createdAt: new Date().toISOString(),
      trainingFrom: new Date(start).toISOString(),
      trainingUntil: report.trainUntil,
      backtestUntil: references.fittedUntil,
      backend: 'none',
      meters: series.map((s) => s.meter),
      backtest: report,
      gate: gate(report),
      limitations: [],
    };
    const artifacts = { manifest: {} as never, weights: Buffer.alloc(0) };
    withFits = registry.save(card, artifacts, true, references);
    expect(withFits.referencesFittedUntil).toBe(references.fittedUntil);
    // A version copied without them (as before they were stored) does not claim them.
    withoutFits = registry.save(withFits, artifacts, false);
    expect(withoutFits.referencesFittedUntil).toBeUndefined();
    expect(registry.references('t', withoutFits.version)).toBeUndefined();
    expect(registry.references('t', withFits.version)).toEqual(references);
  });

  it('forecasts a linear-served meter with the stored coefficients on the latest lags and temperatures', async () => {
    const cache = new ForecasterCache(registry);
    const card = serving(withFits, 'linear');
    // Two days after the training: the lags are the new days', the coefficients the training's.
    for (const origin of [trainedAt, trainedAt + 48]) {
      for (const s of series) {
        const { series: input, originIndex } = servedSeries(s, origin);
        const served = await forecastMeter(card, cache, input, originIndex);
        expect(served.model).toBe('linear');
        const scale = report.meters.find((m) => m.meter === s.meter)?.linearIntervalScale ?? 1;
        const stored = references.meters[s.meter]!.linear;
        const replay = predictLinear(stored, s, origin, 24, scale);
        served.median.forEach((v, h) => expect(v).toBeCloseTo(replay.median[h] as number, 9));
        served.upper!.forEach((v, h) => expect(v).toBeCloseTo(replay.upper[h] as number, 9));
        expect(served.median.every((v) => Number.isFinite(v))).toBe(true);
        // A refit on the served history (what the service did before) forecasts otherwise.
        const refit = predictLinear(fitLinear(input, originIndex), input, originIndex, 24, scale);
        expect(refit.median.some((v, h) => Math.abs(v - (served.median[h] as number)) > 1e-6)).toBe(true);
      }
    }
    cache.dispose();
  });

  it('forecasts a TOWT-served meter with the stored fit of the last year', async () => {
    const cache = new ForecasterCache(registry);
    const card = serving(withFits, 'towt');
    const origin = trainedAt + 24;
    for (const s of series) {
      const { series: input, originIndex } = servedSeries(s, origin);
      const served = await forecastMeter(card, cache, input, originIndex);
      expect(served.model).toBe('towt');
      const replay = predictTowt(references.meters[s.meter]!.towt, s, origin, 24);
      served.median.forEach((v, h) => expect(v).toBeCloseTo(replay[h] as number, 9));
    }
    cache.dispose();
  });

  it('refits them for a version stored before they were, and says so once', async () => {
    const { logger, lines } = createMemoryLogger();
    const cache = new ForecasterCache(registry, logger);
    const origin = trainedAt + 24;
    for (const model of ['linear', 'towt', 'linear'] as const) {
      const card = serving(withoutFits, model);
      for (const s of series) {
        const { series: input, originIndex } = servedSeries(s, origin);
        const served = await forecastMeter(card, cache, input, originIndex);
        const refit =
          model === 'linear'
            ? predictLinear(
                fitLinear(input, originIndex),
                input,
                originIndex,
                24,
                report.meters.find((m) => m.meter === s.meter)?.linearIntervalScale ?? 1,
              ).median
            : predictTowt(fitTowt(input, 0, originIndex), input, originIndex, 24);
        served.median.forEach((v, h) => expect(v).toBeCloseTo(refit[h] as number, 9));
      }
    }
    const warnings = lines().filter((l) => String(l.msg).includes('no stored linear reference'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ tenant: 't', version: withoutFits.version });
    cache.dispose();
  });

  it('keeps a coefficient the fit could not determine (NaN, null in JSON) as NaN', () => {
    const file = join(dir, 't', `v${withFits.version}`, 'references.json');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as ServingReferences;
    const meter = series[0]!.meter;
    (stored.meters[meter]!.linear.coefficients[0] as number[])[0] = Number.NaN;
    writeFileSync(file, JSON.stringify(stored));
    const read = registry.references('t', withFits.version)!;
    expect(read.meters[meter]!.linear.coefficients[0]![0]).toBeNaN();
    expect(() => parseReferences(JSON.stringify({ ...stored, format: 'other/1' }))).toThrow(
      /unknown references format other\/1/,
    );
  });
});
