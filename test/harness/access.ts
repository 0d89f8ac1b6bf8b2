import { ACCESS_MIGRATIONS, ApiKeyStore, type Role } from '../../access/index.js';
import type { Clock } from '../../core/index.js';
import { PgliteRecordStore, migrate, type RecordStore } from '../../store/index.js';
import { MemoryAuditLog } from './memory-audit-log.js';

export interface TestAccess {
  records: RecordStore;
  keys: ApiKeyStore;
  audit: MemoryAuditLog;
  /** A new real API key (the whole secret) with these roles; tenant-bound unless it is platform-admin. */
  key(roles: Role | readonly Role[], tenant?: string): Promise<string>;
  close(): Promise<void>;
}

/** API keys on an in-memory PGlite records store, migrated as at start-up, and an in-memory audit trail. */
export async function openTestAccess(options: { clock?: Clock; tenant?: string } = {}): Promise<TestAccess> {
  const records = await PgliteRecordStore.open('memory://');
  await migrate(records, [ACCESS_MIGRATIONS]);
  const keys = new ApiKeyStore(records, options.clock ? { clock: options.clock } : {});
  return {
    records,
    keys,
    audit: new MemoryAuditLog(),
    async key(roles, tenant = options.tenant ?? 'demo') {
      const list = typeof roles === 'string' ? [roles] : roles;
      const platform = list.includes('platform-admin');
      const { secret } = await keys.create({
        roles: list,
        tenant: platform ? undefined : tenant,
        createdBy: 'test',
      });
      return secret;
    },
    async close() {
      await keys.settle();
      await records.close();
    },
  };
}

/** `Authorization` header for a key. */
export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
