import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sampleEnergyCsv } from '../cli/index.js';
import { meterRowsOfCsv } from '../test/harness/energy-rows.js';
import {
  BACKTEST_MODELS,
  FileModelRegistry,
  ForecasterCache,
  forecastMeter,
  gate,
  HOUR_MS,
  inferHolidayCalendar,
  SERVING_HISTORY_DAYS,
  seriesFromRows,
  trainAndBacktest,
  type BacktestModel,
  type BacktestReport,
  type MeterSeries,
  type ModelCard,
  type NeuralForecaster,
  type ScoredModel,
  type ServingReferences,
} from '../models/index.js';

/**
 * The energy forecasts on real buildings (issue 16) and on generated ones: day-ahead over a year after a year of
 * training, replaying the service's weekly retraining (GREENOPS_ENERGY_RETRAIN_HOURS, 168 h).
 *
 *   npm run bench:energy -- [real file]   (default ../shared/data/energy/cambridge-dev-2016-2017.csv.gz)
 *
 * The real set's holiday calendar is read from its own training year (BENCH_REAL_CALENDAR=auto, the default: the
 * calendar whose holidays the buildings keep like weekends, models/energy/holiday-inference.ts; or dk, gb-eng, none,
 * as GREENOPS_ENERGY_HOLIDAY_CALENDAR would set it), the generated one with the Danish default.
 * BENCH_RETRAIN_HOURS sets the retraining interval (0: train once), BENCH_FINE_TUNE_EPOCHS the network's
 * warm-started epochs at each retraining, BENCH_NO_NEURAL=1 leaves the network out (closed-form models only).
 */
const path = process.argv[2] ?? '../shared/data/energy/cambridge-dev-2016-2017.csv.gz';
const retrainEveryHours = Number(process.env.BENCH_RETRAIN_HOURS ?? 168);
const fineTuneEpochs = Number(process.env.BENCH_FINE_TUNE_EPOCHS ?? 3);
const skipNeural = process.env.BENCH_NO_NEURAL === '1';
const realCalendarSetting = process.env.BENCH_REAL_CALENDAR ?? 'auto';
const MODELS: ScoredModel[] = ['served', 'neural', 'linear', 'towt', 'seasonalNaive'];

async function run(
  name: string,
  series: MeterSeries[],
  trainUntil: number,
  holidayCalendar: string,
): Promise<BacktestReport> {
  let lastTenth = -1;
  const { report, forecaster, references } = await trainAndBacktest(series, trainUntil, {
    holidayCalendar,
    retrainEveryHours,
    fineTuneEpochs,
    skipNeural,
    onProgress: (done, total) => {
      const tenth = Math.floor((done / total) * 10);
      if (tenth !== lastTenth) process.stderr.write(`${name}: day ${done}/${total}\n`);
      lastTenth = tenth;
    },
  });
  try {
    const times = await servedForecastTimes(series, report, forecaster, references);
    print(name, report, times.servedMs);
    console.log(`\n${times.line}`);
  } finally {
    forecaster?.dispose();
  }
  return report;
}

/**
 * Milliseconds per meter of the service's forecast path (forecastMeter on a version stored in a registry, as the
 * API and the forecast writer call it), with every meter served each model in turn, on the last day of the data:
 * the series as tomorrowSeries gives it (SERVING_HISTORY_DAYS of history, the day's loads unknown), a new one for
 * each call (nothing cached between calls but the loaded version). Loading the history from the store is not
 * counted. "linear, refitted" is a version stored before the fits were (refitted at each forecast). Also the
 * median over meters of the model each meter is served (its `chosen`): the header's "forecast … per meter".
 */
async function servedForecastTimes(
  series: MeterSeries[],
  report: BacktestReport,
  forecaster: NeuralForecaster | undefined,
  references: ServingReferences,
): Promise<{ line: string; servedMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-bench-energy-'));
  const registry = new FileModelRegistry(dir);
  const cache = new ForecasterCache(registry);
  try {
    const length = (series[0] as MeterSeries).kwh.length;
    const start = (series[0] as MeterSeries).start;
    const origin = lastMidnight(start, length);
    const from = Math.max(0, origin - SERVING_HISTORY_DAYS * 24);
    const served = (s: MeterSeries): MeterSeries => ({
      ...s,
      start: s.start + from * HOUR_MS,
      kwh: [...s.kwh.slice(from, origin), ...new Array<number>(24).fill(Number.NaN)],
      temperatureC: s.temperatureC.slice(from, origin + 24),
    });
    const base = {
      tenant: 'bench',
      createdAt: new Date().toISOString(),
      trainingFrom: new Date(start).toISOString(),
      trainingUntil: report.trainUntil,
      backtestUntil: new Date(start + length * HOUR_MS).toISOString(),
      backend: report.backend,
      meters: series.map((s) => s.meter),
      backtest: report,
      limitations: [],
    };
    const artifacts = forecaster
      ? await forecaster.toArtifacts()
      : { manifest: {} as never, weights: Buffer.alloc(0) };
    const withFits = registry.save({ ...base, gate: gate(report) }, artifacts, true, references);
    const withoutFits = registry.save({ ...base, gate: gate(report) }, artifacts, false);
    const servedAll = (card: ModelCard, model: BacktestModel): ModelCard => ({
      ...card,
      gate: {
        serve: model,
        neuralPassed: true,
        reasons: [],
        perMeter: card.meters.map((meter) => ({ meter, serve: model, reason: 'bench', meetsG14: true })),
      },
    });
    const cases: [string, ModelCard][] = [
      ...BACKTEST_MODELS.filter((k) => k !== 'neural' || forecaster).map((k): [string, ModelCard] => [
        k,
        servedAll(withFits, k),
      ]),
      ['linear, refitted (a version from before the fits were stored)', servedAll(withoutFits, 'linear')],
    ];
    const out: string[] = [];
    const byModel = new Map<string, number[]>();
    for (const [label, card] of cases) {
      const perMeter: number[] = [];
      for (const s of series) {
        const originIndex = origin - from;
        await forecastMeter(card, cache, served(s), originIndex); // loads the version once
        const times: number[] = [];
        for (let k = 0; k < 5; k++) {
          const input = served(s);
          const t = performance.now();
          await forecastMeter(card, cache, input, originIndex);
          times.push(performance.now() - t);
        }
        perMeter.push(median(times));
      }
      byModel.set(label, perMeter);
      out.push(`${label} ${median(perMeter).toFixed(2)} ms (max ${Math.max(...perMeter).toFixed(2)})`);
    }
    const asServed = series.map((s, i) => {
      const chosen = report.meters.find((m) => m.meter === s.meter)?.chosen ?? 'linear';
      return (byModel.get(chosen) ?? byModel.get('linear'))?.[i] ?? Number.NaN;
    });
    return {
      line: `forecast, one meter (the served path, median over meters of 5 calls): ${out.join('; ')}`,
      servedMs: median(asServed),
    };
  } finally {
    cache.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

function lastMidnight(start: number, length: number): number {
  const end = start + (length - 24) * HOUR_MS;
  return (Math.floor(end / 86_400_000) * 86_400_000 - start) / HOUR_MS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function print(name: string, r: BacktestReport, servedMs: number): void {
  const f = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(1));
  console.log(
    `\n## ${name}: ${r.meters.length} meters, trained until ${r.trainUntil}, ${r.meters[0]?.days} days`,
  );
  console.log(
    `retrained every ${r.retrainEveryHours || '–'} h (${r.retrainings} times); training ${f(r.trainingSeconds)} s, whole replay ${f(r.backtestSeconds)} s, forecast ${servedMs.toFixed(2)} ms per meter as served (the service's path, each meter its chosen model; the network alone in the replay's batch ${r.forecastMsPerMeter.toFixed(2)} ms) (${r.backend})`,
  );
  console.log('| model | median CV(RMSE) | p90 | G14 hourly met | median NMBE | 80 % interval coverage |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const k of MODELS) {
    const cov = r.meters.map((m) => m.accuracy[k].coverage).filter((c): c is number => c !== undefined);
    const inBand = cov.filter((c) => c >= 0.75 && c <= 0.85).length;
    console.log(
      `| ${k} | ${f(r.median[k].cvRmsePct)} % | ${f(r.p90CvRmsePct[k])} % | ${r.g14Met[k]}/${r.meters.length} | ${f(r.median[k].nmbePct)} % | ${
        cov.length
          ? `median ${f((r.median[k].coverage ?? Number.NaN) * 100)} %, ${inBand}/${cov.length} meters in 75–85 %`
          : '–'
      } |`,
    );
  }
  const worse = r.meters.filter((m) => {
    const best = Math.min(
      m.accuracy.linear.cvRmsePct,
      m.accuracy.towt.cvRmsePct,
      m.accuracy.seasonalNaive.cvRmsePct,
    );
    return m.accuracy.served.cvRmsePct > best * 1.05;
  });
  console.log(
    `served worse than its best reference by more than 5 %: ${worse.length ? worse.map((m) => m.meter).join(', ') : 'no meter'}`,
  );
  console.log(
    '\n| meter | served | chosen | neural | linear | TOWT | naive | served NMBE | coverage | error: level | error: shape + noise |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const m of r.meters) {
    const a = m.accuracy;
    console.log(
      `| ${m.meter} | ${f(a.served.cvRmsePct)} | ${m.chosen} | ${f(a.neural.cvRmsePct)} | ${f(a.linear.cvRmsePct)} | ${f(a.towt.cvRmsePct)} | ${f(a.seasonalNaive.cvRmsePct)} | ${f(a.served.nmbePct)} | ${f((a.served.coverage ?? Number.NaN) * 100)} | ${f(m.servedErrorSplit.levelCvRmsePct)} | ${f(m.servedErrorSplit.shapeCvRmsePct)} |`,
    );
  }
}

const realRows = meterRowsOfCsv(
  (path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path)).toString('utf8'),
  path,
);
const real = seriesFromRows(realRows);
const realStart = (real[0] as MeterSeries).start;
// As the data's SOURCE.md: train on 2016, forecast every day of 2017.
const realTrainUntil = Math.round((Date.parse('2017-01-01T00:00:00Z') - realStart) / 3_600_000);
let realCalendar = realCalendarSetting;
if (realCalendarSetting === 'auto') {
  const evidence = inferHolidayCalendar(real, realStart + realTrainUntil * 3_600_000, 'dk');
  realCalendar = evidence.calendar;
  console.log(
    `holiday calendar read from the training year: ${evidence.calendar} (${evidence.reason}; ${evidence.scores.map((s) => `${s.calendar} ${s.score.toFixed(2)} over ${s.days} days`).join(', ')})`,
  );
}
await run(`Real buildings (${path}), holidays ${realCalendar}`, real, realTrainUntil, realCalendar);

const generated = seriesFromRows(meterRowsOfCsv(sampleEnergyCsv(30, 400, 1), 'generated'));
await run(
  'Generated buildings (greenops energy sample --meters 30 --days 400), holidays dk',
  generated,
  365 * 24,
  'dk',
);
