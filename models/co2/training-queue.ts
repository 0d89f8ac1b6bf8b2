/**
 * Classifier trainings of one process, run one at a time in the order asked. A training takes a CPU core for
 * seconds to a minute; trainings started per request (one per new tenant) made uploads hang for minutes on a
 * 2-core machine (issue 18). One key (a tenant) is queued at most once.
 */
export class TrainingQueue {
  private readonly waiting: {
    key: string;
    job: () => Promise<void>;
    resolve: () => void;
    reject: (err: unknown) => void;
  }[] = [];
  private running: string | undefined;

  /** Whether `key` is running or waiting. */
  has(key: string): boolean {
    return this.running === key || this.waiting.some((w) => w.key === key);
  }

  /** Trainings ahead of `key` (0: it runs now); undefined when it is not queued. */
  position(key: string): number | undefined {
    if (this.running === key) return 0;
    const index = this.waiting.findIndex((w) => w.key === key);
    return index < 0 ? undefined : index + (this.running === undefined ? 0 : 1);
  }

  /**
   * Queues `job` under `key` and resolves when it has run (rejecting as it does). False, without queueing, when
   * `key` is already queued or running.
   */
  enqueue(key: string, job: () => Promise<void>): Promise<void> | false {
    if (this.has(key)) return false;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ key, job, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.running !== undefined) return;
    const item = this.waiting.shift();
    if (!item) return;
    this.running = item.key;
    // The key leaves the queue before its caller hears of the outcome, so it can be queued again at once.
    const settle = (outcome: () => void) => {
      this.running = undefined;
      this.next();
      outcome();
    };
    item.job().then(
      () => settle(item.resolve),
      (err: unknown) => settle(() => item.reject(err)),
    );
  }
}
