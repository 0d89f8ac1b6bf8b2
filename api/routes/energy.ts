import { Router } from 'express';
import { badRequest, isEntityId, notFound, type Clock } from '../../core/index.js';
import {
  FileModelRegistry,
  HOUR_MS,
  NeuralForecaster,
  avoidedEnergy,
  detectWaste,
  fitTowt,
  loadEnergySeries,
  predictTowt,
  seasonalNaiveForecast,
  type ModelCard,
  type WasteSettings,
} from '../../models/index.js';
import type { TimeSeriesStore } from '../../store/index.js';
import { intParam, parseTime, stringParam } from '../query-params.js';
import { tenantParam } from './streams.js';

export interface EnergyRoutesOptions {
  store: TimeSeriesStore;
  /** Without one, the routes answer 404 saying so. */
  registry: FileModelRegistry | undefined;
  clock: Clock;
  defaultTenant: string;
  waste: WasteSettings;
}

const DAY_MS = 86_400_000;

/**
 * Model card and day-ahead forecasts. The forecast comes from the tenant's live neural model when its gate
 * passed, otherwise from the reference the gate chose, and the response says which and why.
 */
export function energyRoutes({
  store,
  registry: configured,
  clock,
  waste,
  defaultTenant,
}: EnergyRoutesOptions): Router {
  const router = Router();
  const registryOrFail = (): FileModelRegistry => {
    if (!configured) throw notFound('energy models are not configured in this process');
    return configured;
  };
  const loaded = new Map<string, { version: number; forecaster: Promise<NeuralForecaster> }>();
  const forecasterFor = (registry: FileModelRegistry, card: ModelCard) => {
    const key = card.tenant;
    const cached = loaded.get(key);
    if (cached && cached.version === card.version) return cached.forecaster;
    cached?.forecaster.then((f) => f.dispose()).catch(() => undefined);
    const forecaster = NeuralForecaster.fromArtifacts(registry.artifacts(card.tenant, card.version));
    loaded.set(key, { version: card.version, forecaster });
    return forecaster;
  };

  router.get('/energy/model', (req, res) => {
    const tenant = tenantParam(req.query as Record<string, unknown>, defaultTenant);
    const registry = registryOrFail();
    const current = registry.current(tenant);
    if (!current) throw notFound(`no energy model for ${tenant} yet: run greenops energy train`);
    res.json({
      live: current.live,
      card: current.card,
      versions: registry
        .versions(tenant)
        .map((v) => ({ version: v.version, createdAt: v.createdAt, serve: v.gate.serve })),
    });
  });

  router.get('/energy/forecast', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const tenant = tenantParam(query, defaultTenant);
    const device = stringParam(query, 'device');
    if (device === undefined || !isEntityId(device))
      throw badRequest('device', 'give the meter to forecast, device=…');
    const registry = registryOrFail();
    const current = registry.current(tenant);
    if (!current) throw notFound(`no energy model for ${tenant} yet: run greenops energy train`);
    const { card } = current;
    if (!card.meters.includes(device))
      throw badRequest(
        'device',
        `"${device}" is not one of the meters the model was trained on (${card.meters.slice(0, 10).join(', ')}…)`,
      );
    // Tomorrow (UTC): the models see everything up to now; hours between now and midnight are unknown to them.
    const origin = Math.ceil(clock.now() / DAY_MS) * DAY_MS;
    const [series] = await loadEnergySeries(store, tenant, origin - 8 * DAY_MS, origin + DAY_MS, [device]);
    if (!series) throw notFound(`no recent kWh readings for ${device}`);
    const originIndex = Math.round((origin - series.start) / HOUR_MS);
    const pad = originIndex + 24 - series.kwh.length;
    if (pad > 0) {
      series.kwh.push(...new Array<number>(pad).fill(Number.NaN));
      series.temperatureC.push(...new Array<number>(pad).fill(Number.NaN));
    }
    // No weather forecast yet: the forecast hours take last week's temperatures (persistence), as the card says.
    for (let h = 0; h < 24; h++)
      if (Number.isNaN(series.temperatureC[originIndex + h] as number))
        series.temperatureC[originIndex + h] = series.temperatureC[originIndex + h - 168] ?? 0;
    const serve = card.gate.serve;
    let points: { time: string; p50: number; p10?: number; p90?: number }[];
    if (serve === 'neural') {
      const f = (await forecasterFor(registry, card)).forecast(series, originIndex);
      points = f.median.map((p50, h) => ({
        time: new Date(origin + h * HOUR_MS).toISOString(),
        p10: f.lower[h] as number,
        p50,
        p90: f.upper[h] as number,
      }));
    } else {
      const values =
        serve === 'towt'
          ? predictTowt(fitTowt(series, 0, originIndex), series, originIndex, 24)
          : seasonalNaiveForecast(series, originIndex, 24);
      points = values.map((p50, h) => ({ time: new Date(origin + h * HOUR_MS).toISOString(), p50 }));
    }
    res.json({
      tenant,
      device,
      model: { serve, version: card.version, live: current.live },
      reasons: card.gate.reasons,
      temperature: 'last week (no weather forecast configured)',
      points,
    });
  });

  router.get('/energy/waste', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const tenant = tenantParam(query, defaultTenant);
    const device = stringParam(query, 'device');
    if (device === undefined || !isEntityId(device)) throw badRequest('device', 'give the meter, device=…');
    const now = clock.now();
    const hour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
    const to = hour(parseTime(stringParam(query, 'to') ?? 'now', 'to', now));
    const from = hour(parseTime(stringParam(query, 'from') ?? '-30d', 'from', now));
    if (from >= to) throw badRequest('from', 'must be before to');
    const referenceWeeks = intParam(query, 'referenceWeeks', { min: 2, max: 104, fallback: 8 });
    const referenceFrom = from - referenceWeeks * 7 * DAY_MS;
    const [series] = await loadEnergySeries(store, tenant, referenceFrom, to, [device]);
    if (!series) throw notFound(`no kWh readings for ${device} in that period`);
    const index = (ms: number) => Math.max(0, Math.round((ms - series.start) / HOUR_MS));
    const findings = detectWaste(
      series,
      index(referenceFrom),
      index(from),
      index(from),
      Math.min(series.kwh.length, index(to)),
      waste,
    );
    const total = (k: 'excessKwh' | 'costDkk' | 'co2Kg') =>
      Math.round(findings.reduce((s, f) => s + f[k], 0) * 10) / 10;
    res.json({
      tenant,
      device,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      reference: { from: new Date(referenceFrom).toISOString(), weeks: referenceWeeks },
      prices: waste,
      totals: { excessKwh: total('excessKwh'), costDkk: total('costDkk'), co2Kg: total('co2Kg') },
      findings,
    });
  });

  router.get('/energy/savings', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const tenant = tenantParam(query, defaultTenant);
    const device = stringParam(query, 'device');
    if (device === undefined || !isEntityId(device)) throw badRequest('device', 'give the meter, device=…');
    const now = clock.now();
    const time = (name: string) => {
      const text = stringParam(query, name);
      if (text === undefined) throw badRequest(name, 'is required (ISO 8601, now, or relative such as -30d)');
      return Math.floor(parseTime(text, name, now) / HOUR_MS) * HOUR_MS;
    };
    const [baselineFrom, baselineTo, reportFrom, reportTo] = [
      time('baselineFrom'),
      time('baselineTo'),
      time('reportFrom'),
      time('reportTo'),
    ];
    if (baselineTo - baselineFrom < 28 * DAY_MS)
      throw badRequest(
        'baselineTo',
        'the baseline period must be at least 28 days (a full year is what G14 and CalTRACK ask for)',
      );
    if (reportFrom < baselineTo)
      throw badRequest('reportFrom', 'the reporting period must start after the baseline period ends');
    if (reportTo <= reportFrom) throw badRequest('reportTo', 'must be after reportFrom');
    const [series] = await loadEnergySeries(store, tenant, baselineFrom, reportTo, [device]);
    if (!series) throw notFound(`no kWh readings for ${device} in that period`);
    const index = (ms: number) => Math.max(0, Math.round((ms - series.start) / HOUR_MS));
    const report = avoidedEnergy(
      series,
      index(baselineFrom),
      index(baselineTo),
      index(reportFrom),
      Math.min(series.kwh.length, index(reportTo)),
    );
    const warnings: string[] = [];
    if (baselineTo - baselineFrom < 365 * DAY_MS)
      warnings.push('baseline shorter than a year: seasons it has not seen are extrapolated');
    if (!report.baselineFit.meetsG14)
      warnings.push(
        'the baseline model does not meet ASHRAE G14 hourly criteria: treat the result as indicative',
      );
    warnings.push(
      "the 90 % range is statistical (ASHRAE G14); it does not include the baseline model's form error",
    );
    res.json({
      tenant,
      device,
      method: 'TOWT baseline, IPMVP option C / CalTRACK hourly; uncertainty per ASHRAE Guideline 14 (90 %)',
      ...report,
      warnings,
    });
  });

  return router;
}
