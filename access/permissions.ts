import type { Role } from './roles.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * Who may call an operation: `public` (no credential, by design), `authenticated` (any credential that opens the
 * API), or the roles that may. `platform-admin` is listed where it is allowed; it is never implied.
 */
export type Access = 'public' | 'authenticated' | readonly Role[];

export interface Permission {
  method: HttpMethod;
  /** Express path pattern, absolute (`/api/v1/streams/:stream/series`). */
  path: string;
  access: Access;
  /** Whether the operation reads or changes one tenant's data: the tenant then comes from the credential. */
  tenantScoped: boolean;
  summary: string;
}

const ADMINS = ['platform-admin', 'tenant-admin'] as const satisfies readonly Role[];
/** Every role that reads a tenant's data through the API. */
const READERS = [
  ...ADMINS,
  'viewer',
  'facility',
  'fleet',
  'roads',
  'climate',
] as const satisfies readonly Role[];
const ENERGY_READERS = [...ADMINS, 'viewer', 'facility', 'climate'] as const satisfies readonly Role[];
/** Who may ask for the energy models to be retrained: the facility managers they serve, and admins. */
const ENERGY_TRAINERS = [...ADMINS, 'facility'] as const satisfies readonly Role[];
const CLIMATE_READERS = [...ADMINS, 'viewer', 'climate'] as const satisfies readonly Role[];
const TRAFFIC_READERS = [...ADMINS, 'viewer', 'roads'] as const satisfies readonly Role[];
const FLEET_READERS = [...ADMINS, 'viewer', 'fleet'] as const satisfies readonly Role[];
const CLIMATE_WRITERS = [...ADMINS, 'climate'] as const satisfies readonly Role[];
const ROAD_READERS = [...ADMINS, 'viewer', 'roads'] as const satisfies readonly Role[];
/** Only the road department and admins decide on defects (issue 14); a viewer reads. */
const ROAD_WRITERS = [...ADMINS, 'roads'] as const satisfies readonly Role[];
/**
 * Who reads a stream field marked `personal` (a driver pseudonym), per stream: the stream's own planners and the
 * admins. A viewer, facility manager, road department or climate officer sees the vehicles, never who drove.
 */
export const PERSONAL_FIELD_READERS: Readonly<Record<string, readonly Role[]>> = {
  fleet: [...ADMINS, 'fleet'],
};

/** Who records a person's decision on a model's output: the model's own domain role is checked per model. */
const OVERSIGHT_WRITERS = [...ADMINS, 'facility', 'roads', 'fleet'] as const satisfies readonly Role[];

/**
 * THE permission table: every HTTP operation of greenops and who may call it. The API refuses to start with a
 * route that is not here; the middleware, the OpenAPI document (`security`, `x-roles`) and the README's access
 * table are generated from it. A new route is added here first.
 */
export const PERMISSIONS: readonly Permission[] = [
  {
    method: 'GET',
    path: '/health',
    access: 'public',
    tenantScoped: false,
    summary: 'Readiness (load balancers)',
  },
  { method: 'GET', path: '/health/live', access: 'public', tenantScoped: false, summary: 'Liveness' },
  { method: 'GET', path: '/health/ready', access: 'public', tenantScoped: false, summary: 'Readiness' },
  {
    method: 'GET',
    path: '/metrics',
    access: ['platform-admin', 'monitoring'],
    tenantScoped: false,
    summary: 'Prometheus metrics (public with GREENOPS_METRICS_PUBLIC=true)',
  },
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    access: 'public',
    tenantScoped: false,
    summary: 'The OpenAPI document',
  },
  {
    method: 'GET',
    path: '/api/v1/whoami',
    access: 'authenticated',
    tenantScoped: false,
    summary: 'The caller',
  },
  {
    method: 'GET',
    path: '/api/v1/streams',
    access: READERS,
    tenantScoped: false,
    summary: 'Stream definitions',
  },
  {
    method: 'GET',
    path: '/api/v1/streams/:stream/devices',
    access: READERS,
    tenantScoped: true,
    summary: 'Devices seen on a stream',
  },
  {
    method: 'GET',
    path: '/api/v1/streams/:stream/series',
    access: READERS,
    tenantScoped: true,
    summary: 'A raw or windowed series',
  },
  {
    method: 'GET',
    path: '/api/v1/energy/model',
    access: ENERGY_READERS,
    tenantScoped: true,
    summary: 'Energy model card',
  },
  {
    method: 'POST',
    path: '/api/v1/energy/model/train',
    access: ENERGY_TRAINERS,
    tenantScoped: true,
    summary: 'Queue a retraining of the energy models',
  },
  {
    method: 'GET',
    path: '/api/v1/energy/forecast',
    access: ENERGY_READERS,
    tenantScoped: true,
    summary: 'Day-ahead energy forecast',
  },
  {
    method: 'GET',
    path: '/api/v1/energy/forecast/points',
    access: ENERGY_READERS,
    tenantScoped: true,
    summary: 'Stored energy forecasts (energy_forecast)',
  },
  {
    method: 'GET',
    path: '/api/v1/energy/waste',
    access: ENERGY_READERS,
    tenantScoped: true,
    summary: 'Energy waste findings',
  },
  {
    method: 'GET',
    path: '/api/v1/energy/savings',
    access: ENERGY_READERS,
    tenantScoped: true,
    summary: 'Energy savings',
  },
  {
    method: 'GET',
    path: '/api/v1/traffic/aadt',
    access: TRAFFIC_READERS,
    tenantScoped: true,
    summary: 'ÅDT, HVDT, July and shares of a counter and year',
  },
  {
    method: 'GET',
    path: '/api/v1/traffic/profile',
    access: TRAFFIC_READERS,
    tenantScoped: true,
    summary: 'Traffic counts per 15 min, hour, day, week or month',
  },
  {
    method: 'GET',
    path: '/api/v1/traffic/health',
    access: TRAFFIC_READERS,
    tenantScoped: true,
    summary: 'Counter health: outages, stuck values, zero runs, jumps',
  },
  {
    method: 'GET',
    path: '/api/v1/traffic/key-figures',
    access: TRAFFIC_READERS,
    tenantScoped: true,
    summary: 'Key figures per counter and year as CSV (national key-figure shape)',
  },
  {
    method: 'GET',
    path: '/api/v1/traffic/open-data',
    access: TRAFFIC_READERS,
    tenantScoped: true,
    summary:
      'Open data: ÅDT per counter, year and mode as CSV or GeoJSON, CC BY 4.0, small counts suppressed',
  },
  {
    method: 'GET',
    path: '/api/v1/fleet/trips',
    access: FLEET_READERS,
    tenantScoped: true,
    summary:
      'Trips of a vehicle, site or pool: distance, duration, idling, fuel or energy, CO₂e, rounded ends',
  },
  {
    method: 'GET',
    path: '/api/v1/fleet/utilisation',
    access: FLEET_READERS,
    tenantScoped: true,
    summary:
      'Utilisation per vehicle and site: days and hours used, km per day, idle share, availability curve',
  },
  {
    method: 'GET',
    path: '/api/v1/fleet/ev-suitability',
    access: FLEET_READERS,
    tenantScoped: true,
    summary: 'EV suitability of combustion vehicles: days covered at cold-weather range, charging time, TCO',
  },
  {
    method: 'GET',
    path: '/api/v1/fleet/right-sizing',
    access: FLEET_READERS,
    tenantScoped: true,
    summary: 'Smallest pool per site at the service level; vehicles to remove or replace by EVs, savings',
  },
  {
    method: 'POST',
    path: '/api/v1/invoices',
    access: CLIMATE_WRITERS,
    tenantScoped: true,
    summary: 'Upload invoices',
  },
  {
    method: 'GET',
    path: '/api/v1/invoices/lines',
    access: CLIMATE_READERS,
    tenantScoped: true,
    summary: 'Estimated invoice lines',
  },
  {
    method: 'GET',
    path: '/api/v1/invoices/lines/:id',
    access: CLIMATE_READERS,
    tenantScoped: true,
    summary: 'One invoice line (ETag)',
  },
  {
    method: 'PATCH',
    path: '/api/v1/invoices/lines/:id',
    access: CLIMATE_WRITERS,
    tenantScoped: true,
    summary: 'Correct a line’s category (If-Match)',
  },
  {
    method: 'GET',
    path: '/api/v1/invoices/totals',
    access: CLIMATE_READERS,
    tenantScoped: true,
    summary: 'CO₂ totals',
  },
  {
    method: 'GET',
    path: '/api/v1/invoices/classifier',
    access: CLIMATE_READERS,
    tenantScoped: true,
    summary: 'Classifier card and state',
  },
  {
    method: 'POST',
    path: '/api/v1/invoices/classifier/train',
    access: CLIMATE_WRITERS,
    tenantScoped: true,
    summary: 'Retrain the classifier',
  },
  {
    method: 'GET',
    path: '/api/v1/invoices/factors',
    access: CLIMATE_READERS,
    tenantScoped: false,
    summary: 'Factor table',
  },
  {
    method: 'GET',
    path: '/api/v1/dead-letters',
    access: ADMINS,
    tenantScoped: true,
    summary: 'Dead letters (a tenant-admin sees its tenant’s)',
  },
  {
    method: 'GET',
    path: '/api/v1/dead-letters/reasons',
    access: ADMINS,
    tenantScoped: true,
    summary: 'Dead-letter counts',
  },
  {
    method: 'GET',
    path: '/api/v1/dead-letters/:id/payload',
    access: ADMINS,
    tenantScoped: true,
    summary: 'A dead letter’s payload',
  },
  {
    method: 'POST',
    path: '/api/v1/dead-letters/replay',
    access: ['platform-admin'],
    tenantScoped: false,
    summary: 'Replay dead letters',
  },
  {
    method: 'GET',
    path: '/api/v1/keys',
    access: ADMINS,
    tenantScoped: true,
    summary: 'API keys (never the secret)',
  },
  {
    method: 'POST',
    path: '/api/v1/keys',
    access: ADMINS,
    tenantScoped: true,
    summary: 'Create an API key (shown once)',
  },
  {
    method: 'DELETE',
    path: '/api/v1/keys/:id',
    access: ADMINS,
    tenantScoped: true,
    summary: 'Revoke an API key',
  },
  {
    method: 'GET',
    path: '/api/v1/devices',
    access: ADMINS,
    tenantScoped: true,
    summary: 'Device credentials',
  },
  {
    method: 'POST',
    path: '/api/v1/devices',
    access: ADMINS,
    tenantScoped: true,
    summary: 'Issue a device credential (password shown once)',
  },
  {
    method: 'DELETE',
    path: '/api/v1/devices/:id',
    access: ADMINS,
    tenantScoped: true,
    summary: 'Revoke a device credential',
  },
  { method: 'GET', path: '/api/v1/audit', access: ADMINS, tenantScoped: true, summary: 'The audit trail' },
  {
    method: 'GET',
    path: '/transparency',
    access: 'public',
    tenantScoped: false,
    summary: 'Citizen transparency page (Danish; public by design, AI Act Art. 50)',
  },
  {
    method: 'GET',
    path: '/transparency/en',
    access: 'public',
    tenantScoped: false,
    summary: 'Citizen transparency page (English)',
  },
  { method: 'GET', path: '/api/v1/models', access: READERS, tenantScoped: true, summary: 'Model cards' },
  {
    method: 'GET',
    path: '/api/v1/models/:id',
    access: READERS,
    tenantScoped: true,
    summary: 'One model card',
  },
  {
    method: 'GET',
    path: '/api/v1/models/:id/oversight',
    access: READERS,
    tenantScoped: true,
    summary: 'Human decisions on a model’s outputs, with the shares checked and overturned',
  },
  {
    method: 'POST',
    path: '/api/v1/models/:id/oversight',
    access: OVERSIGHT_WRITERS,
    tenantScoped: true,
    summary:
      'Record a person confirming or overturning an output (energy: facility; traffic, road: roads; fleet: fleet)',
  },
  {
    method: 'GET',
    path: '/api/v1/transparency/export',
    access: READERS,
    tenantScoped: true,
    summary: 'Algorithm-register export from the model cards (ai-landkort, nl-register, atrs)',
  },
  {
    method: 'GET',
    path: '/api/v1/road/defects',
    access: ROAD_READERS,
    tenantScoped: true,
    summary: 'Road defects (review queue by priority; JSON, CSV or GeoJSON)',
  },
  {
    method: 'GET',
    path: '/api/v1/road/defects/:id',
    access: ROAD_READERS,
    tenantScoped: true,
    summary: 'One defect with its sightings, history and audit (ETag)',
  },
  {
    method: 'POST',
    path: '/api/v1/road/defects/:id/decision',
    access: ROAD_WRITERS,
    tenantScoped: true,
    summary: 'Confirm or reject a defect (If-Match)',
  },
  {
    method: 'POST',
    path: '/api/v1/road/defects/bulk-decision',
    access: ROAD_WRITERS,
    tenantScoped: true,
    summary: 'Confirm or reject many defects',
  },
  {
    method: 'POST',
    path: '/api/v1/road/defects/:id/actions',
    access: ROAD_WRITERS,
    tenantScoped: true,
    summary: 'Mark repaired, close, reopen, override severity or merge a defect (If-Match)',
  },
  {
    method: 'GET',
    path: '/api/v1/road/work-orders',
    access: ROAD_READERS,
    tenantScoped: true,
    summary: 'Work orders (JSON, CSV or GeoJSON)',
  },
  {
    method: 'POST',
    path: '/api/v1/road/work-orders',
    access: ROAD_WRITERS,
    tenantScoped: true,
    summary: 'Create a work order for confirmed defects',
  },
  {
    method: 'PATCH',
    path: '/api/v1/road/work-orders/:id',
    access: ROAD_WRITERS,
    tenantScoped: true,
    summary: 'Change a work order (status, assignee, due date, notes; If-Match)',
  },
  {
    method: 'GET',
    path: '/api/v1/road/precision',
    access: ROAD_READERS,
    tenantScoped: true,
    summary: 'Detector precision per damage class and version from the reviews',
  },
  {
    method: 'GET',
    path: '/api/v1/road/coverage',
    access: ROAD_READERS,
    tenantScoped: true,
    summary: 'Road stretches camera vehicles passed, and those not inspected for N days',
  },
  {
    method: 'GET',
    path: '/api/v1/console/config',
    access: 'public',
    tenantScoped: false,
    summary:
      'How the web console logs in: the OIDC issuer, public client id and scopes, or null (no secrets)',
  },
  {
    method: 'GET',
    path: '/console',
    access: 'public',
    tenantScoped: false,
    summary: 'The web console (static page; its data calls need a credential)',
  },
  {
    method: 'GET',
    path: '/console/:file',
    access: 'public',
    tenantScoped: false,
    summary: 'The web console’s bundled assets (no data)',
  },
];

/** The permission of an exact method and route pattern, as registered. */
export function permissionFor(method: HttpMethod, path: string): Permission | undefined {
  return PERMISSIONS.find((p) => p.method === method && p.path === path);
}

/** Whether a principal with `roles` may perform the operation (tenant checks come on top). */
export function allows(permission: Permission, roles: readonly Role[]): boolean {
  const { access } = permission;
  if (access === 'public') return true;
  if (access === 'authenticated') return roles.some((r) => r !== 'device');
  return access.some((r) => roles.includes(r));
}
