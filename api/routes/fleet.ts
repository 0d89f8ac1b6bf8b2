import type { Request } from 'express';
import { badRequest, isEntityId, notFound, type Clock } from '../../core/index.js';
import { evModelOf, type FleetReport, type FleetService, type TenantFleet } from '../../models/index.js';
import { parseTime, stringParam } from '../query-params.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { tenantOf } from '../auth/request-context.js';

const DAY_MS = 86_400_000;
const SITE_RE = /^[A-Za-z0-9_-]{1,40}$/;

export interface FleetRoutesOptions {
  fleet: FleetService;
  clock: Clock;
  defaultTenant: string;
  /** Longest window one request analyses (raw data is kept about this long anyway). */
  maxDays: number;
}

type Query = Record<string, unknown>;

const SCOPE_PARAMS: readonly string[] = ['tenant', 'device', 'site', 'from', 'to'];

interface Scope {
  tenant: string;
  device: string | undefined;
  site: string | undefined;
  from: number;
  to: number;
}

/**
 * Trips, utilisation, EV suitability and pool right-sizing of a tenant's fleet, for a vehicle (`device=`), a site
 * (`site=`) or the whole pool, over `from`/`to` (as the series routes). Driver pseudonyms never appear; trip ends
 * are rounded to a site or a ~100 m cell.
 */
export function fleetRoutes({ fleet, clock, defaultTenant, maxDays }: FleetRoutesOptions): GuardedRouter {
  const router = new GuardedRouter('/api/v1');

  const scope = (req: Request, extra: readonly string[] = []): Scope => {
    const query = req.query as Query;
    for (const name of Object.keys(query))
      if (!SCOPE_PARAMS.includes(name) && !extra.includes(name))
        throw badRequest(
          name,
          `unknown query parameter "${name}" (known: ${[...SCOPE_PARAMS, ...extra].join(', ')})`,
        );
    const device = stringParam(query, 'device');
    if (device !== undefined && !isEntityId(device))
      throw badRequest('device', `"${device}" is not a valid device`);
    const site = stringParam(query, 'site');
    if (site !== undefined && !SITE_RE.test(site))
      throw badRequest('site', `"${site}" is not a site id such as site-1`);
    if (device !== undefined && site !== undefined) throw badRequest('site', 'give device or site, not both');
    const now = clock.now();
    const to = parseTime(stringParam(query, 'to') ?? 'now', 'to', now);
    const from = parseTime(stringParam(query, 'from') ?? `-${Math.min(30, maxDays)}d`, 'from', now);
    if (from >= to) throw badRequest('from', 'must be before to');
    if (to - from > maxDays * DAY_MS) throw badRequest('from', `the window may span at most ${maxDays} days`);
    return { tenant: tenantOf(req, defaultTenant), device, site, from, to };
  };

  /** `ev-model=`: one EV model for every vehicle; absent: each vehicle's (register, else its class's). */
  const evModelParam = (query: Query): string | undefined => {
    const name = stringParam(query, 'ev-model');
    return name === undefined ? undefined : evModelOf(fleet.defaults, name, 'ev-model').id;
  };

  /** The vehicles in scope, or a 404 naming what has no data. */
  const inScope = (s: Scope, report: FleetReport): Set<string> => {
    const ids = report.vehicles
      .filter(
        (v) =>
          (s.device === undefined || v.vehicle === s.device) && (s.site === undefined || v.site === s.site),
      )
      .map((v) => v.vehicle);
    if (ids.length === 0 && (s.device !== undefined || s.site !== undefined))
      throw notFound(
        s.device !== undefined
          ? `no fleet data of ${s.device} in the window`
          : `no vehicles at ${s.site} in the window (sites: ${
              report.sites
                .map((x) => x.site)
                .filter((x) => x !== 'unknown')
                .join(', ') || 'none'
            })`,
      );
    return new Set(ids);
  };

  const head = (s: Scope, f: TenantFleet) => ({
    tenant: s.tenant,
    ...(s.device === undefined ? {} : { device: s.device }),
    ...(s.site === undefined ? {} : { site: s.site }),
    from: new Date(s.from).toISOString(),
    to: new Date(s.to).toISOString(),
    vehiclesInTenant: f.vehicles,
    truncated: f.truncated,
    warnings: f.report.warnings,
  });

  router.get('/fleet/trips', async (req, res) => {
    const s = scope(req);
    const f = await fleet.report(s.tenant, s.from, s.to);
    const ids = inScope(s, f.report);
    res.json({
      ...head(s, f),
      tripsDropped: f.report.tripsDropped,
      trips: f.report.trips.filter((t) => ids.has(t.vehicle)),
    });
  });

  router.get('/fleet/utilisation', async (req, res) => {
    const s = scope(req);
    const f = await fleet.report(s.tenant, s.from, s.to);
    const ids = inScope(s, f.report);
    const vehicles = f.report.vehicles.filter((v) => ids.has(v.vehicle));
    const sites = f.report.sites.filter((x) => vehicles.some((v) => (v.site ?? 'unknown') === x.site));
    res.json({
      ...head(s, f),
      period: f.report.period,
      totals: {
        vehicles: vehicles.length,
        trips: vehicles.reduce((n, v) => n + v.trips, 0),
        km: round1(vehicles.reduce((n, v) => n + v.km, 0)),
        fuelL: round1(vehicles.reduce((n, v) => n + v.fuelL, 0)),
        kwh: round1(vehicles.reduce((n, v) => n + v.kwh, 0)),
        kgCo2e: round1(vehicles.reduce((n, v) => n + v.kgCo2e, 0)),
      },
      vehicles,
      sites: s.device === undefined ? sites : [],
    });
  });

  router.get('/fleet/ev-suitability', async (req, res) => {
    const s = scope(req, ['ev-model']);
    const evModel = evModelParam(req.query as Query);
    const f = await fleet.report(s.tenant, s.from, s.to, evModel);
    const ids = inScope(s, f.report);
    res.json({
      ...head(s, f),
      evModel: f.report.evModel,
      evModels: f.report.evModels,
      evSuitability: f.report.evSuitability.filter((e) => ids.has(e.vehicle)),
    });
  });

  router.get('/fleet/right-sizing', async (req, res) => {
    const s = scope(req, ['ev-model']);
    const evModel = evModelParam(req.query as Query);
    const f = await fleet.report(s.tenant, s.from, s.to, evModel);
    const ids = inScope(s, f.report);
    const sites = new Set(
      f.report.vehicles.filter((v) => ids.has(v.vehicle)).map((v) => v.site ?? 'unknown'),
    );
    res.json({
      ...head(s, f),
      evModel: f.report.evModel,
      evModels: f.report.evModels,
      rightSizing: f.report.rightSizing.filter((r) => sites.has(r.site)),
      rightSizingExcluded: f.report.rightSizingExcluded.filter((x) => ids.has(x.vehicle)),
    });
  });

  return router;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
