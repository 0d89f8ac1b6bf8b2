import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../access/index.js';
import { startAccessApi, type AccessApi } from '../harness/access-api.js';
import { waitFor } from '../harness/wait-for.js';

/** Every route that acts on one tenant's data, as a request; `TENANT` is replaced by the tenant asked for. */
const TENANT_SCOPED: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/api/v1/streams/energy/devices?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/streams/energy/series?device=aarhus-meter&tenant=TENANT' },
  { method: 'GET', path: '/api/v1/energy/model?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/energy/forecast?device=aarhus-meter&tenant=TENANT' },
  { method: 'GET', path: '/api/v1/energy/waste?device=aarhus-meter&referenceWeeks=2&tenant=TENANT' },
  { method: 'GET', path: '/api/v1/energy/savings?device=aarhus-meter&tenant=TENANT' },
  { method: 'POST', path: '/api/v1/energy/model/train?tenant=TENANT', body: {} },
  { method: 'GET', path: '/api/v1/energy/forecast/points?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/fleet/trips?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/fleet/utilisation?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/fleet/ev-suitability?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/fleet/right-sizing?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/road/defects?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/road/defects/d1?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/road/work-orders?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/road/precision?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/road/coverage?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/traffic/aadt?device=aarhus-counter&tenant=TENANT' },
  { method: 'GET', path: '/api/v1/traffic/profile?device=aarhus-counter&tenant=TENANT' },
  { method: 'GET', path: '/api/v1/traffic/health?device=aarhus-counter&tenant=TENANT' },
  { method: 'GET', path: '/api/v1/traffic/key-figures?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/traffic/open-data?format=geojson&tenant=TENANT' },
  { method: 'POST', path: '/api/v1/invoices?tenant=TENANT', body: { files: [] } },
  { method: 'GET', path: '/api/v1/invoices/lines?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/invoices/lines/l1?tenant=TENANT' },
  { method: 'PATCH', path: '/api/v1/invoices/lines/l1?tenant=TENANT', body: { category: 'electricity' } },
  { method: 'GET', path: '/api/v1/invoices/totals?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/invoices/classifier?tenant=TENANT' },
  { method: 'POST', path: '/api/v1/invoices/classifier/train?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/dead-letters?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/dead-letters/reasons?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/dead-letters/1/payload?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/keys?tenant=TENANT' },
  { method: 'POST', path: '/api/v1/keys?tenant=TENANT', body: { roles: ['viewer'] } },
  { method: 'DELETE', path: '/api/v1/keys/0000000000000000?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/devices?tenant=TENANT' },
  { method: 'POST', path: '/api/v1/devices?tenant=TENANT', body: { stream: 'fleet', device: 'bola-van' } },
  { method: 'DELETE', path: '/api/v1/devices/dev_0?tenant=TENANT' },
  { method: 'GET', path: '/api/v1/audit?tenant=TENANT' },
];

type Devices = { tenant: string; devices: { device: string }[] };
type Items = { items: { tenant: string; id: number }[] };

describe('cross-tenant access (OWASP API1): the credential decides the tenant', () => {
  let api: AccessApi;
  let aarhusAdmin: string;
  let platformAdmin: string;

  beforeAll(async () => {
    api = await startAccessApi();
    aarhusAdmin = await api.access.key('tenant-admin', 'aarhus');
    platformAdmin = await api.access.key('platform-admin');
  }, 60_000);
  afterAll(() => api?.stop());

  it.each(TENANT_SCOPED)(
    'answers $method $path with 403 for tenant=odense on an aarhus key, and serves tenant=aarhus',
    async ({ method, path, body }) => {
      const other = await api.call(method, path.replace('TENANT', 'odense'), aarhusAdmin, body);
      expect(other.status).toBe(403);
      expect(other.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'tenant' });
      expect(String((other.body.error as { message: string }).message)).toContain('odense');
      const own = await api.call(method, path.replace('TENANT', 'aarhus'), aarhusAdmin, body);
      expect([401, 403]).not.toContain(own.status);
      for (const tenant of ['aarhus', 'odense']) {
        const admin = await api.call(method, path.replace('TENANT', tenant), platformAdmin, body);
        expect([401, 403], `platform-admin, ${tenant}`).not.toContain(admin.status);
      }
    },
  );

  it('serves a viewer its own tenant without tenant=, whatever the default tenant is', async () => {
    const odenseViewer = await api.access.key('viewer', 'odense');
    const own = await api.call('GET', '/api/v1/streams/energy/devices', odenseViewer);
    expect(own.body as unknown as Devices).toMatchObject({
      tenant: 'odense',
      devices: [{ device: 'odense-meter' }],
    });
    const aarhusViewer = await api.access.key('viewer', 'aarhus');
    const aarhus = await api.call('GET', '/api/v1/streams/energy/devices', aarhusViewer);
    expect((aarhus.body as unknown as Devices).devices.map((d) => d.device)).toEqual(['aarhus-meter']);
    expect((await api.call('GET', '/api/v1/streams/energy/devices?tenant=odense', aarhusViewer)).status).toBe(
      403,
    );
  });

  it("shows a tenant-admin only its own tenant's dead letters, and a platform-admin every tenant's", async () => {
    const own = (await api.call('GET', '/api/v1/dead-letters', aarhusAdmin)).body as unknown as Items;
    expect(own.items.map((i) => i.tenant)).toEqual(['aarhus']);
    const all = (await api.call('GET', '/api/v1/dead-letters', platformAdmin)).body as unknown as Items;
    expect(all.items.map((i) => i.tenant).sort()).toEqual(['aarhus', 'odense']);
    const odenseId = all.items.find((i) => i.tenant === 'odense')!.id;
    expect((await api.call('GET', `/api/v1/dead-letters/${odenseId}/payload`, aarhusAdmin)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/dead-letters/${odenseId}/payload`, platformAdmin)).status).toBe(
      200,
    );
  });

  it('lets a tenant-admin manage keys of its own tenant only, never granting platform-admin', async () => {
    const forOdense = await api.call('POST', '/api/v1/keys', aarhusAdmin, {
      tenant: 'odense',
      roles: ['viewer'],
    });
    expect(forOdense.status).toBe(403);
    const platform = await api.call('POST', '/api/v1/keys', aarhusAdmin, { roles: ['platform-admin'] });
    expect(platform.status).toBe(403);
    expect(platform.body.error).toMatchObject({ field: 'roles' });
    const device = await api.call('POST', '/api/v1/keys', aarhusAdmin, { roles: ['device'] });
    expect(device.status).toBe(400);

    const created = await api.call('POST', '/api/v1/keys', aarhusAdmin, {
      roles: ['climate', 'viewer'],
      name: 'climate office',
      expires: '90d',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tenant: 'aarhus',
      roles: ['climate', 'viewer'],
      name: 'climate office',
    });
    const secret = created.body.key as string;
    expect(secret).toMatch(/^gok_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const expiresInDays = (Date.parse(created.body.expiresAt as string) - Date.now()) / 86_400_000;
    expect(expiresInDays).toBeGreaterThan(89.9);
    expect(expiresInDays).toBeLessThanOrEqual(90);
    expect((await api.call('GET', '/api/v1/whoami', secret)).body).toMatchObject({
      kind: 'key',
      id: created.body.id,
      tenant: 'aarhus',
      roles: ['climate', 'viewer'],
    });

    const listed = (await api.call('GET', '/api/v1/keys', aarhusAdmin)).body as {
      keys: Record<string, unknown>[];
    };
    expect(listed.keys.every((k) => k.tenant === 'aarhus')).toBe(true);
    expect(listed.keys.some((k) => k.id === created.body.id)).toBe(true);
    expect(JSON.stringify(listed)).not.toContain(secret.slice(-43));

    const odenseKey = await api.call('POST', '/api/v1/keys', platformAdmin, {
      tenant: 'odense',
      roles: ['viewer'],
    });
    expect(odenseKey.status).toBe(201);
    expect((await api.call('DELETE', `/api/v1/keys/${odenseKey.body.id}`, aarhusAdmin)).status).toBe(404);
    expect((await api.call('GET', '/api/v1/whoami', odenseKey.body.key as string)).status).toBe(200);

    const entries = await api.access.audit.list({ limit: 1000 });
    const audit = entries.filter((e) => e.object.id === created.body.id);
    expect(audit).toMatchObject([{ action: 'keys.create', tenant: 'aarhus', actor: { kind: 'key' } }]);
    expect(JSON.stringify(entries)).not.toContain(secret.slice(-43));
    expect(JSON.stringify(api.logs())).not.toContain(secret.slice(-43));
  });

  it('refuses a key revoked through the API at once, with 401 invalid_token', async () => {
    const created = await api.call('POST', '/api/v1/keys', aarhusAdmin, { roles: ['viewer'] });
    const secret = created.body.key as string;
    expect((await api.call('GET', '/api/v1/whoami', secret)).status).toBe(200);
    const revoked = await api.call('DELETE', `/api/v1/keys/${created.body.id}`, aarhusAdmin);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const after = await api.call('GET', '/api/v1/whoami', secret);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe('Bearer realm="greenops", error="invalid_token"');
    expect((await api.access.audit.list({ limit: 1 }))[0]).toMatchObject({
      action: 'keys.revoke',
      object: { id: created.body.id },
    });
  });

  it('refuses a key revoked by another process within a second', async () => {
    const secret = await api.access.key('viewer', 'aarhus');
    const id = secret.split('_')[1] as string;
    expect((await api.call('GET', '/api/v1/whoami', secret)).status).toBe(200);
    // Another replica or the CLI: its own key store over the same records.
    await new ApiKeyStore(api.access.records).revoke(id);
    const revokedAt = Date.now();
    await waitFor(
      'the revoked key to be refused',
      async () => ((await api.call('GET', '/api/v1/whoami', secret)).status === 401 ? true : undefined),
      2000,
      20,
    );
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('refuses an expired key', async () => {
    const secret = await api.access.key('viewer', 'aarhus');
    const id = secret.split('_')[1] as string;
    expect((await api.call('GET', '/api/v1/whoami', secret)).status).toBe(200);
    await api.access.records.query(
      "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1",
      [id],
    );
    await waitFor(
      'the expired key to be refused',
      async () => ((await api.call('GET', '/api/v1/whoami', secret)).status === 401 ? true : undefined),
      2000,
      20,
    );
  });
});
