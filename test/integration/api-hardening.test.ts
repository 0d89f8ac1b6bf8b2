import { afterEach, describe, expect, it } from 'vitest';
import { startAccessApi, type AccessApi } from '../harness/access-api.js';

interface AuditBody {
  tenant: string | null;
  entries: { id: number; action: string; tenant?: string; actor: { kind: string; id: string } }[];
  next: number | null;
}

describe('the API under attack and audit: trail, rate limits, headers, CORS', () => {
  let api: AccessApi | undefined;
  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  it('shows each tenant-admin its own tenant’s audit trail, newest first and paged, and a platform-admin all of it', async () => {
    api = await startAccessApi();
    const aarhusAdmin = await api.access.key('tenant-admin', 'aarhus');
    const odenseAdmin = await api.access.key('tenant-admin', 'odense');
    const platform = await api.access.key('platform-admin');
    for (const device of ['m1', 'm2', 'm3'])
      expect(
        (await api.call('POST', '/api/v1/devices', aarhusAdmin, { stream: 'energy', device })).status,
      ).toBe(201);
    expect((await api.call('POST', '/api/v1/keys', odenseAdmin, { roles: ['viewer'] })).status).toBe(201);

    const first = (await api.call('GET', '/api/v1/audit?limit=2', aarhusAdmin)).body as unknown as AuditBody;
    expect(first.tenant).toBe('aarhus');
    expect(first.entries.map((e) => e.action)).toEqual(['devices.create', 'devices.create']);
    expect(first.entries.every((e) => e.tenant === 'aarhus' && e.actor.kind === 'key')).toBe(true);
    expect(first.next).toBe(first.entries[1]!.id);
    const rest = (await api.call('GET', `/api/v1/audit?limit=2&before=${first.next}`, aarhusAdmin))
      .body as unknown as AuditBody;
    expect(rest.entries.map((e) => e.action)).toEqual(['devices.create']);
    expect(rest.next).toBeNull();

    const odense = (await api.call('GET', '/api/v1/audit', odenseAdmin)).body as unknown as AuditBody;
    expect(odense.entries.map((e) => `${e.tenant}:${e.action}`)).toEqual(['odense:keys.create']);
    expect((await api.call('GET', '/api/v1/audit?tenant=aarhus', odenseAdmin)).status).toBe(403);

    const all = (await api.call('GET', '/api/v1/audit?action=devices', platform))
      .body as unknown as AuditBody;
    expect(all.tenant).toBeNull();
    expect(all.entries).toHaveLength(3);
    const bad = await api.call('GET', '/api/v1/audit?action=DROP%20TABLE', platform);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ field: 'action' });
  });

  it('says a body that is not JSON is not JSON (415), and records a repeated revoke once', async () => {
    api = await startAccessApi();
    const admin = await api.access.key('tenant-admin', 'aarhus');
    const res = await fetch(`${api.base}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: '{"roles":["viewer"]}',
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({
      error: { field: 'body', message: expect.stringContaining('JSON') },
    });

    const created = await api.call('POST', '/api/v1/keys', admin, { roles: ['viewer'] });
    for (let i = 0; i < 2; i++)
      expect((await api.call('DELETE', `/api/v1/keys/${created.body.id}`, admin)).status).toBe(200);
    const revokes = await api.access.audit.list({ action: 'keys.revoke', limit: 10 });
    expect(revokes.filter((e) => e.object.id === created.body.id)).toHaveLength(1);
  });

  it('refuses energy analyses over spans that would tie the process up, naming the parameter', async () => {
    api = await startAccessApi();
    const viewer = await api.access.key('viewer', 'aarhus');
    const started = Date.now();
    const waste = await api.call(
      'GET',
      '/api/v1/energy/waste?device=aarhus-meter&from=1700-01-01T00:00:00Z',
      viewer,
    );
    expect(waste.status).toBe(400);
    expect(waste.body.error).toMatchObject({ field: 'from', message: expect.stringContaining('366 days') });
    const savings = await api.call(
      'GET',
      '/api/v1/energy/savings?device=aarhus-meter&baselineFrom=1700-01-01T00:00:00Z&baselineTo=2025-01-01T00:00:00Z&reportFrom=2025-01-01T00:00:00Z&reportTo=2025-06-01T00:00:00Z',
      viewer,
    );
    expect(savings.status).toBe(400);
    expect(savings.body.error).toMatchObject({ field: 'baselineFrom' });
    expect(Date.now() - started).toBeLessThan(5_000);
    const year = await api.call('GET', '/api/v1/energy/waste?device=aarhus-meter&from=-365d', viewer);
    expect(year.status).not.toBe(400);
  });

  it('refuses waste and savings with 422 naming the period when the data present cannot support an answer', async () => {
    // The harness has one reading, an hour ago: no reference weeks, no baseline.
    api = await startAccessApi();
    const viewer = await api.access.key('viewer', 'aarhus');
    const waste = await api.call(
      'GET',
      '/api/v1/energy/waste?device=aarhus-meter&from=-7d&referenceWeeks=2',
      viewer,
    );
    expect(waste.status).toBe(422);
    expect(waste.body.error).toMatchObject({
      code: 'INSUFFICIENT_DATA',
      field: 'referenceWeeks',
      message: expect.stringMatching(/aarhus-meter has 0 of 336 hours with readings in the reference period/),
    });
    const savings = await api.call(
      'GET',
      '/api/v1/energy/savings?device=aarhus-meter&baselineFrom=-90d&baselineTo=-30d&reportFrom=-30d&reportTo=now',
      viewer,
    );
    expect(savings.status).toBe(422);
    expect(savings.body.error).toMatchObject({
      code: 'INSUFFICIENT_DATA',
      field: 'baselineFrom',
      message: expect.stringMatching(
        /^baselineFrom: baseline period \S+ – \S+: aarhus-meter has 0 of 1440 hours/,
      ),
    });
  });

  it('answers 429 with Retry-After past a credential’s budget, without touching another credential’s', async () => {
    api = await startAccessApi({ rateLimitPerMinute: 3 });
    const busy = await api.access.key('viewer', 'aarhus');
    const calm = await api.access.key('viewer', 'aarhus');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await api.call('GET', '/api/v1/streams', busy)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await api.call('GET', '/api/v1/streams', busy);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api.call('GET', '/api/v1/streams', calm)).status).toBe(200);
    expect((await api.call('GET', '/health/live')).status).toBe(200);
  });

  it('sends security headers, and no CORS headers unless origins are configured', async () => {
    api = await startAccessApi();
    const res = await fetch(`${api.base}/api/v1/openapi.json`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a configured origin call the API from a browser, with the bearer header allowed', async () => {
    api = await startAccessApi({ corsOrigins: 'https://console.aarhus.dk' });
    const preflight = await fetch(`${api.base}/api/v1/streams`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://console.aarhus.dk',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://console.aarhus.dk');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const other = await fetch(`${api.base}/api/v1/openapi.json`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
