import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { GreenopsError, STREAM_NAMES, createLogger, type Point } from '../../core/index.js';
import {
  checkDriverPseudonym,
  driverDeadLetters,
  driverPseudonym,
  driverSamples,
  eraseDriver,
  eraseDriverDeadLetters,
  pseudonymDigest,
} from '../../models/index.js';
import type { DeadLetter, TimeSeriesStore } from '../../store/index.js';
import { auditCli } from '../cli-audit.js';
import { openRecords, openStores, readInputFile } from '../runtime.js';
import { configFrom } from './transparency.js';

interface Flags {
  driver: string;
  tenant?: string;
  out?: string;
  dataDir?: string;
  store?: string;
}

function sample(p: Point): Record<string, unknown> {
  const nanos = p.nanos ?? 0;
  return {
    time: new Date(p.timeMs).toISOString(),
    ...(nanos ? { nanos } : {}),
    vehicle: p.tags.device,
    ...(p.tags.powertrain ? { powertrain: p.tags.powertrain } : {}),
    ...(p.tags.vehicle_class ? { vehicleClass: p.tags.vehicle_class } : {}),
    ...p.fields,
  };
}

/** A data subject's request is run by the DPO on the server: no route serves it (README: Retention and data subjects). */
const PRIVACY_WHEN_LOCKED =
  'run the request, then start it again (privacy export and erase have no API route)';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A refused message as the data subject reads it: its payload as text, or base64 when it is not UTF-8. */
function refused(d: DeadLetter): Record<string, unknown> {
  let text: string | undefined;
  try {
    text = utf8.decode(d.payload);
  } catch {
    text = undefined;
  }
  return {
    id: d.id,
    receivedAt: new Date(d.receivedMs).toISOString(),
    topic: d.topic,
    stream: d.stream,
    reason: d.reason,
    ...(text === undefined
      ? { payloadBase64: Buffer.from(d.payload).toString('base64') }
      : { payload: text }),
    ...(d.truncated ? { truncated: true, size: d.size } : {}),
  };
}

/**
 * The tenant of a request: --tenant, else the only tenant with fleet data in the store. Never GREENOPS_TENANT from
 * the shell, which would silently answer for another municipality.
 */
async function requestTenant(
  store: TimeSeriesStore,
  given: string | undefined,
  dataDir: string,
): Promise<string> {
  if (given !== undefined) return given;
  const tenants = await store.listTenants('fleet');
  if (tenants.length === 1) return tenants[0] as string;
  throw new GreenopsError(
    'BAD_REQUEST',
    tenants.length === 0
      ? `--tenant: no tenant has fleet data in the store of ${dataDir}; give --tenant, and --data-dir (the server's GREENOPS_DATA_DIR)`
      : `--tenant: several municipalities have fleet data (${tenants.join(', ')}); say which with --tenant`,
    { field: 'tenant' },
  );
}

/** Whether the store holds anything for the tenant in any stream (a typo'd tenant or another data folder has none). */
async function tenantHasData(store: TimeSeriesStore, tenant: string): Promise<boolean> {
  for (const stream of STREAM_NAMES) if ((await store.listTenants(stream)).includes(tenant)) return true;
  return false;
}

function unknownTenantText(tenant: string, dataDir: string): string {
  return `tenant "${tenant}" has no data in the store of ${dataDir} (no stream holds it): check --tenant and --data-dir (the server's GREENOPS_DATA_DIR)`;
}

function write(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => out.write(text, (err) => (err ? reject(err) : resolve())));
}

/**
 * `greenops privacy export|erase --driver ID`: a data subject's access (GDPR Art. 15, 20) and erasure (Art. 17) by
 * driver pseudonym, on the configured store; both are in the audit trail under a digest of the pseudonym.
 */
export function registerPrivacyCommands(program: Command): void {
  const group = program
    .command('privacy')
    .description('a driver’s data by pseudonym: export or erase (audited)');
  const common = (c: Command) =>
    c
      .requiredOption('--driver <pseudonym>', 'the driver pseudonym (16–64 lower-case hex characters)')
      // Never the shell's GREENOPS_TENANT (default demo), which would silently answer for another municipality.
      .option(
        '--tenant <tenant>',
        'the municipality the request is about; without it, the one tenant with fleet data in the store (refused when there are several)',
      )
      .option('--store <kind>', 'duckdb | influx (GREENOPS_STORE)')
      .option(
        '--data-dir <dir>',
        'folder of the embedded data (GREENOPS_DATA_DIR); with DuckDB stop greenops first',
      );

  group
    .command('pseudonym')
    .description(
      'the pseudonym of a badge (employee) id: hex HMAC-SHA256 under the fleet’s pseudonymisation key, which greenops does not hold',
    )
    .requiredOption('--badge <id>', 'the driver’s badge or employee id, as the vehicle units read it')
    .requiredOption(
      '--key-file <file>',
      'the pseudonymisation key, one line (from whoever configures the units)',
    )
    .option('--length <n>', 'characters the units keep (16–64)', '64')
    .action((flags: { badge: string; keyFile: string; length: string }) => {
      const key = Buffer.from(readInputFile(flags.keyFile).replace(/\r?\n$/, ''), 'utf8');
      const length = /^\d+$/.test(flags.length) ? Number(flags.length) : Number.NaN;
      try {
        console.log(driverPseudonym(key, flags.badge, length));
      } catch (err) {
        if (err instanceof GreenopsError && err.field)
          throw new GreenopsError(err.code, `--${err.message.replace(/^key:/, 'key-file:')}`, {
            field: err.field,
            cause: err,
          });
        throw err;
      }
    });

  common(group.command('export'))
    .description('every fleet sample and refused message (dead letter) carrying the pseudonym, as JSON')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (flags: Flags) => {
      checkDriverPseudonym(flags.driver);
      const config = configFrom(flags);
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      const stores = await openStores(config, logger, PRIVACY_WHEN_LOCKED);
      let tenant: string;
      try {
        tenant = await requestTenant(stores.store, flags.tenant, config.dataDir);
      } catch (err) {
        await stores.close();
        throw err;
      }
      const known = await tenantHasData(stores.store, tenant);
      if (!known) console.error(`warning: ${unknownTenantText(tenant, config.dataDir)}`);
      const out: Writable =
        flags.out === undefined ? process.stdout : createWriteStream(flags.out, { mode: 0o600 });
      let count = 0;
      let deadLetters = 0;
      try {
        await write(
          out,
          `{"driver":${JSON.stringify(flags.driver)},"tenant":${JSON.stringify(tenant)},"exportedAt":"${new Date().toISOString()}","stream":"fleet","samples":[`,
        );
        for await (const page of driverSamples(stores.personal, tenant, flags.driver))
          for (const p of page)
            await write(out, `${count++ === 0 ? '\n' : ',\n'}${JSON.stringify(sample(p))}`);
        await write(out, `\n],"count":${count},"deadLetters":[`);
        // Refused messages keep their raw payload for their retention period: a refused fleet record can hold it.
        for await (const page of driverDeadLetters(stores.deadLetters, tenant, flags.driver))
          for (const d of page)
            await write(out, `${deadLetters++ === 0 ? '\n' : ',\n'}${JSON.stringify(refused(d))}`);
        await write(out, `\n],"deadLetterCount":${deadLetters}}\n`);
      } finally {
        if (out !== process.stdout) await new Promise<void>((resolve) => out.end(resolve));
        await stores.close();
      }
      const records = await openRecords(config, logger, PRIVACY_WHEN_LOCKED);
      try {
        await auditCli(records, {
          tenant: tenant,
          action: 'privacy.export',
          object: { type: 'driver', id: pseudonymDigest(flags.driver) },
          after: { samples: count, deadLetters },
        });
      } finally {
        await records.close();
      }
      if (flags.out !== undefined)
        console.error(`${count} samples and ${deadLetters} refused messages written to ${flags.out}`);
    });

  common(group.command('erase'))
    .description(
      'delete every fleet sample (position, speed and the pseudonym) and refused message carrying the pseudonym',
    )
    .action(async (flags: Flags) => {
      checkDriverPseudonym(flags.driver);
      const config = configFrom(flags);
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      const stores = await openStores(config, logger, PRIVACY_WHEN_LOCKED);
      let erased: number;
      let deadLetters: number;
      let tenant = '';
      try {
        tenant = await requestTenant(stores.store, flags.tenant, config.dataDir);
        // Erasing under a tenant the store does not know erases nothing and would be reported as done.
        if (!(await tenantHasData(stores.store, tenant)))
          throw new GreenopsError('NOT_FOUND', unknownTenantText(tenant, config.dataDir), {
            field: 'tenant',
          });
        erased = await eraseDriver(stores.personal, tenant, flags.driver);
        deadLetters = await eraseDriverDeadLetters(stores.deadLetters, tenant, flags.driver);
      } finally {
        await stores.close();
      }
      const records = await openRecords(config, logger, PRIVACY_WHEN_LOCKED);
      try {
        await auditCli(records, {
          tenant: tenant,
          action: 'privacy.erase',
          object: { type: 'driver', id: pseudonymDigest(flags.driver) },
          after: { samples: erased, deadLetters },
        });
      } finally {
        await records.close();
      }
      console.log(JSON.stringify({ tenant: tenant, driver: flags.driver, erased, deadLetters }));
    });
}
