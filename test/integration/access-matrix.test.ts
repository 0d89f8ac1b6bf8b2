import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, type Role } from '../../access/index.js';
import { join } from 'node:path';
import { createMemoryLogger } from '../../core/index.js';
import { EnergyRetrainer, FileModelRegistry } from '../../models/index.js';
import { startAccessApi, type AccessApi } from '../harness/access-api.js';

/** The roles in the order of the matrix's columns. */
const COLUMNS = [
  'platform-admin',
  'tenant-admin',
  'facility',
  'fleet',
  'roads',
  'climate',
  'viewer',
  'monitoring',
] as const satisfies readonly Role[];

interface Row {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The route as registered. */
  route: string;
  /** What is requested (a concrete path). */
  path: string;
  body?: unknown;
  /** `public`, or one character per column: `+` allowed, `.` refused with 403. */
  expect: string;
}

// The independent expectation, written out by hand (not derived from PERMISSIONS): who may call what.
//                                                                       PA TA fa fl ro cl vi mo
const MATRIX: Row[] = [
  { method: 'GET', route: '/health', path: '/health', expect: 'public' },
  { method: 'GET', route: '/health/live', path: '/health/live', expect: 'public' },
  { method: 'GET', route: '/health/ready', path: '/health/ready', expect: 'public' },
  { method: 'GET', route: '/api/v1/openapi.json', path: '/api/v1/openapi.json', expect: 'public' },
  { method: 'GET', route: '/metrics', path: '/metrics', expect: '+......+' },
  { method: 'GET', route: '/api/v1/whoami', path: '/api/v1/whoami', expect: '++++++++' },
  { method: 'GET', route: '/api/v1/streams', path: '/api/v1/streams', expect: '+++++++.' },
  {
    method: 'GET',
    route: '/api/v1/streams/:stream/devices',
    path: '/api/v1/streams/energy/devices',
    expect: '+++++++.',
  },
  {
    method: 'GET',
    route: '/api/v1/streams/:stream/series',
    path: '/api/v1/streams/energy/series?device=aarhus-meter&from=-1d',
    expect: '+++++++.',
  },
  { method: 'GET', route: '/api/v1/energy/model', path: '/api/v1/energy/model', expect: '+++..++.' },
  {
    method: 'GET',
    route: '/api/v1/energy/forecast',
    path: '/api/v1/energy/forecast?device=aarhus-meter',
    expect: '+++..++.',
  },
  {
    method: 'POST',
    route: '/api/v1/energy/model/train',
    path: '/api/v1/energy/model/train?epochs=1',
    expect: '+++.....',
  },
  {
    method: 'GET',
    route: '/api/v1/energy/forecast/points',
    path: '/api/v1/energy/forecast/points?device=aarhus-meter',
    expect: '+++..++.',
  },
  {
    method: 'GET',
    route: '/api/v1/energy/waste',
    path: '/api/v1/energy/waste?device=aarhus-meter&from=-7d&referenceWeeks=2',
    expect: '+++..++.',
  },
  { method: 'GET', route: '/api/v1/energy/savings', path: '/api/v1/energy/savings', expect: '+++..++.' },
  {
    method: 'GET',
    route: '/api/v1/traffic/aadt',
    path: '/api/v1/traffic/aadt?device=aarhus-counter',
    expect: '++..+.+.',
  },
  {
    method: 'GET',
    route: '/api/v1/traffic/profile',
    path: '/api/v1/traffic/profile?device=aarhus-counter&from=-1d',
    expect: '++..+.+.',
  },
  {
    method: 'GET',
    route: '/api/v1/traffic/health',
    path: '/api/v1/traffic/health?device=aarhus-counter&from=-1d',
    expect: '++..+.+.',
  },
  {
    method: 'GET',
    route: '/api/v1/traffic/key-figures',
    path: '/api/v1/traffic/key-figures',
    expect: '++..+.+.',
  },
  {
    method: 'GET',
    route: '/api/v1/traffic/open-data',
    path: '/api/v1/traffic/open-data?format=geojson',
    expect: '++..+.+.',
  },
  {
    method: 'GET',
    route: '/api/v1/fleet/trips',
    path: '/api/v1/fleet/trips?device=aarhus-van&from=-7d',
    expect: '++.+..+.',
  },
  {
    method: 'GET',
    route: '/api/v1/fleet/utilisation',
    path: '/api/v1/fleet/utilisation?from=-7d',
    expect: '++.+..+.',
  },
  {
    method: 'GET',
    route: '/api/v1/fleet/ev-suitability',
    path: '/api/v1/fleet/ev-suitability?site=site-1&ev-model=car-58',
    expect: '++.+..+.',
  },
  {
    method: 'GET',
    route: '/api/v1/fleet/right-sizing',
    path: '/api/v1/fleet/right-sizing',
    expect: '++.+..+.',
  },
  {
    method: 'POST',
    route: '/api/v1/invoices',
    path: '/api/v1/invoices',
    body: { files: [] },
    expect: '++...+..',
  },
  { method: 'GET', route: '/api/v1/invoices/lines', path: '/api/v1/invoices/lines', expect: '++...++.' },
  {
    method: 'GET',
    route: '/api/v1/invoices/lines/:id',
    path: '/api/v1/invoices/lines/l1',
    expect: '++...++.',
  },
  {
    method: 'PATCH',
    route: '/api/v1/invoices/lines/:id',
    path: '/api/v1/invoices/lines/l1',
    body: { category: 'electricity' },
    expect: '++...+..',
  },
  { method: 'GET', route: '/api/v1/invoices/totals', path: '/api/v1/invoices/totals', expect: '++...++.' },
  {
    method: 'GET',
    route: '/api/v1/invoices/classifier',
    path: '/api/v1/invoices/classifier',
    expect: '++...++.',
  },
  {
    method: 'POST',
    route: '/api/v1/invoices/classifier/train',
    path: '/api/v1/invoices/classifier/train',
    expect: '++...+..',
  },
  {
    method: 'GET',
    route: '/api/v1/invoices/factors',
    path: '/api/v1/invoices/factors',
    expect: '++...++.',
  },
  { method: 'GET', route: '/api/v1/dead-letters', path: '/api/v1/dead-letters', expect: '++......' },
  {
    method: 'GET',
    route: '/api/v1/dead-letters/reasons',
    path: '/api/v1/dead-letters/reasons',
    expect: '++......',
  },
  {
    method: 'GET',
    route: '/api/v1/dead-letters/:id/payload',
    path: '/api/v1/dead-letters/1/payload',
    expect: '++......',
  },
  {
    method: 'POST',
    route: '/api/v1/dead-letters/replay',
    path: '/api/v1/dead-letters/replay',
    body: { dryRun: true },
    expect: '+.......',
  },
  { method: 'GET', route: '/api/v1/keys', path: '/api/v1/keys', expect: '++......' },
  {
    method: 'POST',
    route: '/api/v1/keys',
    path: '/api/v1/keys',
    body: { tenant: 'aarhus', roles: ['viewer'] },
    expect: '++......',
  },
  { method: 'DELETE', route: '/api/v1/keys/:id', path: '/api/v1/keys/0000000000000000', expect: '++......' },
  { method: 'GET', route: '/api/v1/devices', path: '/api/v1/devices', expect: '++......' },
  {
    method: 'POST',
    route: '/api/v1/devices',
    path: '/api/v1/devices',
    body: { stream: 'energy', device: 'matrix-meter' },
    expect: '++......',
  },
  { method: 'DELETE', route: '/api/v1/devices/:id', path: '/api/v1/devices/dev_0', expect: '++......' },
  { method: 'GET', route: '/api/v1/audit', path: '/api/v1/audit', expect: '++......' },
  { method: 'GET', route: '/transparency', path: '/transparency', expect: 'public' },
  { method: 'GET', route: '/transparency/en', path: '/transparency/en', expect: 'public' },
  { method: 'GET', route: '/api/v1/models', path: '/api/v1/models', expect: '+++++++.' },
  { method: 'GET', route: '/api/v1/models/:id', path: '/api/v1/models/traffic-aadt', expect: '+++++++.' },
  {
    method: 'GET',
    route: '/api/v1/models/:id/oversight',
    path: '/api/v1/models/traffic-aadt/oversight',
    expect: '+++++++.',
  },
  {
    method: 'POST',
    route: '/api/v1/models/:id/oversight',
    path: '/api/v1/models/traffic-aadt/oversight',
    body: { outputId: 'c1/2026', decision: 'confirmed' },
    expect: '+++++...',
  },
  {
    method: 'GET',
    route: '/api/v1/transparency/export',
    path: '/api/v1/transparency/export?format=atrs',
    expect: '+++++++.',
  },
  { method: 'GET', route: '/api/v1/road/defects', path: '/api/v1/road/defects', expect: '++..+.+.' },
  {
    method: 'GET',
    route: '/api/v1/road/defects/:id',
    path: '/api/v1/road/defects/rd-0000000000000000',
    expect: '++..+.+.',
  },
  {
    method: 'POST',
    route: '/api/v1/road/defects/:id/decision',
    path: '/api/v1/road/defects/rd-0000000000000000/decision',
    body: { decision: 'confirm' },
    expect: '++..+...',
  },
  {
    method: 'POST',
    route: '/api/v1/road/defects/bulk-decision',
    path: '/api/v1/road/defects/bulk-decision',
    body: { decision: 'confirm', ids: ['rd-0000000000000000'] },
    expect: '++..+...',
  },
  {
    method: 'POST',
    route: '/api/v1/road/defects/:id/actions',
    path: '/api/v1/road/defects/rd-0000000000000000/actions',
    body: { action: 'close' },
    expect: '++..+...',
  },
  { method: 'GET', route: '/api/v1/road/work-orders', path: '/api/v1/road/work-orders', expect: '++..+.+.' },
  {
    method: 'POST',
    route: '/api/v1/road/work-orders',
    path: '/api/v1/road/work-orders',
    body: { defectIds: ['rd-0000000000000000'], assignee: 'crew' },
    expect: '++..+...',
  },
  {
    method: 'PATCH',
    route: '/api/v1/road/work-orders/:id',
    path: '/api/v1/road/work-orders/wo-00000000',
    body: { status: 'done' },
    expect: '++..+...',
  },
  { method: 'GET', route: '/api/v1/road/precision', path: '/api/v1/road/precision', expect: '++..+.+.' },
  { method: 'GET', route: '/api/v1/road/coverage', path: '/api/v1/road/coverage', expect: '++..+.+.' },
  { method: 'GET', route: '/api/v1/console/config', path: '/api/v1/console/config', expect: 'public' },
  { method: 'GET', route: '/console', path: '/console', expect: 'public' },
  { method: 'GET', route: '/console/:file', path: '/console/console.js', expect: 'public' },
];

describe('who may call what: every route × every role, with real keys against the real API', () => {
  let api: AccessApi;
  const keys = new Map<Role, string>();

  beforeAll(async () => {
    // A real training queue, so POST /energy/model/train runs (the harness's single reading is too little history:
    // the training is skipped at once).
    api = await startAccessApi(async ({ db }) => {
      const registry = new FileModelRegistry(join(db.dir, 'models', 'energy'));
      return {
        energyModels: registry,
        energyTraining: new EnergyRetrainer({
          store: db.store,
          registry,
          everyHours: 0,
          logger: createMemoryLogger().logger,
        }),
      };
    });
    for (const role of COLUMNS) keys.set(role, await api.access.key(role, 'aarhus'));
  }, 60_000);
  afterAll(() => api?.stop());

  it('has a row for every route of the permission table', () => {
    const served = PERMISSIONS.map((p) => `${p.method} ${p.path}`);
    expect(MATRIX.map((r) => `${r.method} ${r.route}`).sort()).toEqual(served.sort());
  });

  it.each(MATRIX.filter((r) => r.expect !== 'public'))(
    'refuses $method $route without a credential: 401 with a Bearer challenge',
    async ({ method, path, body }) => {
      const res = await api.call(method, path, undefined, body);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="greenops"');
      expect(res.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    },
  );

  it.each(MATRIX.filter((r) => r.expect === 'public'))(
    'answers $method $route without a credential',
    async ({ method, path }) => {
      expect((await api.call(method, path)).status).toBe(200);
    },
  );

  it.each(MATRIX.filter((r) => r.expect !== 'public'))(
    '$method $route: $expect',
    async ({ method, route, path, body, expect: allowed }) => {
      expect(allowed).toHaveLength(COLUMNS.length);
      const outcomes: string[] = [];
      for (const [i, role] of COLUMNS.entries()) {
        const res = await api.call(method, path, keys.get(role), body);
        const refused = res.status === 401 || res.status === 403;
        if (res.status >= 500) outcomes.push(`${role}: ${res.status} ${JSON.stringify(res.body)}`);
        if (allowed[i] === '+' && refused) outcomes.push(`${role}: refused with ${res.status}`);
        if (allowed[i] === '.') {
          if (res.status !== 403) outcomes.push(`${role}: ${res.status} instead of 403`);
          else if (
            !String((res.body.error as { message?: string }).message).includes('needs one of the roles')
          )
            outcomes.push(`${role}: 403 without naming the roles`);
        }
      }
      expect(outcomes, `${method} ${route}`).toEqual([]);
    },
  );

  it('lets only fleet and the admins read a driver pseudonym; the other readers get 403 naming the field', async () => {
    const path =
      '/api/v1/streams/fleet/series?device=van-1&field=driver&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z';
    const outcomes: string[] = [];
    for (const role of [
      'platform-admin',
      'tenant-admin',
      'fleet',
      'viewer',
      'facility',
      'roads',
      'climate',
    ] as const) {
      const res = await api.call('GET', path, keys.get(role));
      outcomes.push(
        `${role} ${res.status} ${(res.body.error as { field?: string } | undefined)?.field ?? ''}`,
      );
    }
    expect(outcomes).toEqual([
      'platform-admin 200 ',
      'tenant-admin 200 ',
      'fleet 200 ',
      'viewer 403 field',
      'facility 403 field',
      'roads 403 field',
      'climate 403 field',
    ]);
    // The vehicles themselves stay readable to every reader.
    const speed = await api.call('GET', path.replace('field=driver', 'field=speed_kmh'), keys.get('viewer'));
    expect(speed.status).toBe(200);
  });

  it('opens /metrics to anyone only with GREENOPS_METRICS_PUBLIC=true', async () => {
    const open = await startAccessApi({ metricsPublic: true });
    try {
      const res = await open.call('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(String(res.body.text)).toContain('process_');
      expect((await open.call('GET', '/api/v1/streams')).status).toBe(401);
    } finally {
      await open.stop();
    }
  });
});
