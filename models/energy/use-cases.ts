import type { Logger } from '../../core/index.js';
import type { TimeSeriesStore } from '../../store/index.js';
import { HOUR_MS } from './hourly-series.js';
import { loadEnergySeries } from './load-series.js';
import type { MeterSeries } from './series-from-rows.js';
import { NeuralForecaster } from './neural-forecaster.js';
import type { FileModelRegistry, ModelCard } from './registry.js';
import type { MeterReferences } from './references.js';
import { avoidedEnergy, savingsTotals, type SavingsReport } from './savings.js';
import { seasonalNaiveForecast } from './seasonal-naive.js';
import { fitTowt, predictTowt } from './towt.js';
import type { BacktestModel } from './backtest.js';
import { fitLinear, predictLinear } from './linear-reference.js';
import { temperatureSource, type WeatherForecastProvider } from './weather-forecast.js';
import { detectWaste, type WasteFinding, type WasteSettings } from './waste.js';

const DAY_MS = 86_400_000;

export interface ForecastPoint {
  time: string;
  p50: number;
  p10?: number;
  p90?: number;
}

/** Loads trained networks and stored closed-form models once per registered version. */
export class ForecasterCache {
  private readonly loaded = new Map<string, { version: number; forecaster: Promise<NeuralForecaster> }>();
  private readonly stored = new Map<
    string,
    { version: number; meters: Map<string, MeterReferences> | undefined }
  >();

  constructor(
    private readonly registry: FileModelRegistry,
    private readonly logger?: Logger,
  ) {}

  /**
   * A meter's linear reference and TOWT as fitted when its version was trained; undefined for a version from
   * before they were stored (logged once per version: its forecasts refit them, slower and not the replay's).
   */
  references(card: ModelCard, meter: string): MeterReferences | undefined {
    let entry = this.stored.get(card.tenant);
    if (entry?.version !== card.version) {
      const references = this.registry.references(card.tenant, card.version);
      entry = {
        version: card.version,
        meters: references && new Map(Object.entries(references.meters)),
      };
      this.stored.set(card.tenant, entry);
      if (!references)
        this.logger?.warn(
          { tenant: card.tenant, version: card.version },
          'energy model version has no stored linear reference and TOWT (trained before they were stored): refitting them at each forecast until the next training',
        );
    }
    return entry.meters?.get(meter);
  }

  get(card: ModelCard): Promise<NeuralForecaster> {
    const cached = this.loaded.get(card.tenant);
    if (cached?.version === card.version) return cached.forecaster;
    void cached?.forecaster.then((f) => f.dispose()).catch(() => undefined);
    const forecaster = NeuralForecaster.fromArtifacts(this.registry.artifacts(card.tenant, card.version));
    this.loaded.set(card.tenant, { version: card.version, forecaster });
    return forecaster;
  }

  /** Releases every loaded network. */
  dispose(): void {
    for (const { forecaster } of this.loaded.values())
      void forecaster.then((f) => f.dispose()).catch(() => undefined);
    this.loaded.clear();
    this.stored.clear();
  }
}

/** The next 00:00 UTC after `nowMs`: the start of the day forecast. */
export function tomorrowOrigin(nowMs: number): number {
  return Math.ceil(nowMs / DAY_MS) * DAY_MS;
}

/**
 * History loaded to serve a forecast: the lags of the models (the linear reference's reach back four weeks and
 * its level shifts further); a version from before the closed-form models were stored refits them on it.
 */
export const SERVING_HISTORY_DAYS = 120;

/**
 * The last `days` days of meters up to `origin`, extended by the 24 hours to forecast: their load unknown, their
 * temperature the weather forecast's where one is configured and has the hour, else last week's.
 */
export async function tomorrowSeries(
  store: TimeSeriesStore,
  tenant: string,
  devices: string[],
  origin: number,
  days = 8,
  weather?: WeatherForecastProvider,
): Promise<{ meters: { series: MeterSeries; originIndex: number }[]; temperature: string }> {
  const reading = await weather?.hourlyTemperatures(origin, 24);
  const forecast = reading?.temperatures;
  const loaded = await loadEnergySeries(store, tenant, origin - days * DAY_MS, origin, devices);
  const meters = loaded.map((series) => {
    const originIndex = Math.round((origin - series.start) / HOUR_MS);
    for (let i = series.kwh.length; i < originIndex + 24; i++) {
      series.kwh.push(Number.NaN);
      const predicted = forecast?.[i - originIndex];
      series.temperatureC.push(
        predicted !== undefined && !Number.isNaN(predicted) ? predicted : (series.temperatureC[i - 168] ?? 0),
      );
    }
    return { series, originIndex };
  });
  return { meters, temperature: temperatureSource(weather, reading) };
}

/** The model the gate chose for a meter (versions from before per-meter choice serve one model for all). */
export function servedModel(card: ModelCard, meter: string): BacktestModel {
  const planned = card.gate.perMeter?.find((p) => p.meter === meter)?.serve;
  if (planned === 'neural' && !card.gate.neuralPassed) return 'linear';
  return planned ?? card.gate.serve;
}

/**
 * One meter's forecast from the model it is served; an interval where the model gives one. The linear reference
 * and TOWT are the version's stored fits, evaluated on the latest loads and temperatures (as the backtest
 * replays them between retrainings); a version without them has them refitted here.
 */
export async function forecastMeter(
  card: ModelCard,
  cache: ForecasterCache,
  series: MeterSeries,
  originIndex: number,
): Promise<{ model: BacktestModel; median: number[]; lower?: number[]; upper?: number[] }> {
  const model = servedModel(card, series.meter);
  if (model === 'neural') return { model, ...(await cache.get(card)).forecast(series, originIndex) };
  if (model === 'linear') {
    const scale = card.backtest.meters.find((m) => m.meter === series.meter)?.linearIntervalScale ?? 1;
    const linear = cache.references(card, series.meter)?.linear ?? fitLinear(series, originIndex);
    return { model, ...predictLinear(linear, series, originIndex, 24, scale) };
  }
  if (model === 'towt') {
    const towt = cache.references(card, series.meter)?.towt ?? fitTowt(series, 0, originIndex);
    return { model, median: predictTowt(towt, series, originIndex, 24) };
  }
  return { model, median: seasonalNaiveForecast(series, originIndex, 24) };
}

/**
 * Tomorrow's (UTC) hourly forecast for meters, each from the model the gate chose for it; several meters (a
 * site) are summed, their interval bounds too (conservative: it assumes the meters' errors move together), and
 * the interval is given only when every meter's model gives one. Without a weather forecast the forecast hours
 * take last week's temperatures.
 */
export async function forecastTomorrow(
  store: TimeSeriesStore,
  card: ModelCard,
  cache: ForecasterCache,
  devices: string[],
  nowMs: number,
  weather?: WeatherForecastProvider,
): Promise<{ points: ForecastPoint[]; temperature: string }> {
  const origin = tomorrowOrigin(nowMs);
  const total = Array.from({ length: 24 }, (_, h) => ({
    time: new Date(origin + h * HOUR_MS).toISOString(),
    p50: 0,
    p10: 0,
    p90: 0,
  }));
  let intervals = true;
  const tomorrow = await tomorrowSeries(store, card.tenant, devices, origin, SERVING_HISTORY_DAYS, weather);
  for (const { series, originIndex } of tomorrow.meters) {
    const f = await forecastMeter(card, cache, series, originIndex);
    if (!f.lower || !f.upper) intervals = false;
    total.forEach((p, h) => {
      p.p50 += f.median[h] as number;
      p.p10 += f.lower?.[h] ?? 0;
      p.p90 += f.upper?.[h] ?? 0;
    });
  }
  const points = total.map(({ time, p50, p10, p90 }) =>
    intervals ? { time, p50, p10, p90 } : { time, p50 },
  );
  return { points, temperature: tomorrow.temperature };
}

/** Where the pure computations below run when not in place: a worker thread (AnalysisWorkers is one). */
export interface EnergyAnalysis {
  waste(
    series: MeterSeries[],
    window: { fromMs: number; toMs: number; referenceFrom: number },
    settings: WasteSettings,
  ): Promise<WasteReport>;
  savings(series: MeterSeries[], periods: SavingsPeriods): Promise<SavingsResult>;
}

export interface WasteReport {
  findings: (WasteFinding & { device: string })[];
  /** Hours with readings per meter, in the reference weeks and in the window (whether an answer is supported). */
  coverage: { device: string; referenceHours: number; windowHours: number }[];
  totals: { excessKwh: number; costDkk: number; co2Kg: number };
}

/**
 * Waste findings of meters in [fromMs, toMs), against their normal behaviour in the weeks before; with `analysis`,
 * a large computation runs in its worker thread.
 */
export async function wasteFor(
  store: TimeSeriesStore,
  tenant: string,
  devices: string[],
  fromMs: number,
  toMs: number,
  referenceWeeks: number,
  settings: WasteSettings,
  analysis?: EnergyAnalysis,
): Promise<WasteReport> {
  const referenceFrom = fromMs - referenceWeeks * 7 * DAY_MS;
  const series = await loadEnergySeries(store, tenant, referenceFrom, toMs, devices);
  const window = { fromMs, toMs, referenceFrom };
  return analysis ? analysis.waste(series, window, settings) : wasteOfSeries(series, window, settings);
}

/** The computation of wasteFor on series already loaded (pure: runs in a worker thread for large inputs). */
export function wasteOfSeries(
  meters: readonly MeterSeries[],
  window: { fromMs: number; toMs: number; referenceFrom: number },
  settings: WasteSettings,
): WasteReport {
  const { fromMs, toMs, referenceFrom } = window;
  const findings: WasteReport['findings'] = [];
  const coverage: WasteReport['coverage'] = [];
  for (const series of meters) {
    const index = (ms: number) => Math.max(0, Math.round((ms - series.start) / HOUR_MS));
    const known = (from: number, to: number) =>
      series.kwh.slice(index(from), Math.max(index(from), index(to))).filter((v) => !Number.isNaN(v)).length;
    coverage.push({
      device: series.meter,
      referenceHours: known(referenceFrom, fromMs),
      windowHours: known(fromMs, toMs),
    });
    for (const f of detectWaste(
      series,
      index(referenceFrom),
      index(fromMs),
      index(fromMs),
      Math.min(series.kwh.length, index(toMs)),
      settings,
    )) {
      findings.push({ device: series.meter, ...f });
    }
  }
  findings.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const sum = (k: 'excessKwh' | 'costDkk' | 'co2Kg') =>
    Math.round(findings.reduce((s, f) => s + f[k], 0) * 10) / 10;
  return {
    findings,
    coverage,
    totals: { excessKwh: sum('excessKwh'), costDkk: sum('costDkk'), co2Kg: sum('co2Kg') },
  };
}

export interface SavingsPeriods {
  baselineFrom: number;
  baselineTo: number;
  reportFrom: number;
  reportTo: number;
}

export interface SavingsResult {
  meters: (SavingsReport & { device: string })[];
  total: Pick<
    SavingsReport,
    'actualKwh' | 'counterfactualKwh' | 'avoidedKwh' | 'avoidedPct' | 'uncertaintyKwh' | 'range'
  >;
}

/** Avoided energy per meter and in total; the meters' uncertainties are combined as independent. */
export async function savingsFor(
  store: TimeSeriesStore,
  tenant: string,
  devices: string[],
  p: SavingsPeriods,
  analysis?: EnergyAnalysis,
): Promise<SavingsResult> {
  const series = await loadEnergySeries(store, tenant, p.baselineFrom, p.reportTo, devices);
  return analysis ? analysis.savings(series, p) : savingsOfSeries(series, p);
}

/** The computation of savingsFor on series already loaded (pure: runs in a worker thread for large inputs). */
export function savingsOfSeries(meterSeries: readonly MeterSeries[], p: SavingsPeriods): SavingsResult {
  const meters: (SavingsReport & { device: string })[] = [];
  for (const series of meterSeries) {
    const index = (ms: number) => Math.max(0, Math.round((ms - series.start) / HOUR_MS));
    meters.push({
      device: series.meter,
      ...avoidedEnergy(
        series,
        index(p.baselineFrom),
        index(p.baselineTo),
        index(p.reportFrom),
        Math.min(series.kwh.length, index(p.reportTo)),
      ),
    });
  }
  const actualKwh = meters.reduce((s, m) => s + m.actualKwh, 0);
  const counterfactualKwh = meters.reduce((s, m) => s + m.counterfactualKwh, 0);
  const uncertaintyKwh = Math.sqrt(meters.reduce((s, m) => s + m.uncertaintyKwh ** 2, 0));
  return { meters, total: savingsTotals(actualKwh, counterfactualKwh, uncertaintyKwh) };
}
