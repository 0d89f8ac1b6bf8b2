import { GreenopsError, errorMessage, type Logger } from '../../core/index.js';
import type { RecordStore, TimeSeriesStore } from '../../store/index.js';
import { AnalysisWorkers } from '../analysis-workers.js';
import { DEFAULT_TRAIN_OPTIONS, type TextClassifier, type TrainOptions } from './classifier.js';
import { SHARED_CLASSIFIER, type ClassifierStore } from './classifier-store.js';
import { estimateLines, supplierHistory, type LineEstimate } from './estimate.js';
import type { FactorTable } from './factor-table.js';
import { InvoiceFileError } from './invoice-line.js';
import { InvoiceLedger, type Correction } from './ledger.js';
import type { InvoiceFile } from './read-invoices.js';
import { TrainingQueue } from './training-queue.js';
import { CO2_MEASUREMENT, monthlyPoints, trainTenantClassifier } from './use-cases.js';

/** Lines estimated between two yields to the event loop (about 50 ms of work). */
const ESTIMATE_SLICE = 1000;

/** Attempts at a correction without If-Match when other corrections of the line keep landing in between. */
const CORRECTION_ATTEMPTS = 5;

/** Most invoice lines one upload may hold (413 beyond): about four seconds of ledger writes on PGlite. */
export const MAX_UPLOAD_LINES = 50_000;

/** Seconds an epoch is assumed to take before the first one has finished (1.2 s idle, more on a busy machine). */
const ASSUMED_EPOCH_SECONDS = 3;

export interface TrainingState {
  /** Waiting for another training of this process to finish (they run one at a time). */
  queued: boolean;
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
  /** Reads large uploads off the event loop; shared in the composition root, else its own (stopped with it). */
  analysis?: AnalysisWorkers;
  /** Trainings run one at a time through it; give one queue to everything that trains in the process. */
  trainingQueue?: TrainingQueue;
  /** Most lines in one upload (MAX_UPLOAD_LINES). */
  maxUploadLines?: number;
}

/** An upload stored while no classifier is ready: its estimates follow when the training has finished. */
export interface PendingEstimates {
  message: string;
  retryAfterSeconds: number;
  training: TrainingState;
}

/**
 * The invoice CO₂ account of each tenant as a service: uploads, estimates, reviewers' corrections, classifier
 * retraining in a worker thread, and the monthly series in the store. The API's routes are thin over it.
 *
 * Classifiers: a tenant's lines are classified by its own model once it has been retrained with its corrections,
 * before that by the shared model trained on the corpus alone. Trainings are queued, one at a time in the process,
 * and never awaited by a request: while no model is ready, reading estimates fails with NOT_READY (503 with
 * Retry-After) and an upload is stored and answered with when its estimates will follow.
 */
export class InvoiceAccounts {
  private readonly ledgers = new Map<string, InvoiceLedger>();
  /** Trainings by tenant, or SHARED_CLASSIFIER for the shared one: the running, queued or last one. */
  private readonly trainings = new Map<string, { state: TrainingState; done: Promise<void> }>();
  private readonly queue: TrainingQueue;
  private readonly analysis: AnalysisWorkers;
  private readonly ownAnalysis: boolean;
  /** Tenants whose monthly series waits for the shared classifier. */
  private readonly pendingMonthly = new Set<string>();
  /** The monthly cells last written, with the ledger revision they were written at. */
  private readonly writtenKeys = new Map<string, { revision: number; keys: Set<string> }>();
  private readonly cache = new Map<string, { key: string; estimates: LineEstimate[] }>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: InvoiceAccountsOptions) {
    this.queue = options.trainingQueue ?? new TrainingQueue();
    this.ownAnalysis = options.analysis === undefined;
    this.analysis = options.analysis ?? new AnalysisWorkers();
  }

  get table(): FactorTable {
    return this.options.table;
  }

  ledger(tenant: string): InvoiceLedger {
    let ledger = this.ledgers.get(tenant);
    if (!ledger) this.ledgers.set(tenant, (ledger = new InvoiceLedger(this.options.records, tenant)));
    return ledger;
  }

  /**
   * The classifier for the tenant's lines, or NOT_READY (503, Retry-After) while none is trained yet: the shared
   * training is then queued (once), never awaited here.
   */
  private classifier(tenant: string): TextClassifier {
    const classifier = this.options.classifiers.forTenant(tenant);
    if (classifier) return classifier;
    const pending = this.pending(tenant);
    throw new GreenopsError('NOT_READY', pending.message, { retryAfterSeconds: pending.retryAfterSeconds });
  }

  /** Queues the shared training if it is not queued yet, and says when estimates can be expected. */
  private pending(tenant: string): PendingEstimates {
    this.enqueueTraining(SHARED_CLASSIFIER);
    const training = this.trainingState(tenant);
    const epochs = this.options.train?.epochs ?? DEFAULT_TRAIN_OPTIONS.epochs;
    const ahead = this.queue.position(SHARED_CLASSIFIER) ?? 0;
    const started = training.startedAt === undefined ? undefined : Date.parse(training.startedAt);
    const perEpoch =
      training.running && training.epochs > 0 && started !== undefined
        ? (Date.now() - started) / 1000 / training.epochs
        : ASSUMED_EPOCH_SECONDS;
    const retryAfterSeconds = Math.min(
      600,
      Math.max(1, Math.ceil(perEpoch * (epochs - training.epochs + ahead * epochs))),
    );
    const progress = training.running
      ? `epoch ${training.epochs} of ${epochs}`
      : `queued behind ${ahead} other training${ahead === 1 ? '' : 's'}`;
    return {
      message: `the invoice classifier is being trained (${progress}); estimates are available in about ${retryAfterSeconds} s`,
      retryAfterSeconds,
      training,
    };
  }

  /**
   * Reads the files (in a worker thread when large), keeps their lines, and answers their estimates; errors name
   * the file and line. More than `maxUploadLines` lines are refused (PAYLOAD_TOO_LARGE) before anything is kept.
   * While no classifier is ready the lines are kept and `pending` says when their estimates will follow.
   */
  async upload(
    tenant: string,
    files: readonly InvoiceFile[],
  ): Promise<{
    added: number;
    replaced: number;
    errors: InvoiceFileError[];
    lines: LineEstimate[];
    pending?: PendingEstimates;
  }> {
    const { lines, errors } = await this.analysis.readInvoices([...files]);
    const max = this.options.maxUploadLines ?? MAX_UPLOAD_LINES;
    if (lines.length > max)
      throw new GreenopsError(
        'PAYLOAD_TOO_LARGE',
        `files: ${lines.length} invoice lines in one upload; at most ${max} are accepted: split the upload`,
        { field: 'files' },
      );
    const { added, replaced, ids, revision } = await this.ledger(tenant).addLines(lines);
    this.ownChange(tenant, revision);
    if (lines.length > 0 && !this.options.classifiers.forTenant(tenant)) {
      this.pendingMonthly.add(tenant);
      return { added, replaced, errors, lines: [], pending: this.pending(tenant) };
    }
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
    const classifier = this.classifier(tenant);
    const key = `${classifier.version}|${revision}`;
    const cached = this.cache.get(tenant);
    if (cached?.key === key) return { revision, estimates: cached.estimates };
    const base = { table: this.table, classifier, reviews: snapshot.reviews };
    // The supplier's history is the whole account's; an invoice's lines are read together, so a slice ends only
    // where an invoice does.
    const context = { ...base, supplierHistory: supplierHistory(lines, base) };
    const estimates: LineEstimate[] = [];
    const documentOf = (i: number) => {
      const l = lines[i] as (typeof lines)[number];
      return `${l.file}\u0000${l.documentType}\u0000${l.documentId}`;
    };
    for (let i = 0; i < lines.length;) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      let end = Math.min(lines.length, i + ESTIMATE_SLICE);
      while (end < lines.length && documentOf(end) === documentOf(end - 1)) end++;
      for (const e of estimateLines(lines.slice(i, end), context)) estimates.push(e);
      i = end;
    }
    this.cache.set(tenant, { key, estimates });
    return { revision, estimates };
  }

  /** The line's current estimate; its `version` is the ETag a correction may be conditioned on. */
  async estimate(tenant: string, id: string): Promise<LineEstimate | undefined> {
    // Read with the rest of the account: the invoice's other lines and the supplier's history decide too.
    return (await this.estimates(tenant)).find((e) => e.id === id);
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

  /** The classifier that applies to the tenant's lines (its own or the shared one), without training one. */
  currentClassifier(tenant: string): TextClassifier | undefined {
    return this.options.classifiers.forTenant(tenant);
  }

  /** Whether the tenant's lines are classified by its own model, the shared one, or none yet. */
  classifierKind(tenant: string): 'tenant' | 'shared' | null {
    if (this.options.classifiers.current(tenant)) return 'tenant';
    return this.options.classifiers.current(SHARED_CLASSIFIER) ? 'shared' : null;
  }

  /** The tenant's own training if it has one, else (while it has no model of its own) the shared one. */
  trainingState(tenant: string): TrainingState {
    const own = this.trainings.get(tenant)?.state;
    const shared = this.options.classifiers.current(tenant)
      ? undefined
      : this.trainings.get(SHARED_CLASSIFIER)?.state;
    return (
      own ??
      shared ?? {
        queued: false,
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
   * Queues a retraining of the tenant's classifier with its corrections (in a worker thread, after the trainings
   * ahead of it); returns at once. False when one is already queued or running. When it finishes, the new model
   * is current and the monthly series is rewritten.
   */
  startTraining(tenant: string): boolean {
    return this.enqueueTraining(tenant);
  }

  private enqueueTraining(key: string): boolean {
    if (this.queue.has(key) || this.stopping.signal.aborted) return false;
    const state: TrainingState = {
      queued: true,
      running: false,
      epochs: 0,
      startedAt: undefined,
      finishedAt: undefined,
      version: undefined,
      error: undefined,
    };
    const shared = key === SHARED_CLASSIFIER;
    const job = async () => {
      state.queued = false;
      state.running = true;
      state.startedAt = new Date().toISOString();
      try {
        const manifest = await trainTenantClassifier({
          store: this.options.classifiers,
          tenant: key,
          corrections: shared ? [] : await this.ledger(key).corrections(),
          signal: this.stopping.signal,
          onEpoch: (epoch) => (state.epochs = epoch),
          ...(this.options.train ? { train: this.options.train } : {}),
        });
        state.version = manifest.version;
        this.options.logger.info(
          { tenant: shared ? undefined : key, version: manifest.version },
          shared ? 'shared invoice classifier trained' : 'invoice classifier retrained',
        );
        const tenants = shared ? [...this.pendingMonthly] : [key];
        if (shared) this.pendingMonthly.clear();
        for (const tenant of tenants)
          if ((await this.ledger(tenant).lines()).length > 0) await this.writeMonthly(tenant);
      } catch (err) {
        state.error = this.stopping.signal.aborted ? 'stopped: greenops is stopping' : errorMessage(err);
        if (this.stopping.signal.aborted)
          this.options.logger.info({ key }, 'invoice classifier training stopped');
        else this.options.logger.error({ key, err }, 'invoice classifier training failed');
      } finally {
        state.queued = false;
        state.running = false;
        state.finishedAt = new Date().toISOString();
      }
    };
    const done = this.queue.enqueue(key, job);
    if (done === false) return false;
    this.trainings.set(key, { state, done });
    return true;
  }

  /** Resolves when no training is running or queued (for tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.trainings.values()].map((t) => t.done));
  }

  /** Stops running trainings (their worker threads end; nothing half-trained is saved) and the workers. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('greenops is stopping'));
    await Promise.allSettled([...this.trainings.values()].map((t) => t.done));
    if (this.ownAnalysis) await this.analysis.stop();
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
