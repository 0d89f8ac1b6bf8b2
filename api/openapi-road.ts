import { DAMAGE_CLASSES } from '../core/index.js';
import { DEFECT_STATUSES, REJECT_REASONS, WORK_ORDER_STATUSES } from '../models/index.js';

const error = { $ref: '#/components/responses/Error' };
const ok = (schema: object, type = 'application/json') => ({
  description: 'OK',
  content: { [type]: { schema } },
});
const q = (name: string, description: string, schema: object = { type: 'string' }) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const tenant = q('tenant', "Municipality; default: the credential's tenant.", {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
});
const id = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^rd-[0-9a-f]{16}$' },
};
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The ETag of the defect as last read; a defect changed since answers 412.',
  schema: { type: 'string' },
};
const defect = {
  type: 'object',
  required: [
    'id',
    'damage',
    'status',
    'severity',
    'priority',
    'lat',
    'lon',
    'sightings',
    'firstSeen',
    'lastSeen',
  ],
  properties: {
    id: { type: 'string', description: 'Stable: derived from the defect’s first detection.' },
    damage: { type: 'string', enum: DAMAGE_CLASSES },
    status: { type: 'string', enum: DEFECT_STATUSES },
    severity: { type: 'integer', minimum: 1, maximum: 5, description: 'A person’s override, else computed.' },
    computedSeverity: { type: 'integer', minimum: 1, maximum: 5 },
    priority: { type: 'number', description: 'severity × ÅDT / 1000' },
    lat: { type: 'number' },
    lon: { type: 'number' },
    sightings: { type: 'integer' },
    drives: { type: 'integer' },
    firstSeen: { type: 'string', format: 'date-time' },
    lastSeen: { type: 'string', format: 'date-time' },
    confidence: { type: 'number', description: 'Fused over drives, recent ones weighted higher.' },
    corroborated: { type: 'boolean' },
    missedPasses: { type: 'integer', description: 'Camera passes that did not see it.' },
    missesSinceSeen: { type: 'integer' },
    exposure: { type: 'object', properties: { aadt: { type: 'number' }, source: { type: 'string' } } },
    modelVersions: { type: 'array', items: { type: 'string' } },
    reason: { type: ['string', 'null'] },
    mergedInto: { type: ['string', 'null'], description: 'The defect it was merged into (status merged).' },
    version: { type: 'integer' },
  },
};
const EXPORTS =
  'csv (RFC 4180, UTF-8 with a byte order mark, decimals with a dot) or geojson (WGS 84 lon/lat points, RFC 7946): ' +
  'the same columns, with x_25832/y_25832 (ETRS89 / UTM 32N easting/northing, EPSG:25832) and the work order’s ' +
  'status, notes, created and updated times; status is the defect’s current one';
const format = q('format', `json (default); ${EXPORTS}`, {
  type: 'string',
  enum: ['json', 'csv', 'geojson'],
});
const defectsFormat = q(
  'format',
  'json (default); map: lean rows for a map, each an array in the order of `fields` (id, lat, lon, severity, ' +
    `priority, status, damage, corroborated), default limit 20,000, gzipped when accepted; ${EXPORTS}`,
  { type: 'string', enum: ['json', 'map', 'csv', 'geojson'] },
);
const workOrder = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    defectIds: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: WORK_ORDER_STATUSES },
    assignee: { type: 'string' },
    dueDate: { type: ['string', 'null'], format: 'date' },
    notes: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    updatedAt: { type: 'string', format: 'date-time' },
    version: { type: 'integer' },
  },
};
/** Request bodies: a field not listed is refused with 400 naming it. */
const body = (schema: object) => ({
  required: true,
  content: { 'application/json': { schema: { ...schema, additionalProperties: false } } },
});
const dueDate = {
  type: 'string',
  format: 'date',
  description: 'Today or later (400 naming dueDate for a past date)',
};

/** Parameters and bodies of the road routes (issue 14); roles come from the permission table. */
export const ROAD_PATHS = {
  '/api/v1/road/defects': {
    get: {
      parameters: [
        tenant,
        q('status', 'Comma-separated statuses; merged defects are listed only when merged is named', {
          type: 'string',
        }),
        q('damage', 'Comma-separated damage classes', { type: 'string' }),
        q('bbox', 'west,south,east,north (WGS 84)'),
        q('minPriority', 'Lowest priority', { type: 'number' }),
        q('corroborated', 'true, false or all (default)'),
        q('minAgeDays', 'First seen at least this many days ago', { type: 'number' }),
        q('maxAgeDays', 'First seen at most this many days ago', { type: 'number' }),
        q('limit', 'At most this many (default 500 as JSON)', { type: 'integer' }),
        q('offset', 'Skip this many', { type: 'integer' }),
        defectsFormat,
      ],
      responses: {
        200: ok({
          type: 'object',
          properties: { total: { type: 'integer' }, defects: { type: 'array', items: defect } },
        }),
        400: error,
      },
    },
  },
  '/api/v1/road/defects/{id}': {
    get: { parameters: [id, tenant], responses: { 200: ok(defect), 404: error } },
  },
  '/api/v1/road/defects/{id}/decision': {
    post: {
      parameters: [id, tenant, ifMatch],
      requestBody: body({
        type: 'object',
        required: ['decision'],
        properties: {
          decision: { type: 'string', enum: ['confirm', 'reject'] },
          reason: { type: 'string', enum: REJECT_REASONS, description: 'Required with reject' },
          note: { type: 'string', maxLength: 2000 },
        },
      }),
      responses: { 200: ok(defect), 400: error, 404: error, 409: error, 412: error },
    },
  },
  '/api/v1/road/defects/bulk-decision': {
    post: {
      parameters: [tenant],
      requestBody: body({
        type: 'object',
        required: ['ids', 'decision'],
        properties: {
          ids: { type: 'array', items: { type: 'string' }, maxItems: 500 },
          decision: { type: 'string', enum: ['confirm', 'reject'] },
          reason: { type: 'string', enum: REJECT_REASONS },
          note: { type: 'string' },
        },
      }),
      responses: { 200: ok({ type: 'object' }), 400: error },
    },
  },
  '/api/v1/road/defects/{id}/actions': {
    post: {
      parameters: [id, tenant, ifMatch],
      requestBody: body({
        type: 'object',
        required: ['action'],
        properties: {
          action: { type: 'string', enum: ['repaired', 'close', 'reopen', 'severity', 'merge'] },
          severity: { type: ['integer', 'null'], minimum: 1, maximum: 5 },
          into: { type: 'string', description: 'merge: the defect this one duplicates' },
          note: { type: 'string' },
        },
      }),
      responses: { 200: ok(defect), 400: error, 404: error, 409: error, 412: error },
    },
  },
  '/api/v1/road/work-orders': {
    get: {
      parameters: [tenant, q('status', 'Comma-separated work-order statuses'), format],
      responses: {
        200: ok({ type: 'object', properties: { workOrders: { type: 'array', items: workOrder } } }),
      },
    },
    post: {
      parameters: [tenant],
      requestBody: body({
        type: 'object',
        required: ['defectIds', 'assignee'],
        properties: {
          defectIds: { type: 'array', items: { type: 'string' }, maxItems: 200 },
          assignee: { type: 'string' },
          dueDate,
          notes: { type: 'string' },
        },
      }),
      responses: { 201: ok(workOrder), 400: error, 409: error },
    },
  },
  '/api/v1/road/work-orders/{id}': {
    patch: {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, tenant, ifMatch],
      requestBody: body({
        type: 'object',
        properties: {
          status: { type: 'string', enum: WORK_ORDER_STATUSES },
          assignee: { type: 'string' },
          dueDate,
          notes: { type: 'string' },
        },
      }),
      responses: { 200: ok(workOrder), 400: error, 404: error, 409: error, 412: error },
    },
  },
  '/api/v1/road/precision': {
    get: {
      parameters: [
        tenant,
        q('target', 'Precision the suggested threshold keeps (default 0.9)', { type: 'number' }),
      ],
      responses: { 200: ok({ type: 'object' }) },
    },
  },
  '/api/v1/road/coverage': {
    get: {
      parameters: [
        tenant,
        q('notInspectedDays', 'A stretch not passed for this many days is stale (default 14)', {
          type: 'integer',
        }),
        q('only', 'all (default) or stale'),
      ],
      responses: { 200: ok({ type: 'object' }) },
    },
  },
};
