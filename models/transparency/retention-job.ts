import { PeriodicJob, type Logger, type Metric, type RetentionRule } from '../../core/index.js';
import type { DeadLetterStore, PersonalDataStore } from '../../store/index.js';

export interface RetentionOutcome {
  key: string;
  measurement: string;
  field: string | undefined;
  days: number;
  cutoff: string;
  /** Points deleted or values cleared; null when the store does not say (InfluxDB's DELETE). */
  removed: number | null;
}

const DAY_MS = 86_400_000;
/** Dead letters read per page while looking for expired ones, and the most pages one run reads. */
const DEAD_LETTER_PAGE = 500;
const MAX_DEAD_LETTER_PAGES = 2000;

/** Deletes dead letters received before the cut-off; the store lists them newest first. */
async function expireDeadLetters(deadLetters: DeadLetterStore, cutoffMs: number): Promise<number> {
  let removed = 0;
  let before: number | undefined;
  for (let page = 0; page < MAX_DEAD_LETTER_PAGES; page++) {
    const { items, nextBefore } = await deadLetters.list({
      limit: DEAD_LETTER_PAGE,
      ...(before === undefined ? {} : { before }),
    });
    const expired = items.filter((d) => d.receivedMs < cutoffMs).map((d) => d.id);
    if (expired.length > 0) {
      await deadLetters.delete(expired);
      removed += expired.length;
    }
    if (nextBefore === null) break;
    before = nextBefore;
  }
  return removed;
}

/** Applies every rule once: whole measurements by their period, identifying fields by theirs. */
export async function applyRetention(
  personal: PersonalDataStore,
  rules: readonly RetentionRule[],
  nowMs: number,
  deadLetters?: DeadLetterStore,
): Promise<RetentionOutcome[]> {
  const outcomes: RetentionOutcome[] = [];
  for (const rule of rules) {
    const cutoff = nowMs - rule.days * DAY_MS;
    if (rule.key === 'dead-letters' && !deadLetters) continue;
    const removed =
      rule.key === 'dead-letters'
        ? await expireDeadLetters(deadLetters as DeadLetterStore, cutoff)
        : rule.field === undefined
          ? await personal.deleteOlderThan(rule.measurement, cutoff)
          : await personal.clearStringFieldOlderThan(rule.measurement, rule.field, cutoff);
    outcomes.push({
      key: rule.key,
      measurement: rule.measurement,
      field: rule.field,
      days: rule.days,
      cutoff: new Date(cutoff).toISOString(),
      removed: removed ?? null,
    });
  }
  return outcomes;
}

/**
 * The scheduled retention job (GDPR Art. 5(1)(e)): every `everyHours`, the first a minute after start. A failed run
 * is logged and retried at the next; start()/stop() like every runnable.
 */
export class RetentionJob {
  private job: PeriodicJob | undefined;
  private removed = new Map<string, number>();
  private lastRunMs = 0;

  constructor(
    private readonly options: {
      personal: PersonalDataStore;
      /** Refused input, expired by the `dead-letters` rule; without it that rule is skipped. */
      deadLetters?: DeadLetterStore;
      rules: readonly RetentionRule[];
      everyHours: number;
      logger: Logger;
      now?: () => number;
      firstAfterMs?: number;
    },
  ) {}

  start(): void {
    this.job ??= new PeriodicJob(() => this.runOnce(), {
      firstAfterMs: this.options.firstAfterMs ?? 60_000,
      everyMs: this.options.everyHours * 3_600_000,
    });
    this.job.start();
  }

  async runOnce(): Promise<RetentionOutcome[]> {
    const { logger } = this.options;
    try {
      const outcomes = await applyRetention(
        this.options.personal,
        this.options.rules,
        (this.options.now ?? Date.now)(),
        this.options.deadLetters,
      );
      for (const o of outcomes) this.removed.set(o.key, (this.removed.get(o.key) ?? 0) + (o.removed ?? 0));
      this.lastRunMs = (this.options.now ?? Date.now)();
      logger.info({ outcomes }, 'retention applied');
      return outcomes;
    } catch (err) {
      logger.error({ err }, 'retention run failed');
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.job?.stop();
  }

  metrics(): Metric[] {
    return [
      {
        name: 'greenops_retention_removed_total',
        help: 'Points deleted or identifiers cleared by retention in this process (InfluxDB deletes uncounted)',
        type: 'counter',
        samples: [...this.removed].map(([key, value]) => ({ labels: { rule: key }, value })),
      },
      {
        name: 'greenops_retention_last_run_seconds',
        help: 'Time of the last successful retention run (epoch seconds; 0: none yet)',
        type: 'gauge',
        samples: [{ value: this.lastRunMs / 1000 }],
      },
    ];
  }
}
