import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteRecordStore, migrate, type RecordStore } from '../store/index.js';
import { AUDIT_MIGRATIONS, RecordAuditLog } from './record-audit-log.js';

const actor = { kind: 'key' as const, id: 'k1', name: 'ops' };

describe('the audit trail on PGlite', () => {
  let records: RecordStore;
  let audit: RecordAuditLog;
  beforeAll(async () => {
    records = await PgliteRecordStore.open('memory://');
    await migrate(records, [AUDIT_MIGRATIONS]);
    audit = new RecordAuditLog(records);
    const base = { actor, before: undefined, requestId: 'r1' };
    await audit.record({
      ...base,
      tenant: 'aarhus',
      action: 'keys.create',
      object: { type: 'api-key', id: 'a' },
      after: { roles: ['viewer'] },
    });
    await audit.record({
      ...base,
      tenant: 'odense',
      action: 'keys.create',
      object: { type: 'api-key', id: 'b' },
    });
    await audit.record({
      ...base,
      tenant: 'aarhus',
      action: 'keys.revoke',
      object: { type: 'api-key', id: 'a' },
    });
    await audit.record({
      ...base,
      tenant: 'aarhus',
      action: 'keystone.touch',
      object: { type: 'x', id: 'c' },
    });
  });
  afterAll(() => records.close());

  it('lists a tenant’s entries newest first, with what was recorded', async () => {
    const entries = await audit.list({ tenant: 'aarhus', limit: 10 });
    expect(entries.map((e) => e.action)).toEqual(['keystone.touch', 'keys.revoke', 'keys.create']);
    expect(entries[2]).toMatchObject({
      actor,
      tenant: 'aarhus',
      object: { type: 'api-key', id: 'a' },
      after: { roles: ['viewer'] },
      requestId: 'r1',
    });
    expect(Date.parse(entries[2]!.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('filters by an action family without matching a longer name that starts alike', async () => {
    const entries = await audit.list({ action: 'keys', limit: 10 });
    expect(entries.map((e) => `${e.tenant}:${e.action}`)).toEqual([
      'aarhus:keys.revoke',
      'odense:keys.create',
      'aarhus:keys.create',
    ]);
  });

  it('pages with beforeId', async () => {
    const first = await audit.list({ tenant: 'aarhus', limit: 2 });
    const rest = await audit.list({ tenant: 'aarhus', limit: 2, beforeId: first[1]!.id });
    expect(rest.map((e) => e.action)).toEqual(['keys.create']);
  });

  it('refuses to update, delete or truncate an entry, whoever asks', async () => {
    await expect(records.query("UPDATE audit_log SET action = 'x'")).rejects.toThrow(/append-only/);
    await expect(records.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(records.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect(await audit.list({ limit: 10 })).toHaveLength(4);
  });
});
