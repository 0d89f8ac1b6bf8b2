import {
  GreenopsError,
  STREAMS,
  badRequest,
  isEntityId,
  isStreamName,
  type Clock,
  type StreamDefinition,
  type StreamName,
} from '../../core/index.js';
import { AGGREGATE_FNS, type SeriesQuery, type TimeSeriesStore } from '../../store/index.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { PERSONAL_FIELD_READERS } from '../../access/index.js';
import { principalOf, tenantOf } from '../auth/request-context.js';
import { oneOfParam, intParam, parseDuration, parseTime, stringParam } from '../query-params.js';

/** Most rows one series request may return; larger ranges need a coarser `every`. */
export const MAX_SERIES_ROWS = 10_000;

export interface StreamRoutesOptions {
  store: TimeSeriesStore;
  clock: Clock;
  defaultTenant: string;
  /** Longest a series query may run (413 beyond it). */
  queryTimeoutMs?: number;
}

export function streamRoutes({
  store,
  clock,
  defaultTenant,
  queryTimeoutMs = 10_000,
}: StreamRoutesOptions): GuardedRouter {
  const router = new GuardedRouter('/api/v1');

  router.get('/streams', (_req, res) => {
    res.json({
      streams: Object.values(STREAMS).map((s) => ({
        name: s.name,
        version: s.version,
        tags: ['tenant', 'device', ...s.tags],
        fields: s.fields,
        defaultField: s.defaultField,
      })),
    });
  });

  router.get('/streams/:stream/devices', async (req, res) => {
    const stream = streamParam(req.params.stream);
    const tenant = tenantOf(req, defaultTenant);
    const devices = await store.listDevices(stream, tenant);
    res.json({
      stream,
      tenant,
      devices: devices.map((d) => ({
        device: d.device,
        lastSeen: new Date(d.lastSeenMs).toISOString(),
        records: d.records,
      })),
    });
  });

  router.get('/streams/:stream/series', async (req, res) => {
    const stream = streamParam(req.params.stream);
    const definition = STREAMS[stream] as StreamDefinition;
    const query = req.query as Record<string, unknown>;
    const tenant = tenantOf(req, defaultTenant);
    const field = stringParam(query, 'field') ?? definition.defaultField;
    const info = definition.fields[field];
    if (!info)
      throw badRequest(
        'field',
        `"${field}" is not a field of ${stream} (fields: ${Object.keys(definition.fields).join(', ')})`,
      );
    if (info.personal) {
      const allowed = PERSONAL_FIELD_READERS[stream] ?? [];
      const roles = principalOf(req).roles;
      if (!roles.some((r) => allowed.includes(r)))
        throw new GreenopsError(
          'FORBIDDEN',
          `field: ${field} of ${stream} is personal data (a pseudonym); it needs one of the roles ${allowed.join(', ')}; this credential has ${roles.join(', ') || 'none'}`,
          { field: 'field' },
        );
    }

    const tags: Record<string, string> = {};
    for (const tag of ['device', ...definition.tags]) {
      const value = stringParam(query, tag);
      if (value === undefined) continue;
      if (!isEntityId(value)) throw badRequest(tag, `"${value}" is not a valid ${tag}`);
      tags[tag] = value;
    }
    if (Object.keys(tags).length === 0) {
      throw badRequest(
        'device',
        `give device=… or another filter (${definition.tags.join(', ')}) to pick a series`,
      );
    }

    const now = clock.now();
    const toText = stringParam(query, 'to');
    const fromText = stringParam(query, 'from');
    const toMs = toText === undefined ? now : parseTime(toText, 'to', now);
    const fromMs = fromText === undefined ? toMs - 86_400_000 : parseTime(fromText, 'from', now);
    if (fromMs >= toMs) throw badRequest('from', 'must be before to');

    const everyText = stringParam(query, 'every');
    const everyMs = everyText === undefined ? undefined : parseDuration(everyText, 'every');
    const fnGiven = stringParam(query, 'fn') !== undefined;
    if (fnGiven && everyMs === undefined)
      throw badRequest('fn', 'needs every=… (the window to aggregate over)');
    const fn = oneOfParam(query, 'fn', AGGREGATE_FNS, 'mean');
    if (everyMs !== undefined && info.type !== 'number' && fn !== 'count' && fn !== 'last') {
      throw badRequest('fn', `${fn} needs a numeric field; ${field} is a ${info.type} (use count or last)`);
    }
    if (everyMs !== undefined && (toMs - fromMs) / everyMs > MAX_SERIES_ROWS) {
      throw badRequest(
        'every',
        `${everyText} over this range gives more than ${MAX_SERIES_ROWS} windows; use a larger window or a shorter range`,
      );
    }
    const limit = intParam(query, 'limit', { min: 1, max: MAX_SERIES_ROWS, fallback: MAX_SERIES_ROWS });

    const seriesQuery: SeriesQuery = {
      measurement: stream,
      tenant,
      field,
      tags,
      fromMs,
      toMs,
      limit,
      timeoutMs: queryTimeoutMs,
    };
    if (everyMs !== undefined) Object.assign(seriesQuery, { everyMs, fn });
    const rows = await store.querySeries(seriesQuery);
    res.json({
      stream,
      tenant,
      field,
      unit: info.unit ?? null,
      filter: tags,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      every: everyText ?? null,
      fn: everyMs === undefined ? null : fn,
      points: rows.map((r) => ({ time: new Date(r.timeMs).toISOString(), value: r.value })),
    });
  });

  return router;
}

function streamParam(value: string | undefined): StreamName {
  if (value === undefined || !isStreamName(value)) {
    throw badRequest('stream', `"${value}" is not a stream (streams: ${Object.keys(STREAMS).join(', ')})`);
  }
  return value;
}
