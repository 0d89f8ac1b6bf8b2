import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { GreenopsError, createLogger } from '../../core/index.js';
import {
  ClassifierStore,
  DEFAULT_FACTOR_TABLE,
  InvoiceLedger,
  importJsonlLedgers,
  loadFactorTable,
  classifierFor,
  estimateInvoiceFiles,
  sampleInvoices,
  trainTenantClassifier,
  type ClassifierEvaluation,
  type EstimateDocument,
  type TotalEntry,
} from '../../models/index.js';
import { co2Paths, openRecords, readConfig, readInputFile } from '../runtime.js';

interface CommonFlags {
  tenant?: string;
  dataDir?: string;
}

function configFor(flags: CommonFlags) {
  const given: Record<string, string> = {};
  if (flags.tenant !== undefined) given.tenant = flags.tenant;
  if (flags.dataDir !== undefined) given.dataDir = flags.dataDir;
  return readConfig(given);
}

const progress = (epoch: number, loss: number) =>
  process.stderr.write(`training the invoice classifier: epoch ${epoch}, loss ${loss.toFixed(3)}\n`);

const kg = (v: number) => (Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(1)} t` : `${v.toFixed(1)} kg`);
const range = (low: number, high: number) => `${kg(low)} – ${kg(high)}`;

function printTotals(title: string, entries: Record<string, TotalEntry>, label = (k: string) => k): void {
  console.log(`\n${title}`);
  for (const [key, t] of Object.entries(entries))
    console.log(
      `  ${label(key).padEnd(34)} ${kg(t.kgCo2e).padStart(11)}  (90 %: ${range(t.low, t.high)})  ${t.lines} lines`,
    );
}

function printDocument(doc: EstimateDocument): void {
  console.log(
    `factor table ${doc.factorTable.version} (spend in ${doc.factorTable.priceYear} prices); classifier ${doc.classifier.version}`,
  );
  console.log(
    'file:line                      supplier               description                      category                   method    kg CO2e    90 % range               scope',
  );
  for (const l of doc.lines) {
    const where = `${basename(l.file)}:${l.sourceLine ?? l.lineId}`;
    console.log(
      [
        where.slice(0, 30).padEnd(30),
        l.supplier.name.slice(0, 22).padEnd(22),
        l.description.slice(0, 32).padEnd(32),
        `${l.category}${l.classification.by === 'classifier' ? ` ${(l.classification.confidence * 100).toFixed(0)}%` : ''}`
          .slice(0, 26)
          .padEnd(26),
        l.method.padEnd(8),
        (l.kgCo2e === null ? '–' : kg(l.kgCo2e)).padStart(10),
        (l.range ? range(...l.range) : '').padEnd(24),
        l.method === 'excluded' ? '–' : String(l.scope),
        l.review ? ' REVIEW' : '',
      ].join(' '),
    );
  }
  const t = doc.totals;
  console.log(
    `\ntotal ${kg(t.kgCo2e)} CO2e (90 %: ${range(t.low, t.high)}) from ${t.lines} lines; ${t.reviewLines} flagged for review (${(t.flaggedShare * 100).toFixed(0)} %), ${t.unestimatedLines} without an estimate`,
  );
  const ne = t.nonEmitting;
  console.log(
    `non-emitting: ${ne.lines} lines at 0 kg, ${ne.dkk.toFixed(0)} DKK (${Object.entries(ne.byKind)
      .map(([k, v]) => `${k.replace('_', ' ')} ${v.lines}`)
      .join(', ')})`,
  );
  printTotals('by scope', t.byScope, (s) => `scope ${s}`);
  printTotals('by category', t.byCategory);
  printTotals('by supplier', t.bySupplier);
  printTotals('by month', t.byMonth);
  if (doc.reviewQueue.length > 0) {
    console.log(
      `\nreview queue, most kg CO2e at stake first (${doc.reviewQueue.length} lines; the first 20):`,
    );
    for (const q of doc.reviewQueue.slice(0, 20))
      console.log(
        `  ${kg(q.kgAtStake).padStart(10)}  ${`${basename(q.file)}#${q.lineId}`.slice(0, 34).padEnd(34)} ${q.description.slice(0, 40).padEnd(40)} ${q.category}`,
      );
  }
  for (const e of doc.errors) console.error(`error: ${e.message}`);
}

export function printEvaluation(e: ClassifierEvaluation): void {
  console.log(
    `held-out accuracy ${(e.accuracy * 100).toFixed(1)} % on ${e.examples} lines (macro F1 ${(e.macroF1 * 100).toFixed(1)} %); ` +
      `${(e.confidentShare * 100).toFixed(0)} % of lines at or above the review threshold, ${(e.confidentAccuracy * 100).toFixed(1)} % of those right`,
  );
  console.log('category               precision  recall  lines  most often taken for');
  for (const c of e.perCategory) {
    const mistakes = Object.entries(e.confusion[c.category] ?? {})
      .filter(([predicted]) => predicted !== c.category)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 2)
      .map(([predicted, n]) => `${predicted} (${n})`)
      .join(', ');
    console.log(
      `${c.category.padEnd(22)} ${(c.precision * 100).toFixed(0).padStart(8)} %  ${(c.recall * 100).toFixed(0).padStart(4)} %  ${String(c.support).padStart(5)}  ${mistakes}`,
    );
  }
}

export function registerInvoiceCommands(program: Command): void {
  const invoices = program
    .command('invoices')
    .description('CO2e from supplier invoices (OIOUBL, Peppol BIS 3, EN 16931, CSV export)');

  invoices
    .command('estimate')
    .description(
      'estimate CO2e per invoice line with method, factor, uncertainty and scope, and totals by scope, category, supplier and month',
    )
    .argument('<files...>', 'UBL XML invoices or credit notes, or CSV exports')
    .option('--json', 'print one JSON document (shape in the README)')
    .option('--factors <file>', 'factor table JSON (GREENOPS_CO2_FACTORS; default: the shipped table)')
    .option('--tenant <tenant>', 'tenant whose classifier applies (GREENOPS_TENANT)')
    .option('--data-dir <dir>', 'folder for models (GREENOPS_DATA_DIR)')
    .action(async (files: string[], flags: CommonFlags & { json?: boolean; factors?: string }) => {
      const config = configFor(flags);
      const table = loadFactorTable(flags.factors ?? config.co2FactorsPath);
      const paths = co2Paths(config.dataDir);
      // Pure: no records store (a running greenops may own the embedded one). Reviewers' corrections reach these
      // estimates through the tenant's classifier, which `greenops invoices train` retrains on them.
      const classifier = await classifierFor({
        store: new ClassifierStore(paths.classifiers),
        tenant: config.tenant,
        train: { epochs: config.co2TrainEpochs },
        onEpoch: progress,
      });
      const inputs: { name: string; text: string }[] = [];
      const unreadable: string[] = [];
      for (const file of files) {
        try {
          inputs.push({ name: file, text: readInputFile(file) });
        } catch (err) {
          unreadable.push((err as Error).message);
        }
      }
      const doc = estimateInvoiceFiles(inputs, { table, classifier });
      for (const message of unreadable)
        doc.errors.push({ file: message.split(':')[0] ?? '', line: undefined, message });
      if (flags.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      else printDocument(doc);
      if (doc.errors.length > 0) {
        if (flags.json) for (const e of doc.errors) console.error(`error: ${e.message}`);
        process.exitCode = 1;
      }
    });

  invoices
    .command('sample')
    .description(
      'write deterministic sample e-invoices (Peppol BIS 3, OIOUBL 2.x and 3) to try the estimate on',
    )
    .requiredOption('--out <dir>', 'folder to write the XML files to')
    .option('--files <n>', 'invoices to write', '20')
    .option('--lines <n>', 'lines per invoice', '8')
    .option('--seed <n>', 'random seed', '1')
    .action((flags: { out: string; files: string; lines: string; seed: string }) => {
      const [files, lines, seed] = [Number(flags.files), Number(flags.lines), Number(flags.seed)];
      for (const [flag, v] of [
        ['files', files],
        ['lines', lines],
        ['seed', seed],
      ] as const)
        if (!Number.isInteger(v) || v < (flag === 'seed' ? 0 : 1))
          throw new GreenopsError(
            'BAD_REQUEST',
            `--${flag}: must be a whole number${flag === 'seed' ? '' : ' ≥ 1'}`,
            {
              field: flag,
            },
          );
      mkdirSync(flags.out, { recursive: true });
      const sample = sampleInvoices(DEFAULT_FACTOR_TABLE, { files, linesPerFile: lines, seed });
      for (const f of sample.files) writeFileSync(join(flags.out, f.name), f.text);
      console.log(`wrote ${sample.files.length} invoices with ${sample.truth.size} lines to ${flags.out}`);
    });

  invoices
    .command('train')
    .description(
      "train the tenant's invoice classifier on the shipped corpus and its reviewed lines, report held-out accuracy and confusion, and make it current",
    )
    .option('--tenant <tenant>', 'tenant (GREENOPS_TENANT)')
    .option('--data-dir <dir>', 'folder for models and the embedded records store (GREENOPS_DATA_DIR)')
    .option('--epochs <n>', 'training epochs (GREENOPS_CO2_TRAIN_EPOCHS, default 10)')
    .option('--json', 'print the model manifest as JSON')
    .action(async (flags: CommonFlags & { epochs?: string; json?: boolean }) => {
      const config = configFor(flags);
      const epochs = flags.epochs === undefined ? config.co2TrainEpochs : Number(flags.epochs);
      if (!Number.isInteger(epochs) || epochs < 1)
        throw new GreenopsError('BAD_REQUEST', '--epochs: must be a positive whole number', {
          field: 'epochs',
        });
      const paths = co2Paths(config.dataDir);
      const logger = createLogger({ level: config.logLevel, destination: process.stderr });
      // The reviewed lines come from the records store (PostgreSQL with DATABASE_URL, else the embedded one).
      const records = await openRecords(config, logger);
      let corrections;
      try {
        await importJsonlLedgers(records, paths.ledgers, logger);
        corrections = await new InvoiceLedger(records, config.tenant).corrections();
      } finally {
        await records.close();
      }
      const manifest = await trainTenantClassifier({
        store: new ClassifierStore(paths.classifiers),
        tenant: config.tenant,
        corrections,
        train: { epochs },
        onEpoch: progress,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
        return;
      }
      console.log(
        `classifier ${manifest.version} for ${config.tenant}: ${manifest.training.examples} examples (${manifest.training.corrections} reviewed lines), ${manifest.training.seconds.toFixed(1)} s on ${manifest.backend}`,
      );
      if (manifest.evaluation) printEvaluation(manifest.evaluation);
    });
}
