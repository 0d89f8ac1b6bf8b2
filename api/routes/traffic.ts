import { badRequest, isEntityId, notFound, type Clock } from '../../core/index.js';
import {
  PROFILE_BUCKETS,
  TRAFFIC_MODES,
  type ProfileBucket,
  type TrafficService,
} from '../../models/index.js';
import { intParam, oneOfParam, parseTime, stringParam } from '../query-params.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { tenantOf } from '../auth/request-context.js';

const DAY_MS = 86_400_000;
/** Longest profile per request: 15-minute rows over a month, coarser rows over a year (the store's row cap). */
const MAX_PROFILE_DAYS: Record<ProfileBucket, number> = {
  '15m': 31,
  hour: 366,
  day: 366,
  week: 366,
  month: 366,
};
const MAX_HEALTH_DAYS = 366;

export interface TrafficRoutesOptions {
  traffic: TrafficService;
  clock: Clock;
  defaultTenant: string;
}

type Query = Record<string, unknown>;

function deviceParam(query: Query): string {
  const device = stringParam(query, 'device');
  if (device === undefined) throw badRequest('device', 'is required: the counter (a traffic device)');
  if (!isEntityId(device)) throw badRequest('device', `"${device}" is not a valid device`);
  return device;
}

function window(
  query: Query,
  now: number,
  defaultFrom: string,
  maxDays: number,
): { from: number; to: number } {
  const to = parseTime(stringParam(query, 'to') ?? 'now', 'to', now);
  const from = parseTime(stringParam(query, 'from') ?? defaultFrom, 'from', now);
  if (from >= to) throw badRequest('from', 'must be before to');
  if (to - from > maxDays * DAY_MS) throw badRequest('from', `the window may span at most ${maxDays} days`);
  return { from, to };
}

/** ÅDT with method and range, count profiles, and counter health, of a tenant's traffic counters. */
export function trafficRoutes({ traffic, clock, defaultTenant }: TrafficRoutesOptions): GuardedRouter {
  const router = new GuardedRouter('/api/v1');

  router.get('/traffic/aadt', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const device = deviceParam(query);
    const currentYear = traffic.calendarOf(device).local(clock.now()).year;
    const year = intParam(query, 'year', { min: 2000, max: currentYear, fallback: currentYear });
    const mode = oneOfParam(query, 'mode', ['all', ...TRAFFIC_MODES] as const, 'all');
    const report = await traffic.aadt(tenant, device, year);
    if (!report) throw notFound(`no traffic counts of ${device} in ${year}`);
    const aadt = mode === 'all' ? report.aadt : report.modeAadt[mode];
    if (!aadt) throw notFound(`${device} counts no ${mode} in ${year} (modes: ${report.modes.join(', ')})`);
    res.json({ tenant, device, mode, ...report, aadt });
  });

  router.get('/traffic/profile', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const device = deviceParam(query);
    const every = oneOfParam(query, 'every', PROFILE_BUCKETS, 'hour');
    const direction = stringParam(query, 'direction');
    if (direction !== undefined && !/^[A-Za-z0-9_-]{1,16}$/.test(direction))
      throw badRequest('direction', `"${direction}" is not a direction such as in, out, N or S`);
    const { from, to } = window(query, clock.now(), '-7d', MAX_PROFILE_DAYS[every]);
    const rows = await traffic.profile(tenant, device, from, to, every, direction);
    res.json({
      tenant,
      device,
      direction: direction ?? 'all',
      every,
      timeZone: traffic.calendarOf(device).timeZone,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      minUptime: traffic.settings.minUptime,
      rows,
    });
  });

  router.get('/traffic/health', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const device = deviceParam(query);
    const { from, to } = window(query, clock.now(), '-30d', MAX_HEALTH_DAYS);
    const health = await traffic.health(tenant, device, from, to);
    res.json({
      tenant,
      device,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      ...health,
    });
  });

  return router;
}
