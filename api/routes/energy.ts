import {
  badRequest,
  insufficientData,
  isEntityId,
  notFound,
  type Clock,
  type Logger,
} from '../../core/index.js';
import {
  DEFAULT_HOLDOUT_DAYS,
  GATE_MIN_DAYS,
  ForecasterCache,
  HOUR_MS,
  forecastTomorrow,
  servedModel,
  savingsFor,
  wasteFor,
  type AnalysisWorkers,
  type EnergyRetrainer,
  type WeatherForecastProvider,
  type FileModelRegistry,
  type WasteSettings,
} from '../../models/index.js';
import type { TimeSeriesStore } from '../../store/index.js';
import { intParam, parseTime, stringParam } from '../query-params.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { principalOf, requestIdOf, tenantOf } from '../auth/request-context.js';
import type { AuditLog } from '../../access/index.js';

/** Longest waste window one request analyses (its reference weeks come on top). */
const MAX_WASTE_DAYS = 366;
/** Longest baseline or reporting period of a savings request. */
const MAX_PERIOD_DAYS = 1096;

export interface EnergyRoutesOptions {
  store: TimeSeriesStore;
  /** Without one, the model routes answer 404 saying so. */
  registry: FileModelRegistry | undefined;
  clock: Clock;
  defaultTenant: string;
  waste: WasteSettings;
  /** Where large waste and savings computations run, off the event loop. */
  analysis: AnalysisWorkers;
  /** The process's energy training queue; without one, POST /energy/model/train answers 404 saying so. */
  training?: EnergyRetrainer | undefined;
  /** Tomorrow's temperatures; without one, last week's (and the response says so). */
  weather?: WeatherForecastProvider | undefined;
  audit: AuditLog;
  /** Says once per model version when its closed-form models are refitted at each forecast (older versions). */
  logger?: Logger;
}

const DAY_MS = 86_400_000;
/** Share of a baseline or reference period's hours that must have readings for an answer. */
const MIN_DATA_SHARE = 0.5;
const iso = (ms: number) => new Date(ms).toISOString();
type Query = Record<string, unknown>;

/** Energy model card, forecasts, waste and savings, for a meter (`device=`) or a building (`site=`, its meters). */
export function energyRoutes({
  store,
  registry,
  clock,
  defaultTenant,
  waste,
  analysis,
  training,
  weather,
  audit,
  logger,
}: EnergyRoutesOptions): GuardedRouter {
  const router = new GuardedRouter('/api/v1');
  const cache = registry ? new ForecasterCache(registry, logger) : undefined;

  const scope = async (
    query: Query,
    tenant: string,
  ): Promise<{ device?: string; site?: string; devices: string[] }> => {
    const device = stringParam(query, 'device');
    const site = stringParam(query, 'site');
    if ((device === undefined) === (site === undefined))
      throw badRequest('device', 'give either device=… (a meter) or site=… (a building)');
    if (device !== undefined) {
      if (!isEntityId(device)) throw badRequest('device', `"${device}" is not a valid device`);
      return { device, devices: [device] };
    }
    if (!isEntityId(site as string)) throw badRequest('site', `"${site}" is not a valid site`);
    const devices = (await store.listDevices('energy', tenant, { site: site as string })).map(
      (d) => d.device,
    );
    if (devices.length === 0) throw notFound(`no meters at site ${site}`);
    return { site: site as string, devices };
  };

  const currentModel = (tenant: string) => {
    if (!registry) throw notFound('energy models are not configured in this process');
    const current = registry.current(tenant);
    if (!current) throw notFound(`no energy model for ${tenant} yet: run greenops energy train`);
    return current;
  };

  router.get('/energy/model', (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const current = currentModel(tenant);
    const versions = (registry as FileModelRegistry)
      .versions(tenant)
      .map((v) => ({ version: v.version, createdAt: v.createdAt, serve: v.gate.serve }));
    res.json({
      live: current.live,
      card: current.card,
      versions,
      ...(training ? { training: training.jobsOf(tenant) } : {}),
    });
  });

  // Queued behind any training running (scheduled or asked for), one at a time, in a worker thread: the request
  // answers 202 at once, and the card (GET /energy/model) shows the new version when it is done (issue 16).
  router.post('/energy/model/train', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    if (!training)
      throw notFound('energy training does not run in this process (it runs with the ingest role)');
    const options = {
      days: intParam(query, 'days', { min: 30, max: 1096, fallback: 400 }),
      holdoutDays: intParam(query, 'holdoutDays', {
        min: GATE_MIN_DAYS,
        max: 365,
        fallback: DEFAULT_HOLDOUT_DAYS,
      }),
      epochs: intParam(query, 'epochs', { min: 1, max: 200, fallback: 40 }),
    };
    const { job, ahead } = training.submit(tenant, options);
    await audit.record({
      actor: principalOf(req),
      tenant,
      action: 'energy.train',
      object: { type: 'energy-forecaster', id: tenant },
      requestId: requestIdOf(res),
    });
    res.status(202).json({
      tenant,
      message: ahead === 0 ? 'training started' : `training queued behind ${ahead}`,
      queued: ahead,
      job: job.id,
      options,
      result:
        'GET /api/v1/energy/model shows the new version when it is done, and this job (training[]) with its state',
    });
  });

  // Tomorrow's (or any day's) forecasts as written by training and the schedule (measurement energy_forecast).
  router.get('/energy/forecast/points', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const where = await scope(query, tenant);
    const now = clock.now();
    const tomorrow = Math.ceil(now / DAY_MS) * DAY_MS;
    const from = parseTime(stringParam(query, 'from') ?? new Date(tomorrow).toISOString(), 'from', now);
    const to = parseTime(stringParam(query, 'to') ?? new Date(from + DAY_MS).toISOString(), 'to', now);
    if (from >= to) throw badRequest('from', 'must be before to');
    if (to - from > 31 * DAY_MS) throw badRequest('to', 'ask for at most 31 days at a time');
    const meters = [];
    for (const device of where.devices) {
      const field = async (name: string) =>
        store.querySeries({
          measurement: 'energy_forecast',
          tenant,
          field: name,
          tags: { device },
          fromMs: from,
          toMs: to,
          limit: 31 * 24,
        });
      const [p50, p10, p90, model, version] = await Promise.all(
        ['p50', 'p10', 'p90', 'model', 'version'].map(field),
      );
      const at = (rows: { timeMs: number; value: unknown }[] | undefined) =>
        new Map((rows ?? []).map((r) => [r.timeMs, r.value]));
      const [lo, hi, m, v] = [at(p10), at(p90), at(model), at(version)];
      meters.push({
        device,
        points: (p50 ?? []).map((r) => ({
          time: new Date(r.timeMs).toISOString(),
          p50: r.value,
          ...(lo.has(r.timeMs) ? { p10: lo.get(r.timeMs), p90: hi.get(r.timeMs) } : {}),
          model: m.get(r.timeMs),
          version: v.get(r.timeMs),
        })),
      });
    }
    res.json({
      tenant,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      ...(where.device ? { device: where.device } : { site: where.site }),
      meters,
    });
  });

  router.get('/energy/forecast', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const { card, live } = currentModel(tenant);
    const where = await scope(query, tenant);
    const unknown = where.devices.filter((d) => !card.meters.includes(d));
    if (where.device && unknown.length > 0)
      throw badRequest(
        'device',
        `"${where.device}" is not one of the meters the model was trained on (${card.meters.slice(0, 10).join(', ')}…)`,
      );
    const devices = where.devices.filter((d) => card.meters.includes(d));
    const { points, temperature } = await forecastTomorrow(
      store,
      card,
      cache as ForecasterCache,
      devices,
      clock.now(),
      weather,
    );
    res.json({
      tenant,
      ...(where.device
        ? { device: where.device }
        : { site: where.site, meters: devices, ...(unknown.length ? { metersWithoutModel: unknown } : {}) }),
      model: {
        serve: card.gate.serve,
        version: card.version,
        live,
        perMeter: devices.map((d) => ({ device: d, serve: servedModel(card, d) })),
      },
      reasons: card.gate.reasons,
      temperature,
      ...(points[0]?.p10 === undefined
        ? { interval: 'none: a meter is served a model without an interval (TOWT or seasonal naive)' }
        : where.site
          ? { interval: 'p10/p90 of the meters summed (conservative)' }
          : {}),
      points,
    });
  });

  router.get('/energy/waste', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const where = await scope(query, tenant);
    const now = clock.now();
    const hour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
    const to = hour(parseTime(stringParam(query, 'to') ?? 'now', 'to', now));
    const from = hour(parseTime(stringParam(query, 'from') ?? '-30d', 'from', now));
    if (from >= to) throw badRequest('from', 'must be before to');
    // One request analyses at most a year (plus its reference weeks): a window reaching back to 1700 held the event
    // loop for 27 s (issue 18).
    if (to - from > MAX_WASTE_DAYS * DAY_MS)
      throw badRequest(
        'from',
        `the window may span at most ${MAX_WASTE_DAYS} days; ask for a year at a time`,
      );
    const referenceWeeks = intParam(query, 'referenceWeeks', { min: 2, max: 104, fallback: 8 });
    const report = await wasteFor(store, tenant, where.devices, from, to, referenceWeeks, waste, analysis);
    // No findings on a meter without a reference would read as "no waste": refuse instead (issue 16).
    const referenceFrom = from - referenceWeeks * 7 * DAY_MS;
    const lacking = where.devices
      .map(
        (device) =>
          report.coverage.find((c) => c.device === device) ?? { device, referenceHours: 0, windowHours: 0 },
      )
      .filter(
        (c) => c.referenceHours < MIN_DATA_SHARE * ((from - referenceFrom) / HOUR_MS) || c.windowHours === 0,
      );
    if (lacking.length > 0)
      throw insufficientData(
        lacking.some((c) => c.referenceHours < MIN_DATA_SHARE * ((from - referenceFrom) / HOUR_MS))
          ? 'referenceWeeks'
          : 'from',
        `${lacking
          .slice(0, 5)
          .map(
            (c) =>
              `${c.device} has ${c.referenceHours} of ${(from - referenceFrom) / HOUR_MS} hours with readings in the reference period ${iso(referenceFrom)} – ${iso(from)} and ${c.windowHours} in the window ${iso(from)} – ${iso(to)}`,
          )
          .join(
            '; ',
          )}: waste is judged against the reference, which needs readings in at least ${MIN_DATA_SHARE * 100} % of its hours, and the window needs readings`,
      );
    res.json({
      tenant,
      ...(where.device ? { device: where.device } : { site: where.site, meters: where.devices }),
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      reference: { from: new Date(from - referenceWeeks * 7 * DAY_MS).toISOString(), weeks: referenceWeeks },
      prices: waste,
      ...report,
    });
  });

  router.get('/energy/savings', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const where = await scope(query, tenant);
    const now = clock.now();
    const time = (name: string) => {
      const text = stringParam(query, name);
      if (text === undefined) throw badRequest(name, 'is required (ISO 8601, now, or relative such as -30d)');
      return Math.floor(parseTime(text, name, now) / HOUR_MS) * HOUR_MS;
    };
    const periods = {
      baselineFrom: time('baselineFrom'),
      baselineTo: time('baselineTo'),
      reportFrom: time('reportFrom'),
      reportTo: time('reportTo'),
    };
    if (periods.baselineTo <= periods.baselineFrom)
      throw badRequest(
        'baselineTo',
        `baselineTo is before baselineFrom (${iso(periods.baselineTo)} ≤ ${iso(periods.baselineFrom)}): the baseline period runs from baselineFrom to baselineTo`,
      );
    if (periods.baselineTo - periods.baselineFrom < 28 * DAY_MS)
      throw badRequest(
        'baselineTo',
        'the baseline period must be at least 28 days (a full year is what G14 and CalTRACK ask for)',
      );
    if (periods.reportFrom < periods.baselineTo)
      throw badRequest('reportFrom', 'the reporting period must start after the baseline period ends');
    if (periods.reportTo <= periods.reportFrom) throw badRequest('reportTo', 'must be after reportFrom');
    for (const [name, span] of [
      ['baselineFrom', periods.baselineTo - periods.baselineFrom],
      ['reportTo', periods.reportTo - periods.reportFrom],
    ] as const)
      if (span > MAX_PERIOD_DAYS * DAY_MS)
        throw badRequest(
          name,
          `a baseline or reporting period may span at most ${MAX_PERIOD_DAYS} days (three years)`,
        );
    const result = await savingsFor(store, tenant, where.devices, periods, analysis);
    // A baseline without readings gives a counterfactual of nothing and a "saving" of minus the use (issue 16).
    const baselineHours = (periods.baselineTo - periods.baselineFrom) / HOUR_MS;
    const reportHours = (periods.reportTo - periods.reportFrom) / HOUR_MS;
    const covered = where.devices.map(
      (device) =>
        result.meters.find((m) => m.device === device) ?? { device, baselineHours: 0, reportingHours: 0 },
    );
    const noBaseline = covered.filter((m) => m.baselineHours < MIN_DATA_SHARE * baselineHours);
    if (noBaseline.length > 0)
      throw insufficientData(
        'baselineFrom',
        `baseline period ${iso(periods.baselineFrom)} – ${iso(periods.baselineTo)}: ${noBaseline
          .slice(0, 5)
          .map((m) => `${m.device} has ${m.baselineHours} of ${baselineHours} hours with readings`)
          .join('; ')}; the baseline model needs readings in at least ${MIN_DATA_SHARE * 100} % of its hours`,
      );
    const noReport = covered.filter((m) => m.reportingHours === 0);
    if (noReport.length > 0)
      throw insufficientData(
        'reportFrom',
        `reporting period ${iso(periods.reportFrom)} – ${iso(periods.reportTo)} (${reportHours} hours): no readings for ${noReport
          .slice(0, 5)
          .map((m) => m.device)
          .join(', ')}`,
      );
    const warnings: string[] = [];
    if (periods.baselineTo - periods.baselineFrom < 365 * DAY_MS)
      warnings.push('baseline shorter than a year: seasons it has not seen are extrapolated');
    if (result.meters.some((m) => !m.baselineFit.meetsG14))
      warnings.push(
        'a baseline model does not meet ASHRAE G14 hourly criteria: treat the result as indicative',
      );
    warnings.push(
      "the 90 % range is statistical (ASHRAE G14); it does not include the baseline model's form error",
    );
    const single = where.device ? result.meters[0] : undefined;
    res.json({
      tenant,
      method: 'TOWT baseline, IPMVP option C / CalTRACK hourly; uncertainty per ASHRAE Guideline 14 (90 %)',
      ...(single ?? { site: where.site, ...result.total, meters: result.meters }),
      warnings,
    });
  });

  return router;
}
