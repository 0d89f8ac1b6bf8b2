import type { Worker } from 'node:worker_threads';
import { GreenopsError } from '../core/index.js';
import { startModuleWorker } from './worker-thread.js';

export interface WorkerPoolOptions {
  /** Worker threads at most (started on demand). */
  size: number;
  /** Tasks waiting for a worker at most; one more is refused with BUSY (503, Retry-After). */
  maxQueued: number;
  /** Names the work in errors and logs. */
  what: string;
}

export const DEFAULT_WORKER_POOL_OPTIONS: WorkerPoolOptions = { size: 1, maxQueued: 16, what: 'analysis' };

interface Job {
  task: unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/**
 * A bounded set of long-lived worker threads running one module that answers `{ id, task }` with
 * `{ id, ok: true, result }` or `{ id, ok: false, message }`. Heavy computations of a request run there, so the
 * event loop serving the API (and, in `greenops start`, the ingest and the broker) stays free; tasks beyond the
 * queue bound are refused at once instead of piling up memory. Workers start on the first task and are unref'd,
 * so an idle pool keeps no process alive; a worker that dies fails its task and is replaced on the next one.
 */
export class WorkerPool<Task, Result> {
  private readonly options: WorkerPoolOptions;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private stopped = false;

  constructor(
    private readonly moduleUrl: URL,
    options: Partial<WorkerPoolOptions> = {},
  ) {
    this.options = { ...DEFAULT_WORKER_POOL_OPTIONS, ...options };
  }

  /** Tasks running or waiting. */
  get load(): number {
    return this.slots.filter((s) => s.job).length + this.queue.length;
  }

  run(task: Task): Promise<Result> {
    if (this.stopped) return Promise.reject(new Error(`${this.options.what} workers are stopped`));
    if (this.queue.length >= this.options.maxQueued)
      return Promise.reject(
        new GreenopsError(
          'BUSY',
          `${this.options.what}: ${this.options.maxQueued} heavy requests are already waiting; try again shortly`,
          { retryAfterSeconds: 5 },
        ),
      );
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ task, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Ends the workers; running and waiting tasks fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    const stopping = new Error(`${this.options.what} workers are stopping`);
    for (const job of this.queue.splice(0)) job.reject(stopping);
    await Promise.all(
      this.slots.splice(0).map(async (slot) => {
        slot.job?.reject(stopping);
        await slot.worker.terminate();
      }),
    );
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.job) ?? this.spawn();
      if (!slot) return;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: this.nextId++, task: job.task });
    }
  }

  private spawn(): Slot | undefined {
    if (this.slots.length >= this.options.size) return undefined;
    const worker = startModuleWorker(this.moduleUrl, undefined);
    const slot: Slot = { worker, job: undefined };
    const finish = (settle: (job: Job) => void) => {
      const job = slot.job;
      slot.job = undefined;
      worker.unref();
      if (job) settle(job);
      this.dispatch();
    };
    worker.on('message', (m: { ok: boolean; result?: unknown; message?: string }) =>
      finish((job) =>
        m.ok ? job.resolve(m.result) : job.reject(new Error(`${this.options.what} failed: ${m.message}`)),
      ),
    );
    const dead = (err: Error) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      finish((job) => job.reject(err));
    };
    worker.on('error', dead);
    worker.on('exit', (code) => dead(new Error(`${this.options.what} worker exited with ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}
