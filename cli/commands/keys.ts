import type { Command } from 'commander';
import { GreenopsError } from '../../core/index.js';
import { ApiKeyStore, apiKeyJson, parseExpiry, type ApiKeyInfo } from '../../access/index.js';
import { withRecords } from '../runtime.js';
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

/** The API keys of the configuration's records store for one command; errors name the flag, not the field. */
function withKeys<T>(flags: Flags, fn: (keys: ApiKeyStore, records: RecordStore) => Promise<T>): Promise<T> {
  return withRecords(
    flags.dataDir,
    async (records, logger) => {
      const keys = new ApiKeyStore(records, { logger });
      try {
        return await fn(keys, records);
      } catch (err) {
        if (err instanceof GreenopsError && err.field && err.message.startsWith(`${err.field}: `))
          throw new GreenopsError(err.code, `--${err.message}`, { field: err.field, cause: err });
        throw err;
      } finally {
        await keys.settle();
      }
    },
    undefined,
    "use the running greenops's API (/api/v1/keys)",
  );
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
    .argument('<id>', 'the key id: the 16 characters between gok_ and the next _ (a whole key works too)')
    .action((given: string, flags: Flags) =>
      withKeys(flags, async (keys, records) => {
        // A whole key pasted by mistake is reduced to its id, and its secret is never echoed.
        const id = /^gok_([^_]+)_/.exec(given)?.[1] ?? given;
        if (!/^[0-9a-f]{16}$/.test(id))
          throw new GreenopsError('BAD_REQUEST', 'id: expected the 16 hex characters of a key id', {
            field: 'id',
          });
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
