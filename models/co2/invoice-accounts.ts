import { GreenopsError, errorMessage, type Logger } from '../../core/index.js';
import type { RecordStore, TimeSeriesStore } from '../../store/index.js';
import type { TextClassifier, TrainOptions } from './classifier.js';
import type { ClassifierStore } from './classifier-store.js';
import { estimateLine, estimateLines, type LineEstimate } from './estimate.js';
import type { FactorTable } from './factor-table.js';
import { InvoiceFileError } from './invoice-line.js';
import { InvoiceLedger, type Correction } from './ledger.js';
import { readInvoices, type InvoiceFile } from './read-invoices.js';
import { CO2_MEASUREMENT, classifierFor, monthlyPoints, trainTenantClassifier } from './use-cases.js';

/** Lines estimated between two yields to the event loop (about 50 ms of work). */
const ESTIMATE_SLICE = 1000;

/** Attempts at a correction without If-Match when other corrections of the line keep landing in between. */
const CORRECTION_ATTEMPTS = 5;

export interface TrainingState {
  running: boolean;
  /** Epochs finished so far in the running (or last) training. */
  epochs: number;
  startedAt: string | undefined;
  finishedAt: string | undefined;
  version: string | undefined;
  error: string | undefined;
}

export interface InvoiceAccountsOptions {
  /** Where the ledger lives (lines, corrections, revisions); shared by replicas on one PostgreSQL. */
  records: RecordStore;
  classifiers: ClassifierStore;
  table: FactorTable;
  /** Where the monthly account is written as `co2_invoices` points for dashboards. */
  store: TimeSeriesStore;
  logger: Logger;
  train?: Partial<Omit<TrainOptions, 'onEpoch'>>;
}

/**
 * The invoice CO₂ account of each tenant as a service: uploads, estimates, reviewers' corrections, classifier
 * retraining in a worker thread, and the monthly series in the store. The API's routes are thin over it.
 */
export class InvoiceAccounts {
  private readonly ledgers = new Map<string, InvoiceLedger>();
  private readonly classifiers = new Map<string, Promise<TextClassifier>>();
  private readonly trainings = new Map<string, { state: TrainingState; done: Promise<void> }>();
  /** The monthly cells last written, with the ledger revision they were written at. */
  private readonly writtenKeys = new Map<string, { revision: number; keys: Set<string> }>();
  private readonly cache = new Map<string, { key: string; estimates: LineEstimate[] }>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: InvoiceAccountsOptions) {}

  get table(): FactorTable {
    return this.options.table;
  }

  ledger(tenant: string): InvoiceLedger {
    let ledger = this.ledgers.get(tenant);
    if (!ledger) this.ledgers.set(tenant, (ledger = new InvoiceLedger(this.options.records, tenant)));
    return ledger;
  }

  /** The tenant's classifier; the first use trains one in a worker thread (about ten seconds). */
  classifier(tenant: string): Promise<TextClassifier> {
    const current = this.options.classifiers.current(tenant);
    if (current) return Promise.resolve(current);
    let pending = this.classifiers.get(tenant);
    if (!pending) {
      const { classifiers, train } = this.options;
      pending = (async () =>
        classifierFor({
          store: classifiers,
          tenant,
          corrections: await this.ledger(tenant).corrections(),
          signal: this.stopping.signal,
          ...(train ? { train } : {}),
        }))();
      pending.catch(() => this.classifiers.delete(tenant));
      this.classifiers.set(tenant, pending);
    }
    return pending;
  }

  /** Reads the files, keeps their lines, and answers their estimates; errors name the file and line. */
  async upload(
    tenant: string,
    files: readonly InvoiceFile[],
  ): Promise<{ added: number; replaced: number; errors: InvoiceFileError[]; lines: LineEstimate[] }> {
    const { lines, errors } = readInvoices(files);
    const { added, replaced, ids, revision } = await this.ledger(tenant).addLines(lines);
    this.ownChange(tenant, revision);
    // The uploaded lines' estimates come from the tenant's account, which the monthly series is written from too.
    const byId = new Map((await this.estimates(tenant)).map((e) => [e.id, e]));
    if (lines.length > 0) await this.writeMonthly(tenant);
    return { added, replaced, errors, lines: ids.map((id) => byId.get(id) as LineEstimate) };
  }

  /**
   * Every stored line with its current estimate. Cached until the next upload, correction or model (in any
   * replica: the key is the ledger's revision in the records store); computed in slices that yield to the event
   * loop, so a large account does not stall the API.
   */
  async estimates(tenant: string): Promise<LineEstimate[]> {
    return (await this.estimatesWithRevision(tenant)).estimates;
  }

  private async estimatesWithRevision(
    tenant: string,
  ): Promise<{ revision: number; estimates: LineEstimate[] }> {
    const snapshot = await this.ledger(tenant).snapshot();
    const { revision, lines } = snapshot;
    // A tenant without lines needs no classifier: reading an empty account must not start a training.
    if (lines.length === 0) return { revision, estimates: [] };
    const classifier = await this.classifier(tenant);
    const key = `${classifier.version}|${revision}`;
    const cached = this.cache.get(tenant);
    if (cached?.key === key) return { revision, estimates: cached.estimates };
    const context = { table: this.table, classifier, reviews: snapshot.reviews };
    const estimates: LineEstimate[] = [];
    for (let i = 0; i < lines.length; i += ESTIMATE_SLICE) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      estimates.push(...estimateLines(lines.slice(i, i + ESTIMATE_SLICE), context));
    }
    this.cache.set(tenant, { key, estimates });
    return { revision, estimates };
  }

  /** The line's current estimate; its `version` is the ETag a correction may be conditioned on. */
  async estimate(tenant: string, id: string): Promise<LineEstimate | undefined> {
    const snapshot = await this.ledger(tenant).snapshot();
    const line = snapshot.byId.get(id);
    if (!line) return undefined;
    return estimateLine(line, {
      table: this.table,
      classifier: await this.classifier(tenant),
      reviews: snapshot.reviews,
    });
  }

  /**
   * Stores a reviewer's category for a line (used from now on, and in the next training) and re-estimates it.
   * With `ifMatch` (the versions of an If-Match header) a line corrected since the caller read it is refused with
   * PRECONDITION_FAILED; without, the correction applies to the line as it is now.
   */
  async correct(
    tenant: string,
    id: string,
    category: string,
    correctedBy: string | undefined,
    ifMatch?: readonly number[],
  ): Promise<LineEstimate | undefined> {
    const ledger = this.ledger(tenant);
    for (let attempt = 1; ; attempt++) {
      const before = await this.estimate(tenant, id);
      if (!before) return undefined;
      const correction: Correction = {
        lineId: id,
        category,
        description: before.description,
        supplier: before.supplier.name,
        unitCode: before.unitCode,
        previousCategory: before.category,
        correctedBy,
        correctedAt: new Date().toISOString(),
      };
      try {
        // Conditioned on the version read, so `previousCategory` is that of the line the correction replaces.
        const done = await ledger.correct(correction, ifMatch ?? [before.version ?? 0]);
        if (!done) return undefined;
        this.ownChange(tenant, done.revision);
        break;
      } catch (err) {
        const raced = err instanceof GreenopsError && err.code === 'PRECONDITION_FAILED' && !ifMatch;
        if (!raced || attempt >= CORRECTION_ATTEMPTS) throw err;
      }
    }
    await this.writeMonthly(tenant);
    return this.estimate(tenant, id);
  }

  /** The tenant's classifier if one was trained, without training one. */
  currentClassifier(tenant: string): TextClassifier | undefined {
    return this.options.classifiers.current(tenant);
  }

  trainingState(tenant: string): TrainingState {
    return (
      this.trainings.get(tenant)?.state ?? {
        running: false,
        epochs: 0,
        startedAt: undefined,
        finishedAt: undefined,
        version: this.options.classifiers.current(tenant)?.version,
        error: undefined,
      }
    );
  }

  /**
   * Retrains the tenant's classifier with its corrections in a worker thread; returns at once. False when a
   * training is already running. When it finishes, the new model is current and the monthly series is rewritten.
   */
  startTraining(tenant: string): boolean {
    if (this.trainings.get(tenant)?.state.running) return false;
    const state: TrainingState = {
      running: true,
      epochs: 0,
      startedAt: new Date().toISOString(),
      finishedAt: undefined,
      version: undefined,
      error: undefined,
    };
    const done = (async () => {
      try {
        const manifest = await trainTenantClassifier({
          store: this.options.classifiers,
          tenant,
          corrections: await this.ledger(tenant).corrections(),
          signal: this.stopping.signal,
          onEpoch: (epoch) => (state.epochs = epoch),
          ...(this.options.train ? { train: this.options.train } : {}),
        });
        state.version = manifest.version;
        this.classifiers.delete(tenant);
        if ((await this.ledger(tenant).lines()).length > 0) await this.writeMonthly(tenant);
        this.options.logger.info({ tenant, version: manifest.version }, 'invoice classifier retrained');
      } catch (err) {
        state.error = this.stopping.signal.aborted ? 'stopped: greenops is stopping' : errorMessage(err);
        if (this.stopping.signal.aborted)
          this.options.logger.info({ tenant }, 'invoice classifier training stopped');
        else this.options.logger.error({ tenant, err }, 'invoice classifier training failed');
      } finally {
        state.running = false;
        state.finishedAt = new Date().toISOString();
      }
    })();
    this.trainings.set(tenant, { state, done });
    return true;
  }

  /** Resolves when no training is running (for tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.trainings.values()].map((t) => t.done));
  }

  /** Stops running trainings (their worker threads end; nothing half-trained is saved). */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('greenops is stopping'));
    await Promise.allSettled([
      ...this.classifiers.values(),
      ...[...this.trainings.values()].map((t) => t.done),
    ]);
  }

  /** Writes the tenant's monthly account to the store, zeroing month × category × scope cells that emptied. */
  async writeMonthly(tenant: string): Promise<number> {
    const { revision, estimates } = await this.estimatesWithRevision(tenant);
    const written = this.writtenKeys.get(tenant);
    // The cells this process wrote are only known to be those in the store when no other replica changed the
    // ledger since; otherwise they are read back, so a cell another replica filled is still zeroed when it empties.
    const previous = written?.revision === revision ? written.keys : await this.storedKeys(tenant);
    const { points, keys } = monthlyPoints(tenant, estimates, previous);
    await this.options.store.write(points);
    this.writtenKeys.set(tenant, { revision, keys });
    return points.length;
  }

  /** This process made the ledger change to `revision`: cells written just before it are still current. */
  private ownChange(tenant: string, revision: number): void {
    const written = this.writtenKeys.get(tenant);
    if (written?.revision === revision - 1) written.revision = revision;
  }

  /**
   * The month × category × scope cells already in the store (after a restart, before this process wrote any), so
   * a cell that a correction emptied is zeroed rather than left stale.
   */
  private async storedKeys(tenant: string): Promise<Set<string>> {
    const keys = new Set<string>();
    const { store } = this.options;
    for (const { device } of await store.listDevices(CO2_MEASUREMENT, tenant))
      for (const scope of ['1', '2', '3'])
        for (const row of await store.querySeries({
          measurement: CO2_MEASUREMENT,
          tenant,
          field: 'kg_co2e',
          tags: { device, scope },
          fromMs: 0,
          toMs: Date.UTC(2200, 0, 1),
        }))
          if (row.value !== 0)
            keys.add(`${new Date(row.timeMs).toISOString().slice(0, 7)}|${device}|${scope}`);
    return keys;
  }
}
