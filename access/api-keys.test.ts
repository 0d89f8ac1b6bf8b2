import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GreenopsError, ManualClock } from '../core/index.js';
import { PgliteRecordStore, migrate, type RecordStore } from '../store/index.js';
import { ACCESS_MIGRATIONS, ApiKeyStore, authorizeKeyGrant, parseExpiry } from './api-keys.js';
import type { Principal } from './principal.js';

const T0 = Date.UTC(2026, 5, 1);

describe('ApiKeyStore on PGlite', () => {
  let records: RecordStore;
  let clock: ManualClock;
  let keys: ApiKeyStore;

  // One database for the suite (PGlite takes seconds to start); each test starts from an empty key table.
  beforeAll(async () => {
    records = await PgliteRecordStore.open('memory://');
    await migrate(records, [ACCESS_MIGRATIONS]);
  });
  beforeEach(async () => {
    await keys?.settle();
    await records.query('TRUNCATE api_keys');
    clock = new ManualClock(T0);
    keys = new ApiKeyStore(records, { clock });
  });
  afterAll(async () => {
    await keys.settle();
    await records.close();
  });

  it('stores only the SHA-256 of the secret and verifies the whole key into a principal', async () => {
    const { key, secret } = await keys.create({
      tenant: 'aarhus',
      roles: ['viewer'],
      name: 'wall',
      createdBy: 't',
    });
    expect(secret).toMatch(new RegExp(`^gok_${key.id}_[A-Za-z0-9_-]{43}$`));
    const [row] = await records.query<Record<string, unknown>>('SELECT * FROM api_keys');
    expect(JSON.stringify(row)).not.toContain(secret.slice(-43));
    expect(Buffer.from(row!.secret_sha256 as Uint8Array)).toEqual(
      createHash('sha256').update(secret.slice(-43)).digest(),
    );
    expect(await keys.verify(secret)).toEqual({
      kind: 'key',
      id: key.id,
      name: 'wall',
      tenant: 'aarhus',
      roles: ['viewer'],
    });
  });

  it('refuses a key whose secret part differs, a malformed key and an unknown id', async () => {
    const { secret } = await keys.create({ tenant: 'aarhus', roles: ['viewer'], createdBy: 't' });
    const last = secret.at(-1) === 'A' ? 'B' : 'A';
    expect(await keys.verify(secret.slice(0, -1) + last)).toBeUndefined();
    expect(await keys.verify(secret + 'x')).toBeUndefined();
    expect(await keys.verify(`gok_0000000000000000_${secret.slice(-43)}`)).toBeUndefined();
  });

  it('refuses a revoked key and a key past its expiry', async () => {
    const revoked = await keys.create({ tenant: 'aarhus', roles: ['viewer'], createdBy: 't' });
    await keys.revoke(revoked.key.id);
    expect(await keys.verify(revoked.secret)).toBeUndefined();
    expect((await keys.get(revoked.key.id))?.revokedAt).toBe(new Date(T0).toISOString());

    const expiring = await keys.create({
      tenant: 'aarhus',
      roles: ['viewer'],
      createdBy: 't',
      expiresAtMs: parseExpiry('12h', clock.now()),
    });
    clock.advance(12 * 3_600_000 - 1);
    expect(await keys.verify(expiring.secret)).toBeDefined();
    clock.advance(1);
    expect(await keys.verify(expiring.secret)).toBeUndefined();
  });

  it('records the last use at most once a minute, off the request path', async () => {
    const { key, secret } = await keys.create({ tenant: 'aarhus', roles: ['viewer'], createdBy: 't' });
    await keys.verify(secret);
    await keys.settle();
    expect((await keys.get(key.id))?.lastUsedAt).toBe(new Date(T0).toISOString());
    clock.advance(30_000);
    await keys.verify(secret);
    await keys.settle();
    expect((await keys.get(key.id))?.lastUsedAt).toBe(new Date(T0).toISOString());
    clock.advance(30_000);
    await keys.verify(secret);
    await keys.settle();
    expect((await keys.get(key.id))?.lastUsedAt).toBe(new Date(T0 + 60_000).toISOString());
  });

  it('binds every key but platform-admin to exactly one tenant, and never issues device keys', async () => {
    const reject = (p: Promise<unknown>, field: string) => expect(p).rejects.toMatchObject({ field });
    await reject(keys.create({ roles: ['viewer'], createdBy: 't' }), 'tenant');
    await reject(keys.create({ tenant: 'aarhus', roles: ['platform-admin'], createdBy: 't' }), 'tenant');
    await reject(keys.create({ tenant: 'aarhus', roles: ['device'], createdBy: 't' }), 'roles');
    await reject(keys.create({ tenant: 'aarhus', roles: ['root'], createdBy: 't' }), 'roles');
    await reject(keys.create({ tenant: 'aarhus', roles: [], createdBy: 't' }), 'roles');
    await reject(keys.create({ tenant: 'Aarhus Kommune', roles: ['viewer'], createdBy: 't' }), 'tenant');
    const { secret } = await keys.create({ roles: ['platform-admin'], createdBy: 't' });
    expect(await keys.verify(secret)).toMatchObject({ tenant: undefined, roles: ['platform-admin'] });
  });

  it('bootstraps one platform-admin key on an empty store, and never once a key exists', async () => {
    const first = await keys.bootstrap();
    expect(first?.key).toMatchObject({
      roles: ['platform-admin'],
      tenant: undefined,
      createdBy: 'bootstrap',
    });
    expect(await keys.bootstrap()).toBeUndefined();
    await keys.revoke(first!.key.id);
    expect(await keys.bootstrap()).toBeUndefined();
    expect(await keys.list()).toHaveLength(1);
  });

  it('lists the keys of one tenant, or all', async () => {
    await keys.create({ tenant: 'aarhus', roles: ['viewer'], createdBy: 't' });
    await keys.create({ tenant: 'odense', roles: ['fleet'], createdBy: 't' });
    expect((await keys.list({ tenant: 'odense' })).map((k) => k.roles)).toEqual([['fleet']]);
    expect(await keys.list()).toHaveLength(2);
  });
});

describe('who may grant a key', () => {
  const actor = (roles: Principal['roles'], tenant?: string): Principal => ({
    kind: 'key',
    id: 'a',
    name: undefined,
    tenant,
    roles,
  });
  const refusal = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      return err instanceof GreenopsError ? `${err.status} ${err.field}` : String(err);
    }
    return 'allowed';
  };

  it.each([
    [
      'a platform-admin, any tenant and role',
      actor(['platform-admin']),
      'odense',
      ['tenant-admin'],
      'allowed',
    ],
    [
      'a platform-admin, another platform-admin',
      actor(['platform-admin']),
      undefined,
      ['platform-admin'],
      'allowed',
    ],
    ['a tenant-admin, its own tenant', actor(['tenant-admin'], 'aarhus'), 'aarhus', ['viewer'], 'allowed'],
    ['a tenant-admin, another tenant', actor(['tenant-admin'], 'aarhus'), 'odense', ['viewer'], '403 tenant'],
    [
      'a tenant-admin, platform-admin',
      actor(['tenant-admin'], 'aarhus'),
      undefined,
      ['platform-admin'],
      '403 roles',
    ],
    ['a viewer, anything', actor(['viewer'], 'aarhus'), 'aarhus', ['viewer'], '403 roles'],
  ] as const)('%s: %s', (_name, who, tenant, roles, outcome) => {
    expect(refusal(() => authorizeKeyGrant(who, tenant, roles))).toBe(outcome);
  });
});

describe('key expiry', () => {
  it.each([
    ['90d', T0 + 90 * 86_400_000],
    ['12h', T0 + 12 * 3_600_000],
    ['2026-12-31', Date.UTC(2026, 11, 31)],
    ['2026-12-31T23:00:00Z', Date.UTC(2026, 11, 31, 23)],
  ])('reads %s', (text, ms) => {
    expect(parseExpiry(text, T0)).toBe(ms);
  });

  it.each(['soon', '90', '-1d', '0d', '31/12/2026'])('refuses %s naming expires', (text) => {
    expect(() => parseExpiry(text, T0)).toThrow(/^expires: /);
  });
});
