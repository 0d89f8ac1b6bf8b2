import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiKeyStore, AuditLog } from '../access/index.js';

export interface BootstrapKey {
  secret: string;
  id: string;
  file: string;
}

/**
 * On a records store without any API key, creates a platform-admin key and writes it to `<dataDir>/admin.key`
 * (mode 0600, readable by the operator only), so that a fresh `greenops start` can be administered at once. Once
 * any key exists this does nothing, so deleting the file never mints another admin key.
 */
export async function bootstrapAdminKey(
  keys: ApiKeyStore,
  dataDir: string,
  audit: AuditLog,
): Promise<BootstrapKey | undefined> {
  const created = await keys.bootstrap();
  if (!created) return undefined;
  await audit.record({
    actor: { kind: 'service', id: 'greenops', name: 'first start' },
    tenant: undefined,
    action: 'keys.create',
    object: { type: 'api-key', id: created.key.id },
    after: { name: created.key.name, roles: created.key.roles, file: join(dataDir, 'admin.key') },
    requestId: undefined,
  });
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'admin.key');
  writeFileSync(file, `${created.secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an older file keeps its mode through writeFileSync
  return { secret: created.secret, id: created.key.id, file };
}
