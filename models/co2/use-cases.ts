import { GreenopsError, type Point } from '../../core/index.js';
import { runWorker, siblingModule, startModuleWorker } from '../worker-thread.js';
import type { ClassifierArtifacts, ClassifierManifest, TextClassifier, TrainOptions } from './classifier.js';
import { SHARED_CLASSIFIER, type ClassifierStore } from './classifier-store.js';
import { CORPUS_CATEGORIES, CORPUS_VERSION, buildCorpus, type LabelledExample } from './corpus.js';
import {
  estimateLines,
  estimateTotals,
  reviewQueue,
  type EstimateContext,
  type EstimateTotals,
  type LineEstimate,
} from './estimate.js';
import { readInvoices, type InvoiceFile } from './read-invoices.js';
import { DEFAULT_FACTOR_TABLE, readFactorTable, type FactorTable } from './factor-table.js';
import type { Correction } from './ledger.js';
import { combineRanges, type RangedAmount } from './uncertainty.js';

/** How many times a reviewer's correction counts in training, against four wordings of each corpus term. */
const CORRECTION_WEIGHT = 4;

/**
 * The training set: the shipped corpus's training split plus every reviewed line (weighted), and the corpus's
 * held-out split for evaluation. Corrections never enter the held-out split, so accuracy stays comparable
 * between versions.
 */
export function trainingSet(corrections: readonly Correction[]): {
  train: LabelledExample[];
  test: LabelledExample[];
} {
  const { train, test } = buildCorpus();
  const labels = new Set(CORPUS_CATEGORIES);
  // Non-emitting corrections are not a spend category the network answers: reviews and the lexicon carry them.
  for (const c of corrections.filter((x) => labels.has(x.category)))
    for (let i = 0; i < CORRECTION_WEIGHT; i++)
      train.push({
        description: c.description,
        supplier: c.supplier,
        unitCode: c.unitCode,
        category: c.category,
      });
  return { train, test };
}

/**
 * The factor table to use: the file given (flag or GREENOPS_CO2_FACTORS), validated, or the shipped one. A custom
 * table must also price every category the classifier can answer; a table that does not is refused naming them.
 */
export function loadFactorTable(path: string | undefined): FactorTable {
  if (path === undefined) return DEFAULT_FACTOR_TABLE;
  const table = readFactorTable(path);
  const missing = CORPUS_CATEGORIES.filter((c) => !table.categories[c]);
  if (missing.length > 0)
    throw new GreenopsError(
      'BAD_REQUEST',
      `${path}: categories missing from the factor table: ${missing.join(', ')}`,
      {
        field: 'factors',
      },
    );
  return table;
}

/**
 * Trains the tenant's classifier on the corpus and its corrections in a worker thread (the caller's event loop
 * stays free), evaluates it on the held-out split, saves it and makes it current.
 */
export async function trainTenantClassifier(options: {
  store: ClassifierStore;
  tenant: string;
  corrections: readonly Correction[];
  train?: Partial<Omit<TrainOptions, 'onEpoch'>>;
  onEpoch?: (epoch: number, loss: number) => void;
  /** Stops the worker (at shutdown); the training then rejects and nothing is saved. */
  signal?: AbortSignal;
}): Promise<ClassifierManifest> {
  const { train, test } = trainingSet(options.corrections);
  options.signal?.throwIfAborted();
  const worker = startModuleWorker(siblingModule(import.meta.url, 'train-classifier-worker'), {
    examples: train,
    labels: CORPUS_CATEGORIES,
    meta: { corpusVersion: CORPUS_VERSION, corrections: options.corrections.length },
    heldOut: test,
    options: options.train ?? {},
  });
  const stop = () => void worker.terminate();
  options.signal?.addEventListener('abort', stop, { once: true });
  let done: { manifest: ClassifierManifest; weights: Float32Array };
  try {
    done = await runWorker<{ manifest: ClassifierManifest; weights: Float32Array }>(
      worker,
      (m) => options.onEpoch?.(m.epoch as number, m.loss as number),
      'classifier training',
    );
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  options.signal?.throwIfAborted();
  const artifacts: ClassifierArtifacts = { manifest: done.manifest, weights: done.weights };
  options.store.save(options.tenant, artifacts);
  return artifacts.manifest;
}

/**
 * The classifier for the tenant's lines: its own, else the shared one trained on the corpus alone, which the
 * first call trains (about ten seconds on an idle core).
 */
export async function classifierFor(
  options: Omit<Parameters<typeof trainTenantClassifier>[0], 'corrections'>,
): Promise<TextClassifier> {
  const { store, tenant } = options;
  const current = store.forTenant(tenant);
  if (current) return current;
  await trainTenantClassifier({ ...options, tenant: SHARED_CLASSIFIER, corrections: [] });
  return store.forTenant(tenant) as TextClassifier;
}

/** Measurement of the monthly CO₂e account in the store. */
export const CO2_MEASUREMENT = 'co2_invoices';

/**
 * The monthly account as points for dashboards: one per month × category × scope (tags tenant, device = category,
 * scope; fields kg_co2e, kg_low, kg_high, lines), at the first instant of the month (UTC). `previous` lists
 * series keys written before; those no longer present get zero, so a corrected category does not leave a stale
 * value behind.
 */
export function monthlyPoints(
  tenant: string,
  estimates: readonly LineEstimate[],
  previous: ReadonlySet<string> = new Set(),
): { points: Point[]; keys: Set<string> } {
  const items = new Map<string, RangedAmount[]>();
  for (const e of estimates) {
    if (e.kgCo2e === null || e.range === null || e.method === 'excluded') continue;
    const key = `${e.month}|${e.category}|${e.scope}`;
    const list = items.get(key) ?? [];
    list.push({ kg: e.kgCo2e, low: e.range[0], high: e.range[1], group: e.factor.key });
    items.set(key, list);
  }
  const cells = new Map<string, { kg: number; low: number; high: number; lines: number }>();
  for (const [key, list] of items) cells.set(key, { ...combineRanges(list), lines: list.length });
  for (const key of previous) if (!cells.has(key)) cells.set(key, { kg: 0, low: 0, high: 0, lines: 0 });
  const points: Point[] = [];
  for (const [key, cell] of cells) {
    const [month, category, scope] = key.split('|') as [string, string, string];
    points.push({
      measurement: CO2_MEASUREMENT,
      tags: { tenant, device: category, scope },
      fields: { kg_co2e: cell.kg, kg_low: cell.low, kg_high: cell.high, lines: cell.lines },
      timeMs: Date.parse(`${month}-01T00:00:00Z`),
    });
  }
  return { points, keys: new Set([...cells].filter(([, c]) => c.lines > 0).map(([k]) => k)) };
}

/** What `greenops invoices estimate --json` prints and `POST /api/v1/invoices` answers. */
export interface EstimateDocument {
  factorTable: { version: string; priceYear: number };
  classifier: { version: string; corpusVersion: string; heldOutAccuracy: number | undefined };
  files: { file: string; lines: number; errors: number }[];
  errors: { file: string; line: number | undefined; message: string }[];
  lines: LineEstimate[];
  totals: EstimateTotals;
  /** Lines flagged for review, the most kg CO₂e at stake first. */
  reviewQueue: {
    id: string;
    file: string;
    lineId: string;
    description: string;
    category: string;
    kgCo2e: number | null;
    kgAtStake: number;
    notes: string[];
  }[];
}

/**
 * Reads, classifies and estimates invoice files. A file that cannot be read contributes its errors (file and
 * line) and the other files are still estimated. Deterministic: the same files, factor table, classifier and
 * corrections give the same document.
 */
export function estimateInvoiceFiles(
  files: readonly InvoiceFile[],
  context: EstimateContext,
): EstimateDocument {
  const { lines, errors } = readInvoices(files);
  const estimates = estimateLines(lines, context);
  const linesPerFile = new Map<string, number>();
  for (const l of lines) linesPerFile.set(l.file, (linesPerFile.get(l.file) ?? 0) + 1);
  const manifest = context.classifier.artifacts.manifest;
  return {
    factorTable: { version: context.table.version, priceYear: context.table.priceYear },
    classifier: {
      version: manifest.version,
      corpusVersion: manifest.training.corpusVersion,
      heldOutAccuracy: manifest.evaluation?.accuracy,
    },
    files: files.map(({ name }) => ({
      file: name,
      lines: linesPerFile.get(name) ?? 0,
      errors: errors.filter((e) => e.file === name).length,
    })),
    errors: errors.map((e) => ({ file: e.file, line: e.line, message: e.message })),
    lines: estimates,
    totals: estimateTotals(estimates),
    reviewQueue: reviewQueue(estimates).map((e) => ({
      id: e.id,
      file: e.file,
      lineId: e.lineId,
      description: e.description,
      category: e.category,
      kgCo2e: e.kgCo2e,
      kgAtStake: e.kgAtStake,
      notes: e.notes,
    })),
  };
}
