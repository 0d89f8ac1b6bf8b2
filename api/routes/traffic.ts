import { badRequest, isEntityId, notFound, type Clock } from '../../core/index.js';
import {
  DEFAULT_OPEN_DATA_OPTIONS,
  LocalCalendar,
  OPEN_DATA_LICENSE,
  PROFILE_BUCKETS,
  TRAFFIC_MODES,
  keyFiguresCsv,
  openDataCsv,
  openDataCsvMetadata,
  openDataGeoJson,
  openDataRows,
  type OpenDataOptions,
  type ProfileBucket,
  type TenantYear,
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
  /** Suppression threshold, attribution and counter positions of the open-data export. */
  openData?: Omit<OpenDataOptions, 'generated'>;
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
export function trafficRoutes({
  traffic,
  clock,
  defaultTenant,
  openData = DEFAULT_OPEN_DATA_OPTIONS,
}: TrafficRoutesOptions): GuardedRouter {
  const router = new GuardedRouter('/api/v1');

  /** The tenant's counter-years of `year` (default: the last whole local year), and the headers that say so. */
  const exportYear = async (
    query: Query,
    tenant: string,
    res: { setHeader(name: string, value: string): unknown },
  ): Promise<TenantYear> => {
    const currentYear = new LocalCalendar(traffic.settings.timeZone).local(clock.now()).year;
    const year = intParam(query, 'year', { min: 2000, max: currentYear, fallback: currentYear - 1 });
    const result = await traffic.tenantYear(tenant, year);
    res.setHeader('x-greenops-counters', `${result.reports.length}/${result.counters}`);
    return result;
  };
  const attachment = (name: string) => `attachment; filename="${name}"`;

  router.get('/traffic/key-figures', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const { year, reports } = await exportYear(query, tenant, res);
    res
      .type('text/csv; charset=utf-8')
      .setHeader('content-disposition', attachment(`traffic-key-figures-${tenant}-${year}.csv`))
      .send(keyFiguresCsv(reports));
  });

  router.get('/traffic/open-data', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const format = oneOfParam(query, 'format', ['csv', 'geojson', 'csv-metadata'] as const, 'csv');
    const { year, reports } = await exportYear(query, tenant, res);
    const options: OpenDataOptions = { ...openData, generated: new Date(clock.now()).toISOString() };
    const rows = openDataRows(reports, options);
    const file = `traffic-open-data-${tenant}-${year}`;
    const csvUrl = `/api/v1/traffic/open-data?year=${year}&format=csv`;
    res.setHeader('link', `<${OPEN_DATA_LICENSE.url}>; rel="license"`);
    if (format === 'geojson') {
      res
        .type('application/geo+json')
        .setHeader('content-disposition', attachment(`${file}.geojson`))
        .send(JSON.stringify(openDataGeoJson(rows, options)));
      return;
    }
    if (format === 'csv-metadata') {
      res.json(openDataCsvMetadata(csvUrl, options));
      return;
    }
    res
      .type('text/csv; charset=utf-8')
      .setHeader(
        'link',
        `<${OPEN_DATA_LICENSE.url}>; rel="license", </api/v1/traffic/open-data?year=${year}&format=csv-metadata>; rel="describedby"; type="application/csvm+json"`,
      )
      .setHeader('content-disposition', attachment(`${file}.csv`))
      .send(openDataCsv(rows, options));
  });

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
