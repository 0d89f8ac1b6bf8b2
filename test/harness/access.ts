import {
  ACCESS_MIGRATIONS,
  AUDIT_MIGRATIONS,
  ApiKeyStore,
  DEVICE_MIGRATIONS,
  DeviceCredentialStore,
  RecordAuditLog,
  type Role,
} from '../../access/index.js';
import type { Clock } from '../../core/index.js';
import { PgliteRecordStore, migrate, type RecordStore } from '../../store/index.js';

export interface TestAccess {
  records: RecordStore;
  keys: ApiKeyStore;
  audit: RecordAuditLog;
  devices: DeviceCredentialStore;
  /** A new real API key (the whole secret) with these roles; tenant-bound unless it is platform-admin. */
  key(roles: Role | readonly Role[], tenant?: string): Promise<string>;
  close(): Promise<void>;
}

/** API keys, device credentials and the audit trail on an in-memory PGlite records store, migrated as at start-up. */
export async function openTestAccess(options: { clock?: Clock; tenant?: string } = {}): Promise<TestAccess> {
  const records = await PgliteRecordStore.open('memory://');
  await migrate(records, [ACCESS_MIGRATIONS, AUDIT_MIGRATIONS, DEVICE_MIGRATIONS]);
  const keys = new ApiKeyStore(records, options.clock ? { clock: options.clock } : {});
  return {
    records,
    keys,
    audit: new RecordAuditLog(records),
    devices: new DeviceCredentialStore(records),
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
