import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { GreenopsError, createLogger, isTenant, retentionRules, type Config } from '../../core/index.js';
import {
  ClassifierStore,
  DEFAULT_POWER_MODEL,
  EXPORT_FORMATS,
  FileModelRegistry,
  FootprintLog,
  InvoiceLedger,
  OversightLog,
  TransparencyService,
  applyRetention,
  exportWarnings,
  isExportFormat,
  loadFactorTable,
  registerExport,
} from '../../models/index.js';
import type { RecordStore } from '../../store/index.js';
import { auditCli } from '../cli-audit.js';
import { co2Paths, openRecords, openStores, readConfig } from '../runtime.js';

interface Flags {
  format?: string;
  tenant?: string;
  out?: string;
  dataDir?: string;
  store?: string;
}

export function configFrom(flags: Flags): Config {
  const set: Record<string, string> = {};
  if (flags.tenant !== undefined) set.tenant = flags.tenant;
  if (flags.dataDir !== undefined) set.dataDir = flags.dataDir;
  if (flags.store !== undefined) set.store = flags.store;
  const config = readConfig(set);
  if (!isTenant(config.tenant))
    throw new GreenopsError('BAD_REQUEST', `--tenant: "${config.tenant}" is not a valid tenant`, {
      field: 'tenant',
    });
  return config;
}

/** The cards' sources read from the data folder and the records store (no time-series store needed). */
export function offlineTransparency(config: Config, records: RecordStore): TransparencyService {
  const table = loadFactorTable(config.co2FactorsPath);
  const electricity = table.activity.electricity;
  const gridKgPerKwh = electricity?.perKwh ?? config.gridCo2KgPerKwh;
  const classifiers = new ClassifierStore(co2Paths(config.dataDir).classifiers);
  return new TransparencyService({
    energyModels: new FileModelRegistry(join(config.dataDir, 'models', 'energy')),
    invoices: {
      currentClassifier: (tenant) => classifiers.forTenant(tenant),
      ledger: (tenant) => new InvoiceLedger(records, tenant),
    },
    oversight: new OversightLog(records),
    footprint: new FootprintLog({
      records,
      power: { ...DEFAULT_POWER_MODEL, cpuTdpWatts: config.cpuTdpWatts },
      gridKgPerKwh,
      logger: createLogger({ level: 'warn', destination: process.stderr }),
    }),
    grid: { kgPerKwh: gridKgPerKwh, source: `factor table ${table.version}: electricity` },
    organisation: config.organisation,
    // GREENOPS_ORGANISATION names GREENOPS_TENANT (not whatever --tenant names): the server's rule.
    organisationTenant: readConfig({}).tenant,
    contact: config.transparencyContact,
    department: config.department,
    publicUrl: config.publicUrl,
    retention: retentionRules(config.retention),
  });
}

/** How many entries a register document holds, as the confirmation of an export written to a file says it. */
function countOf(document: unknown): string {
  const d = document as { projekter?: unknown[]; algorithms?: unknown[]; records?: unknown[] };
  const n = (d.projekter ?? d.algorithms ?? d.records ?? []).length;
  return `${n} ${n === 1 ? 'entry' : 'entries'}`;
}

function emit(text: string, out: string | undefined): void {
  if (out === undefined) process.stdout.write(`${text}\n`);
  else writeFileSync(out, `${text}\n`);
}

/** What each command says beside a running greenops on the embedded stores. */
const EXPORT_WHEN_LOCKED = "use the running greenops's API (GET /api/v1/transparency/export?format=…)";
const RETENTION_WHEN_LOCKED =
  'leave retention to it (it runs every GREENOPS_RETENTION_RUN_HOURS; no route starts a run)';

/** `greenops transparency export` and `greenops retention run`. */
export function registerTransparencyCommands(program: Command): void {
  program
    .command('transparency')
    .description('model cards as algorithm-register documents')
    .command('export')
    .description('fill a register’s fields from the model cards (JSON): ai-landkort, nl-register or atrs')
    .requiredOption('--format <format>', EXPORT_FORMATS.join(' | '))
    .option('--tenant <tenant>', 'the municipality (GREENOPS_TENANT)')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--data-dir <dir>', 'folder of the embedded data (GREENOPS_DATA_DIR)')
    .action(async (flags: Flags) => {
      const format = flags.format ?? '';
      if (!isExportFormat(format))
        throw new GreenopsError(
          'BAD_REQUEST',
          `--format: "${format}" is not one of ${EXPORT_FORMATS.join(', ')}`,
          {
            field: 'format',
          },
        );
      const config = configFrom(flags);
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      const records = await openRecords(config, logger, EXPORT_WHEN_LOCKED);
      try {
        const service = offlineTransparency(config, records);
        const context = service.exportContext(config.tenant, new Date().toISOString());
        const document = registerExport(format, await service.cards(config.tenant), context);
        emit(JSON.stringify(document, null, 2), flags.out);
        if (flags.out !== undefined)
          console.error(
            `${format} export of ${config.tenant} (${countOf(document)}) written to ${flags.out}`,
          );
        // What to configure before publishing, also where the person running the command sees it.
        for (const warning of exportWarnings(format, context)) console.error(`warning: ${warning}`);
      } finally {
        await records.close();
      }
    });

  program
    .command('retention')
    .description('retention per stream and identifying field (GREENOPS_RETENTION)')
    .command('run')
    .description(
      'apply the retention rules once now, on the configured store (with DuckDB, stop greenops first)',
    )
    .option('--store <kind>', 'duckdb | influx (GREENOPS_STORE)')
    .option('--data-dir <dir>', 'folder of the embedded data (GREENOPS_DATA_DIR)')
    .action(async (flags: Flags) => {
      const config = configFrom(flags);
      const logger = createLogger({ level: 'warn', destination: process.stderr });
      const stores = await openStores(config, logger, RETENTION_WHEN_LOCKED);
      try {
        const outcomes = await applyRetention(
          stores.personal,
          retentionRules(config.retention),
          Date.now(),
          stores.deadLetters,
        );
        const records = await openRecords(config, logger, RETENTION_WHEN_LOCKED);
        try {
          await auditCli(records, {
            tenant: undefined,
            action: 'retention.run',
            object: { type: 'retention', id: 'all' },
            after: outcomes.map((o) => ({ rule: o.key, removed: o.removed })),
          });
        } finally {
          await records.close();
        }
        emit(JSON.stringify({ outcomes }, null, 2), undefined);
      } finally {
        await stores.close();
      }
    });
}
