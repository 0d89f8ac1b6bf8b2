import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate, PgliteRecordStore } from '../store/index.js';
import { DEVICE_MIGRATIONS, DeviceCredentialStore, deviceUsername } from './device-credentials.js';
import { verifyMosquittoPassword } from './mosquitto-password.js';

describe('DeviceCredentialStore on PGlite', () => {
  let records: PgliteRecordStore;
  let now: number;
  let store: DeviceCredentialStore;
  beforeAll(async () => {
    records = await PgliteRecordStore.open('memory://');
    await migrate(records, [DEVICE_MIGRATIONS]);
  });
  afterAll(async () => {
    await records.close();
  });
  beforeEach(async () => {
    await records.query('DELETE FROM device_credentials');
    now = Date.UTC(2026, 11, 2, 12);
    store = new DeviceCredentialStore(records, { clock: { now: () => now } });
  });

  const meter = { tenant: 'aarhus', stream: 'energy', device: 'meter-7', createdBy: 'k_admin' };

  it('issues a user name for the device and a high-entropy password that verifies once stored as a hash', async () => {
    const { credential, password } = await store.add(meter);
    expect(credential).toMatchObject({
      tenant: 'aarhus',
      stream: 'energy',
      device: 'meter-7',
      username: 'aarhus.energy.meter-7',
      createdBy: 'k_admin',
      createdAt: new Date(now).toISOString(),
      revokedAt: undefined,
    });
    expect(credential.id).toMatch(/^dev_[A-Za-z0-9_-]{16}$/);
    expect(Buffer.from(password, 'base64url')).toHaveLength(32);
    const [row] = await records.query<{ password_hash: string }>(
      'SELECT password_hash FROM device_credentials',
    );
    expect(row!.password_hash).not.toContain(password);
    expect(verifyMosquittoPassword(password, row!.password_hash)).toBe(true);
    expect(await store.verify(credential.username, password)).toEqual({
      kind: 'device',
      credentialId: credential.id,
      username: 'aarhus.energy.meter-7',
      tenant: 'aarhus',
      stream: 'energy',
      device: 'meter-7',
    });
  });

  it('refuses a wrong password and an unknown user name', async () => {
    const { credential, password } = await store.add(meter);
    expect(await store.verify(credential.username, `${password}x`)).toBeUndefined();
    expect(await store.verify('aarhus.energy.meter-8', password)).toBeUndefined();
  });

  it('keeps one active credential per device: issuing again is a conflict until the old one is revoked', async () => {
    const first = await store.add(meter);
    await expect(store.add(meter)).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    await store.add({ ...meter, stream: 'fleet' });
    await store.add({ ...meter, tenant: 'odense' });
    await store.revoke(first.credential.id, { revokedBy: 'k_admin' });
    const second = await store.add(meter);
    expect(second.credential.username).toBe(first.credential.username);
    expect(await store.verify(first.credential.username, first.password)).toBeUndefined();
    expect(await store.verify(second.credential.username, second.password)).toBeDefined();
  });

  it.each([
    ['tenant', { ...meter, tenant: 'Aarhus' }],
    ['stream', { ...meter, stream: 'weather' }],
    ['device', { ...meter, device: 'meter/7' }],
    ['device', { ...meter, device: 'meter+' }],
  ])('refuses an invalid %s', async (field, input) => {
    await expect(store.add(input)).rejects.toMatchObject({ code: 'BAD_REQUEST', field });
  });

  it('gives devices whose ids differ only in ":" and "_" distinct MQTT-safe user names', async () => {
    expect(deviceUsername('aarhus', 'fleet', 'van:7')).toBe('aarhus.fleet.van%3A7');
    const a = await store.add({ ...meter, device: 'gw:01' });
    const b = await store.add({ ...meter, device: 'gw_01' });
    expect(a.credential.username).not.toBe(b.credential.username);
    expect(a.credential.username).not.toContain(':');
  });

  it('lists active credentials, per tenant, without secrets; revoked ones on request', async () => {
    const a = await store.add(meter);
    await store.add({ ...meter, tenant: 'odense' });
    now += 1000;
    await store.revoke(a.credential.id, { revokedBy: 'k_admin' });
    expect(await store.list({ tenant: 'aarhus' })).toEqual([]);
    const all = await store.list({ includeRevoked: true });
    expect(all.map((c) => [c.tenant, c.revokedAt])).toEqual([
      ['aarhus', new Date(now).toISOString()],
      ['odense', undefined],
    ]);
    expect(JSON.stringify(all)).not.toMatch(/\$7\$/);
  });

  it("does not revoke another tenant's credential when the revocation is limited to a tenant", async () => {
    const odense = await store.add({ ...meter, tenant: 'odense' });
    expect(await store.revoke(odense.credential.id, { tenant: 'aarhus' })).toBeUndefined();
    expect(await store.verify(odense.credential.username, odense.password)).toBeDefined();
    expect(await store.revoke('dev_unknown')).toBeUndefined();
  });

  it('takes a revocation made elsewhere (another process) into account once the cache has expired', async () => {
    const { credential, password } = await store.add(meter);
    const elsewhere = new DeviceCredentialStore(records, { clock: { now: () => now } });
    expect(await store.verify(credential.username, password)).toBeDefined();
    expect(await store.isActive(credential.id)).toBe(true);
    await elsewhere.revoke(credential.id);
    now += 999;
    expect(await store.verify(credential.username, password)).toBeUndefined();
    expect(await store.isActive(credential.id)).toBe(false);
  });

  it('hands out the active hashes a Mosquitto password file needs', async () => {
    const { password } = await store.add(meter);
    const [entry] = await store.activeHashes();
    expect(entry?.username).toBe('aarhus.energy.meter-7');
    expect(verifyMosquittoPassword(password, entry!.passwordHash)).toBe(true);
  });
});
