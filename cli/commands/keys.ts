import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { GreenopsError, createLogger } from '../../core/index.js';
import { ApiKeyStore, apiKeyJson, parseExpiry, type ApiKeyInfo } from '../../access/index.js';
import { openRecords, readConfig } from '../runtime.js';
import { auditCli } from '../cli-audit.js';
import type { RecordStore } from '../../store/index.js';

interface Flags {
  dataDir?: string;
  tenant?: string;
  roles?: string;
  name?: string;
  expires?: string;
  json?: boolean;
}

/** Opens the records store of the configuration (PGlite in the data dir, or DATABASE_URL) for one command. */
async function withKeys<T>(
  flags: Flags,
  fn: (keys: ApiKeyStore, records: RecordStore) => Promise<T>,
): Promise<T> {
  const config = readConfig(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir });
  // PGlite is one process's database: opening it beside a running greenops would corrupt it. PGlite keeps
  // postmaster.pid while it is open and removes it on a clean close.
  const lock = join(config.dataDir, 'records', 'postmaster.pid');
  if (!config.databaseUrl && existsSync(lock))
    throw new GreenopsError(
      'CONFLICT',
      `the records store in ${join(config.dataDir, 'records')} is in use: stop greenops first, or use /api/v1/keys (if greenops is not running, it did not stop cleanly: remove ${lock})`,
    );
  // Logs go to stderr: stdout is the key (or --json) for scripts.
  const logger = createLogger({ level: config.logLevel, destination: process.stderr });
  const records = await openRecords(config, logger);
  const keys = new ApiKeyStore(records, { logger });
  try {
    return await fn(keys, records);
  } catch (err) {
    // Name the flag, not the field, in what the user reads.
    if (err instanceof GreenopsError && err.field && err.message.startsWith(`${err.field}: `))
      throw new GreenopsError(err.code, `--${err.message}`, { field: err.field, cause: err });
    throw err;
  } finally {
    await keys.settle();
    await records.close();
  }
}

const describeTenant = (k: ApiKeyInfo) => k.tenant ?? 'every tenant';
const status = (k: ApiKeyInfo, now: number) =>
  k.revokedAt
    ? `revoked ${k.revokedAt}`
    : k.expiresAt && Date.parse(k.expiresAt) <= now
      ? 'expired'
      : 'active';

/**
 * `greenops keys create|list|revoke`: API keys straight in the records store. With the embedded store (PGlite in
 * the data dir) greenops must not be running at the same time; with DATABASE_URL it may (or use /api/v1/keys).
 */
export function registerKeyCommands(program: Command): void {
  const group = program.command('keys').description('API keys: create (shown once), list, revoke');
  const common = (c: Command) =>
    c.option('--data-dir <dir>', 'folder of the embedded records store (GREENOPS_DATA_DIR)');

  common(group.command('create'))
    .description('create an API key and print it once')
    .option('--tenant <tenant>', 'the tenant the key is for (none for platform-admin)')
    .requiredOption('--roles <roles>', 'comma-separated roles, e.g. viewer,climate')
    .option('--name <name>', 'what the key is for')
    .option('--expires <when>', 'expiry: 90d, 12h or an ISO 8601 date (default: never)')
    .option('--json', 'print the key as JSON')
    .action((flags: Flags) =>
      withKeys(flags, async (keys, records) => {
        const roles = (flags.roles ?? '')
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean);
        const { key, secret } = await keys.create({
          name: flags.name,
          tenant: flags.tenant,
          roles,
          expiresAtMs: flags.expires === undefined ? undefined : parseExpiry(flags.expires, Date.now()),
          createdBy: 'cli',
        });
        await auditCli(records, {
          tenant: key.tenant ?? undefined,
          action: 'keys.create',
          object: { type: 'api-key', id: key.id },
          after: { name: key.name, tenant: key.tenant, roles: key.roles, expiresAt: key.expiresAt },
        });
        if (flags.json) {
          console.log(JSON.stringify({ ...apiKeyJson(key), key: secret }, null, 2));
          return;
        }
        console.log(
          `created key ${key.id} "${key.name}" for ${describeTenant(key)} with roles ${key.roles.join(', ')}${key.expiresAt ? `, expires ${key.expiresAt}` : ''}`,
        );
        console.log(secret);
        console.log('Store it now: only its hash is kept, it is not shown again.');
      }),
    );

  common(group.command('list'))
    .description('list API keys (never their secrets)')
    .option('--tenant <tenant>', 'only the keys of this tenant')
    .option('--json', 'print JSON')
    .action((flags: Flags) =>
      withKeys(flags, async (keys) => {
        const list = await keys.list({ tenant: flags.tenant });
        if (flags.json) {
          console.log(JSON.stringify({ keys: list.map(apiKeyJson) }, null, 2));
          return;
        }
        const now = Date.now();
        console.log(
          'id                tenant        roles                      name                  status',
        );
        for (const k of list)
          console.log(
            [
              k.id.padEnd(17),
              describeTenant(k).padEnd(13),
              k.roles.join(',').padEnd(26),
              k.name.slice(0, 21).padEnd(21),
              status(k, now),
            ].join(' '),
          );
        console.log(`${list.length} keys`);
      }),
    );

  common(group.command('revoke'))
    .description('revoke an API key; it stops working within a second')
    .argument('<id>', 'the key id (the part after gok_)')
    .action((id: string, flags: Flags) =>
      withKeys(flags, async (keys, records) => {
        const revoked = await keys.revoke(id);
        if (!revoked) throw new GreenopsError('NOT_FOUND', `no API key ${id}`);
        await auditCli(records, {
          tenant: revoked.tenant ?? undefined,
          action: 'keys.revoke',
          object: { type: 'api-key', id: revoked.id },
          after: { revokedAt: revoked.revokedAt },
        });
        console.log(
          `revoked key ${revoked.id} "${revoked.name}" (${describeTenant(revoked)}) at ${revoked.revokedAt}`,
        );
      }),
    );
}
