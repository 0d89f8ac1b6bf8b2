import { STREAMS, STREAM_NAMES } from '../core/index.js';
import {
  CORPUS_CATEGORIES,
  DEFAULT_FLEET_DEFAULTS,
  PROFILE_BUCKETS,
  TRAFFIC_MODES,
} from '../models/index.js';
import { AGGREGATE_FNS } from '../store/index.js';
import { PERMISSIONS, ROLES } from '../access/index.js';
import { TRANSPARENCY_PATHS } from './openapi-transparency.js';
import { ROAD_PATHS } from './openapi-road.js';

const error = { $ref: '#/components/responses/Error' };
const retryLater = { $ref: '#/components/responses/RetryLater' };
const param = (name: string, description: string, schema: object = { type: 'string' }, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const tenant = param(
  'tenant',
  "Municipality; default: the credential's tenant (GREENOPS_TENANT for a platform-admin). Another tenant answers 403 unless the credential is platform-admin.",
  {
    type: 'string',
    pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
  },
);
const fleetParameters = [
  tenant,
  param('device', 'One vehicle; without device and site: the whole pool.', { type: 'string' }),
  param('site', 'One site (configured, or learned from overnight parking: site-1, …).', {
    type: 'string',
    pattern: '^[A-Za-z0-9_-]{1,40}$',
  }),
  param('from', 'Default -30d; at most GREENOPS_FLEET_WINDOW_DAYS (31) days before `to`.'),
  param('to', 'Default now.'),
];
const evModelParameter = param(
  'ev-model',
  'One EV model of the fleet defaults for every vehicle; default: each vehicle’s own (its register line’s ev_model, else its class’s defaultEvModel). The answer’s evModel is then null and evModels lists the models compared per class.',
  {
    type: 'string',
    enum: Object.keys(DEFAULT_FLEET_DEFAULTS.evModels),
  },
);
const keyView = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    tenant: { type: ['string', 'null'], description: 'null: a platform-admin key (every tenant)' },
    roles: { type: 'array', items: { type: 'string', enum: ROLES.filter((r) => r !== 'device') } },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
};
const streamPath = {
  name: 'stream',
  in: 'path',
  required: true,
  schema: { type: 'string', enum: STREAM_NAMES },
};
const json = (schema: object, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * The API described in OpenAPI 3.1. The stream record schemas are the very JSON Schemas the ingest validates
 * with (TypeBox), so the MQTT message contracts are published here too.
 */
export function openApiDocument(options: { oidc?: boolean } = {}): Record<string, unknown> {
  const schemes = options.oidc ? ['apiKey', 'oidc'] : ['apiKey'];
  const recordSchemas = Object.fromEntries(Object.values(STREAMS).map((s) => [`${s.name}Record`, s.schema]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'greenops API',
      version: '1',
      description:
        'Energy, fleet, traffic and road-damage streams of Danish municipalities. MQTT topics: greenops/v1/{tenant}/{stream}/{deviceId}; a message is one record or an array of records (schemas under components.schemas).',
    },
    paths: operations(schemes, {
      ...TRANSPARENCY_PATHS,
      ...ROAD_PATHS,
      '/health': {
        get: {
          summary: 'Liveness and readiness of the broker and store',
          responses: { 200: json({ type: 'object' }), 503: json({ type: 'object' }, 'Not ready') },
        },
      },
      '/health/live': {
        get: { summary: 'Liveness: the process answers', responses: { 200: json({ type: 'object' }) } },
      },
      '/health/ready': {
        get: {
          summary: 'Readiness of the broker and store',
          responses: { 200: json({ type: 'object' }), 503: json({ type: 'object' }, 'Not ready') },
        },
      },
      '/api/v1/console/config': {
        get: {
          summary: 'How the web console logs in (public: no secrets)',
          responses: {
            200: json({
              type: 'object',
              required: ['oidc'],
              properties: {
                oidc: {
                  description: 'null: API keys only',
                  oneOf: [
                    { type: 'null' },
                    {
                      type: 'object',
                      required: ['issuer', 'clientId', 'scopes'],
                      properties: {
                        issuer: { type: 'string', format: 'uri' },
                        clientId: {
                          type: 'string',
                          description: 'A public client (authorization code + PKCE)',
                        },
                        scopes: { type: 'string', description: 'Space-separated, with openid' },
                      },
                    },
                  ],
                },
              },
            }),
          },
        },
      },
      '/api/v1/openapi.json': {
        get: { summary: 'This document', responses: { 200: json({ type: 'object' }) } },
      },
      '/api/v1/whoami': {
        get: {
          summary: 'The caller as its credential establishes it',
          responses: {
            200: json({
              type: 'object',
              properties: {
                kind: { type: 'string', enum: ['key', 'oidc'] },
                id: { type: 'string' },
                name: { type: ['string', 'null'] },
                tenant: { type: ['string', 'null'] },
                roles: { type: 'array', items: { type: 'string' } },
              },
            }),
          },
        },
      },
      '/api/v1/keys': {
        get: {
          summary:
            "API keys (never their secrets): a tenant-admin's tenant, or every tenant for a platform-admin",
          parameters: [tenant],
          responses: {
            200: json({ type: 'object', properties: { keys: { type: 'array', items: keyView } } }),
          },
        },
        post: {
          summary:
            'Create an API key; the answer carries the key (`key`) once. A tenant-admin creates keys of its own tenant only, never platform-admin.',
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['roles'],
                  properties: {
                    tenant: { type: 'string', description: 'Required unless roles include platform-admin' },
                    roles: {
                      type: 'array',
                      items: { type: 'string', enum: ROLES.filter((r) => r !== 'device') },
                    },
                    name: { type: 'string' },
                    expires: { type: 'string', description: '90d, 12h, or an ISO 8601 date' },
                  },
                },
              },
            },
          },
          responses: {
            201: json({ allOf: [keyView, { type: 'object', properties: { key: { type: 'string' } } }] }),
            400: error,
          },
        },
      },
      '/api/v1/keys/{id}': {
        delete: {
          summary: 'Revoke an API key; it stops working within a second',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: json(keyView), 404: error },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': {} } } },
        },
      },
      '/api/v1/streams': {
        get: {
          summary: 'Streams with their tags, fields and units',
          responses: { 200: json({ type: 'object' }) },
        },
      },
      '/api/v1/streams/{stream}/devices': {
        get: {
          summary: 'Devices seen, with last-seen time and record count',
          parameters: [streamPath, tenant],
          responses: { 200: json({ $ref: '#/components/schemas/Devices' }), 400: error },
        },
      },
      '/api/v1/streams/{stream}/series': {
        get: {
          summary: 'A series, raw or aggregated per window',
          parameters: [
            streamPath,
            tenant,
            param(
              'device',
              'Device (meter, vehicle, counter, camera). Any tag of the stream (site, quantity, powertrain, direction, lane, damage) filters the same way; at least one is required.',
            ),
            param('field', 'Field; default per stream (kwh, speed_kmh, count_total, confidence).'),
            param('from', 'ISO 8601, now, or relative (-24h). Default: 24 h before to.'),
            param('to', 'ISO 8601, now, or relative; exclusive. Default: now.'),
            param('every', 'Window: 30s, 15m, 1h, 1d, 1w. Without it the raw points are returned.', {
              type: 'string',
              pattern: '^\\d+(ms|s|m|h|d|w)$',
            }),
            param('fn', 'Aggregate per window (needs every).', {
              type: 'string',
              enum: AGGREGATE_FNS,
              default: 'mean',
            }),
            param('limit', 'Most rows.', { type: 'integer', minimum: 1, maximum: 10_000 }),
          ],
          responses: { 200: json({ $ref: '#/components/schemas/Series' }), 400: error },
        },
      },
      '/api/v1/energy/model': {
        get: {
          summary:
            "The tenant's energy model card: data range, backtest metrics, gate decision, limitations; training[] lists the tenant's last 20 training jobs (asked for or scheduled) with their state",
          parameters: [tenant],
          responses: { 200: json({ type: 'object' }), 404: error },
        },
      },
      '/api/v1/energy/model/train': {
        post: {
          summary:
            'Queue a retraining of the tenant’s energy models (202 at once): one training at a time, in a worker thread; GET /api/v1/energy/model shows the new version when done',
          parameters: [
            tenant,
            param('days', 'History used, in days.', {
              type: 'integer',
              minimum: 30,
              maximum: 1096,
              default: 400,
            }),
            param('holdoutDays', 'Most recent days replayed as the backtest (at least 30, for ASHRAE G14).', {
              type: 'integer',
              minimum: 30,
              maximum: 365,
              default: 56,
            }),
            param('epochs', 'Training epochs of the network.', {
              type: 'integer',
              minimum: 1,
              maximum: 200,
              default: 40,
            }),
          ],
          responses: {
            202: json({
              type: 'object',
              required: ['tenant', 'message', 'queued', 'job', 'options'],
              properties: {
                tenant: { type: 'string' },
                message: { type: 'string', description: '"training started" or "training queued behind N"' },
                queued: { type: 'integer', description: 'Trainings ahead of this one.' },
                job: {
                  type: 'string',
                  description:
                    'The job id; GET /api/v1/energy/model lists it under training[] with its state (queued, running, done with the version, skipped, failed with the error).',
                },
                options: { type: 'object' },
                result: { type: 'string' },
              },
            }),
            400: error,
            404: error,
          },
        },
      },
      '/api/v1/energy/forecast/points': {
        get: {
          summary:
            'Stored forecasts (energy_forecast, written at each training): per meter p50, p10/p90 where the served model gives an interval, model and version; default tomorrow (UTC)',
          parameters: [
            tenant,
            param('device', 'A meter (or site=).'),
            param('site', 'A building: each of its meters.'),
            param('from', 'Default tomorrow 00:00 UTC.'),
            param('to', 'Default from + 24 h; at most 31 days after from.'),
          ],
          responses: { 200: json({ type: 'object' }), 400: error, 404: error },
        },
      },
      '/api/v1/energy/forecast': {
        get: {
          summary:
            "Tomorrow's hourly kWh for a meter or a building, each meter from the model the gate chose for it (p10/p90 when every meter's model gives an interval)",
          parameters: [
            tenant,
            param('device', 'A meter the model was trained on (or site=).'),
            param('site', 'A building: its meters, summed.'),
          ],
          responses: { 200: json({ type: 'object' }), 400: error, 404: error },
        },
      },
      '/api/v1/energy/waste': {
        get: {
          summary:
            'Waste findings for a meter or a building: after-hours use, hours outside the expected range, drift; with kWh, DKK and CO2e',
          parameters: [
            tenant,
            param('device', 'A meter (or site=).'),
            param('site', 'A building: each of its meters.'),
            param('from', 'Default -30d.'),
            param('to', 'Default now.'),
            param('referenceWeeks', 'Weeks before from that define normal behaviour.', {
              type: 'integer',
              minimum: 2,
              maximum: 104,
              default: 8,
            }),
          ],
          description:
            'One request covers at most 366 days from `from` to `to` (400 naming `from` beyond). 422 INSUFFICIENT_DATA naming `referenceWeeks` (or `from`) when a meter has readings in fewer than half the reference hours (or none in the window): no findings there would read as no waste. Large analyses run in a worker thread; 503 BUSY with Retry-After when 16 are already waiting.',
          responses: { 200: json({ type: 'object' }), 400: error, 404: error, 422: error, 503: retryLater },
        },
      },
      '/api/v1/fleet/trips': {
        get: {
          summary:
            'Trips of a vehicle (device), a site or the whole pool: start and end (rounded to a site or a ~100 m cell), km (odometer or GPS path), duration, moving and idle minutes, average and max speed, fuel or energy from the counters, CO₂e. No driver pseudonyms.',
          parameters: fleetParameters,
          responses: { 200: json({ type: 'object' }), 400: error, 404: error },
        },
      },
      '/api/v1/fleet/utilisation': {
        get: {
          summary:
            'Utilisation per vehicle (with its class: car, van, minibus…, and whether it was assumed) and site: working days used, hours away within working hours, km per day (p50, p95, max), idle share, CO₂e; per site the availability curve (vehicles away per working-day hour, p50/p95/max)',
          parameters: fleetParameters,
          responses: { 200: json({ type: 'object' }), 400: error, 404: error },
        },
      },
      '/api/v1/fleet/ev-suitability': {
        get: {
          summary:
            'EV suitability of each combustion vehicle against the EV model of its class (class from the vehicle register GREENOPS_FLEET_VEHICLES, else the stream’s vehicle_class tag, else the default class: classAssumed): every day’s km against the EV model’s range derated for that day’s minimum temperature (heating on), depot top-up and overnight charging time, TCO (4 %, 4 years) against a combustion replacement of its class (its fuel and price); verdict with failing days',
          parameters: [...fleetParameters, evModelParameter],
          responses: { 200: json({ type: 'object' }), 400: error, 404: error },
        },
      },
      '/api/v1/fleet/right-sizing': {
        get: {
          summary:
            'Per site the smallest pool with no round trip unserved on the service level’s share of days (turnaround included), the least used vehicles to remove, the kept ones an EV could replace (each with its class and saving), and savings in DKK and kg CO₂e a year at each vehicle’s class costs. Vehicles without a home site or with under 28 days of history are left out of the sizing and savings and listed in rightSizingExcluded (vehicle, site, reason no-home-site | short-history, daysObserved, detail); a site `unknown` is never sized.',
          parameters: [...fleetParameters, evModelParameter],
          responses: { 200: json({ type: 'object' }), 400: error, 404: error },
        },
      },
      '/api/v1/traffic/aadt': {
        get: {
          summary:
            'ÅDT of a counter and local year with method, days used and 90 % range (AASHTO for a permanent year; a short count expanded with factors of similar permanent counters), HVDT, July, peak-hour, heavy and mode shares, speeds, health',
          parameters: [
            tenant,
            param('device', 'Counter.', { type: 'string' }, true),
            param('year', 'Local year (the counter’s zone); default: the current one.', { type: 'integer' }),
            param('mode', 'One mode’s ÅDT in `aadt` (all: every mode together).', {
              type: 'string',
              enum: ['all', ...TRAFFIC_MODES],
              default: 'all',
            }),
          ],
          responses: { 200: json({ type: 'object' }), 400: error, 404: error },
        },
      },
      '/api/v1/traffic/profile': {
        get: {
          summary:
            'Counts per mode, total, shares, coverage, mean speed and v85 per 15 minutes, hour, local day, week or month; uptime-aware',
          parameters: [
            tenant,
            param('device', 'Counter.', { type: 'string' }, true),
            param('every', 'Bucket.', { type: 'string', enum: PROFILE_BUCKETS, default: 'hour' }),
            param('direction', 'One direction; default: all together.', {
              type: 'string',
              pattern: '^[A-Za-z0-9_-]{1,16}$',
            }),
            param('from', 'Default -7d; at most 31 days for 15m, 366 otherwise.'),
            param('to', 'Default now.'),
          ],
          responses: { 200: json({ type: 'object' }), 400: error },
        },
      },
      '/api/v1/traffic/health': {
        get: {
          summary:
            'Counter health: outages, low uptime, stuck values, zero runs where traffic is usual, jumps',
          parameters: [
            tenant,
            param('device', 'Counter.', { type: 'string' }, true),
            param('from', 'Default -30d; at most 366 days.'),
            param('to', 'Default now.'),
          ],
          responses: { 200: json({ type: 'object' }), 400: error },
        },
      },
      '/api/v1/traffic/key-figures': {
        get: {
          summary:
            'Key figures of every counter of the tenant in a local year as CSV in the Danish key-figure shape (semicolons, decimal comma): ÅDT with method and 90 % range, HVDT, JDT, heavy and peak-hour shares, speeds, ÅDT per mode, health; header x-greenops-counters says reported/all counters',
          parameters: [
            tenant,
            param('year', 'Local year; default: the last whole one.', { type: 'integer' }),
          ],
          responses: {
            200: { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } },
            400: error,
          },
        },
      },
      '/api/v1/traffic/open-data': {
        get: {
          summary:
            'Open data (CC BY 4.0, Link rel="license"): ÅDT per counter, year and mode with range, HVDT, July and heavy share; figures under the suppression threshold (and the one that would reveal them) left empty. CSV, GeoJSON (one Feature per counter-year) or the CSV’s CSVW metadata',
          parameters: [
            tenant,
            param('year', 'Local year; default: the last whole one.', { type: 'integer' }),
            param('format', 'csv, geojson or csv-metadata.', {
              type: 'string',
              enum: ['csv', 'geojson', 'csv-metadata'],
              default: 'csv',
            }),
          ],
          responses: {
            200: {
              description: 'CSV, GeoJSON or CSVW metadata',
              content: {
                'text/csv': { schema: { type: 'string' } },
                'application/geo+json': { schema: { type: 'object' } },
                'application/json': { schema: { type: 'object' } },
              },
            },
            400: error,
          },
        },
      },
      '/api/v1/energy/savings': {
        get: {
          summary:
            'Avoided energy of a measure for a meter or a building (TOWT baseline, ASHRAE G14 90 % range)',
          parameters: [
            tenant,
            param('device', 'A meter (or site=).'),
            param('site', 'A building: its meters, summed.'),
            ...['baselineFrom', 'baselineTo', 'reportFrom', 'reportTo'].map((n) =>
              param(n, 'ISO 8601, now, or relative (-30d).', { type: 'string' }, true),
            ),
          ],
          description:
            'The baseline period is 28 days to three years (1096 days), the reporting period at most three years (400 naming the parameter beyond). 422 INSUFFICIENT_DATA naming `baselineFrom` (or `reportFrom`) with the period when a meter has readings in fewer than half the baseline hours (or none in the reporting period). Large analyses run in a worker thread; 503 BUSY with Retry-After when 16 are already waiting.',
          responses: { 200: json({ type: 'object' }), 400: error, 404: error, 422: error, 503: retryLater },
        },
      },
      '/api/v1/dead-letters': {
        get: {
          summary: 'Refused input, newest first',
          parameters: [
            tenant,
            param('stream', 'Only this stream.', { type: 'string', enum: STREAM_NAMES }),
            param('limit', 'Page size.', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
            param('before', 'nextBefore of the previous page.', { type: 'integer' }),
          ],
          responses: { 200: json({ type: 'object' }), 400: error },
        },
      },
      '/api/v1/dead-letters/{id}/payload': {
        get: {
          summary: 'The raw payload of a dead letter',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            200: { description: 'Raw bytes', content: { 'application/octet-stream': {} } },
            404: error,
          },
        },
      },
      '/api/v1/dead-letters/reasons': {
        get: {
          summary: 'Dead letters counted by kind of reason',
          parameters: [tenant, param('stream', 'Only this stream.')],
          responses: { 200: json({ type: 'object' }), 400: error },
        },
      },
      '/api/v1/dead-letters/replay': {
        post: {
          summary: 'Publish dead letters that pass validation now on their topic again, and remove them',
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    tenant: { type: 'string' },
                    stream: { type: 'string', enum: STREAM_NAMES },
                    limit: { type: 'integer', minimum: 1 },
                    dryRun: { type: 'boolean' },
                  },
                  additionalProperties: false,
                },
              },
            },
          },
          responses: {
            200: json({
              type: 'object',
              properties: {
                examined: { type: 'integer' },
                replayed: { type: 'integer' },
                stillInvalid: { type: 'integer' },
                skipped: { type: 'integer' },
                dryRun: { type: 'boolean' },
              },
            }),
            400: error,
            503: error,
          },
        },
      },
      '/api/v1/invoices': {
        post: {
          summary:
            'Upload supplier invoices (OIOUBL 2.x/3, Peppol BIS 3, EN 16931 UBL, or the CSV export); answers their line estimates. A bad file is named in errors (file, line) while the others are kept; 422 when no file could be read.',
          parameters: [tenant, param('filename', 'Name of a raw uploaded file (reported in errors).')],
          requestBody: {
            content: {
              'application/xml': { schema: { type: 'string' } },
              'text/csv': { schema: { type: 'string' } },
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['files'],
                  properties: {
                    files: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['name', 'text'],
                        properties: { name: { type: 'string' }, text: { type: 'string' } },
                      },
                    },
                  },
                },
              },
            },
          },
          description:
            'Bodies up to 20 MB (413 beyond), at most 50,000 invoice lines per upload (413 PAYLOAD_TOO_LARGE naming the limit, nothing kept). Large uploads are read in a worker thread. The answer lists the estimates of the first 1,000 lines (`linesOmitted` counts the rest; GET /invoices/lines pages through them); `totals` cover every line. While no classifier is trained yet (the first upload of a fresh installation) the lines are kept and the answer is 202 with Retry-After, `estimates: "pending"`, a message and the training state.',
          responses: {
            201: json({
              type: 'object',
              properties: {
                added: { type: 'integer' },
                replaced: { type: 'integer' },
                errors: { type: 'array', items: { type: 'object' } },
                lines: { type: 'array', items: { $ref: '#/components/schemas/LineEstimate' } },
                linesOmitted: { type: 'integer', description: 'Lines stored but not listed here' },
                totals: { type: 'object' },
              },
            }),
            202: {
              ...json(
                {
                  type: 'object',
                  properties: {
                    added: { type: 'integer' },
                    replaced: { type: 'integer' },
                    errors: { type: 'array', items: { type: 'object' } },
                    estimates: { const: 'pending' },
                    message: { type: 'string' },
                    retryAfterSeconds: { type: 'integer' },
                    training: { type: 'object' },
                  },
                },
                'Kept; estimates follow when the classifier has been trained',
              ),
              headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 } } },
            },
            400: error,
            413: error,
            422: error,
            503: retryLater,
          },
        },
      },
      '/api/v1/invoices/lines': {
        get: {
          summary:
            'Stored invoice lines with their current estimates: oldest first, or with review=true the review queue, most kg CO2e at stake first',
          parameters: [
            tenant,
            param('review', 'Only lines flagged (true) or not flagged (false) for review.', {
              type: 'string',
              enum: ['true', 'false', 'any'],
            }),
            param('category', 'Only this category.', {
              type: 'string',
              enum: [...CORPUS_CATEGORIES, 'non_emitting', 'unknown'],
            }),
            param('supplier', 'Only this supplier (name or id).'),
            param(
              'order',
              'date: oldest first; stake: most kg CO2e a review can change first (kgAtStake). Default: stake with review=true, else date.',
              { type: 'string', enum: ['date', 'stake'] },
            ),
            param('from', 'First month, YYYY-MM.'),
            param('to', 'Last month, YYYY-MM.'),
            param('limit', 'Page size.', { type: 'integer', minimum: 1, maximum: 10000, default: 500 }),
            param('offset', 'Lines to skip.', { type: 'integer', minimum: 0, default: 0 }),
          ],
          responses: {
            200: json({
              type: 'object',
              properties: {
                total: { type: 'integer' },
                offset: { type: 'integer' },
                lines: { type: 'array', items: { $ref: '#/components/schemas/LineEstimate' } },
              },
            }),
            400: error,
            503: retryLater,
          },
        },
      },
      '/api/v1/invoices/lines/{id}': {
        get: {
          summary: 'One line with its estimate',
          parameters: [tenant, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: json({ $ref: '#/components/schemas/LineEstimate' }),
            404: error,
            503: retryLater,
          },
        },
        patch: {
          summary:
            "Correct a line's category (review). Used at once for the line and in the classifier's next training.",
          parameters: [
            tenant,
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            {
              name: 'If-Match',
              in: 'header',
              required: false,
              description: 'The ETag of the GET you corrected from; 412 when the line changed since',
              schema: { type: 'string' },
            },
          ],
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['category'],
                  additionalProperties: false,
                  properties: {
                    category: { type: 'string', enum: [...CORPUS_CATEGORIES, 'non_emitting'] },
                  },
                },
              },
            },
          },
          responses: {
            200: json({ $ref: '#/components/schemas/LineEstimate' }),
            400: error,
            404: error,
            412: error,
            503: retryLater,
          },
        },
      },
      '/api/v1/invoices/totals': {
        get: {
          summary: 'kg CO2e with 90 % ranges by scope, category, supplier, month and method',
          parameters: [
            tenant,
            param('category', 'Only this category.'),
            param('supplier', 'Only this supplier.'),
            param('from', 'First month, YYYY-MM.'),
            param('to', 'Last month, YYYY-MM.'),
          ],
          responses: { 200: json({ type: 'object' }), 400: error, 503: retryLater },
        },
      },
      '/api/v1/invoices/classifier': {
        get: {
          summary:
            "The classifier of the tenant's lines (`model`: its own after a retraining, `shared` before, null before the first training): manifest with held-out accuracy and confusion, training state (queued, running, epochs), corrections",
          parameters: [tenant],
          responses: { 200: json({ type: 'object' }) },
        },
      },
      '/api/v1/invoices/classifier/train': {
        post: {
          summary:
            "Retrain the tenant's classifier with its corrections, in a worker thread, queued behind other trainings of the process (one at a time); poll GET …/classifier",
          parameters: [tenant],
          responses: {
            202: json({ type: 'object' }),
            409: json({ type: 'object' }, 'A training is already running'),
          },
        },
      },
      '/api/v1/invoices/factors': {
        get: {
          summary: 'The factor table in use, with its version and sources',
          responses: { 200: json({ type: 'object' }) },
        },
      },
    }),
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'gok_<id>_<secret>',
          description: 'A greenops API key (`greenops keys create`, POST /api/v1/keys).',
        },
        ...(options.oidc
          ? {
              oidc: {
                type: 'http',
                scheme: 'bearer',
                bearerFormat: 'JWT',
                description:
                  'A token of the configured OpenID Connect issuer (GREENOPS_OIDC_ISSUER), with the tenant and roles claims.',
              },
            }
          : {}),
      },
      responses: {
        Error: json({ $ref: '#/components/schemas/Error' }, 'Error; message starts with the bad parameter'),
        RetryLater: {
          ...json(
            { $ref: '#/components/schemas/Error' },
            'Not now: NOT_READY (the invoice classifier is still being trained) or BUSY (too many heavy requests waiting); try again after Retry-After seconds',
          ),
          headers: {
            'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } },
          },
        },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                field: { type: 'string' },
              },
            },
          },
        },
        Devices: {
          type: 'object',
          properties: {
            stream: { type: 'string' },
            tenant: { type: 'string' },
            devices: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  device: { type: 'string' },
                  lastSeen: { type: 'string', format: 'date-time' },
                  records: { type: 'integer' },
                },
              },
            },
          },
        },
        Series: {
          type: 'object',
          properties: {
            field: { type: 'string' },
            unit: { type: ['string', 'null'] },
            points: {
              type: 'array',
              items: {
                type: 'object',
                properties: { time: { type: 'string', format: 'date-time' }, value: {} },
              },
            },
          },
        },
        LineEstimate: {
          type: 'object',
          description:
            'One invoice line with its CO2e estimate; see the README (CO2 from invoices) for every field.',
          properties: {
            id: { type: 'string' },
            file: { type: 'string' },
            sourceLine: { type: ['integer', 'null'] },
            documentId: { type: 'string' },
            issueDate: { type: 'string', format: 'date' },
            month: { type: 'string' },
            supplier: { type: 'object' },
            description: { type: 'string' },
            quantity: { type: ['number', 'null'] },
            unitCode: { type: ['string', 'null'] },
            amount: { type: 'number' },
            currency: { type: 'string' },
            category: { type: 'string', enum: [...CORPUS_CATEGORIES, 'non_emitting', 'unknown'] },
            classification: { type: 'object' },
            method: { type: 'string', enum: ['supplier', 'activity', 'spend', 'excluded'] },
            factor: { type: 'object' },
            basis: { type: ['object', 'null'] },
            kgCo2e: { type: ['number', 'null'] },
            range: { type: ['array', 'null'], items: { type: 'number' }, minItems: 2, maxItems: 2 },
            scope: { type: 'integer', enum: [1, 2, 3] },
            review: { type: 'boolean' },
            kgAtStake: { type: 'number', description: 'kg CO2e a review of this line can change' },
            activity: {
              type: ['object', 'null'],
              description:
                'For an activity line: carrier and what decided it (text, code, review, supplier, invoice, unit)',
            },
            excluded: {
              type: ['object', 'null'],
              description:
                'For a non-emitting line: kind (tax, levy, admin_fee, deposit, rounding, interest, instalment, standing_charge, grid, metering, same_energy, reviewed) and energyLine, the line carrying the energy',
            },
            notes: { type: 'array', items: { type: 'string' } },
          },
        },
        ...recordSchemas,
      },
    },
  };
}

type Operation = Record<string, unknown> & { responses?: Record<string, unknown> };

/**
 * The operations, one per entry of the permission table (the single source of who may call what): each gets its
 * `security` and `x-roles` from there, and the hand-written detail of its parameters and responses. A detail
 * without a permission entry is a mistake in this file and fails here.
 */
function operations(
  schemes: string[],
  details: Record<string, Record<string, Operation>>,
): Record<string, Record<string, Operation>> {
  const paths: Record<string, Record<string, Operation>> = {};
  const used = new Set<string>();
  for (const permission of PERMISSIONS) {
    const path = permission.path.replace(/:(\w+)/g, '{$1}');
    const method = permission.method.toLowerCase();
    used.add(`${method} ${path}`);
    const detail = details[path]?.[method] ?? {};
    const open = permission.access === 'public';
    const roles =
      permission.access === 'public'
        ? []
        : permission.access === 'authenticated'
          ? ROLES.filter((r) => r !== 'device')
          : [...permission.access];
    (paths[path] ??= {})[method] = {
      summary: permission.summary,
      ...detail,
      security: open ? [] : schemes.map((s) => ({ [s]: [] })),
      'x-roles': roles,
      'x-tenant-scoped': permission.tenantScoped,
      responses: {
        ...(detail.responses ?? { 200: json({ type: 'object' }) }),
        ...(open ? {} : { 401: error, 403: error }),
      },
    };
  }
  for (const [path, methods] of Object.entries(details))
    for (const method of Object.keys(methods))
      if (!used.has(`${method} ${path}`))
        throw new Error(`openapi.ts describes ${method.toUpperCase()} ${path}, which is not in PERMISSIONS`);
  return paths;
}
