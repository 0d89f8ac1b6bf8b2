/**
 * A job that runs after `firstAfterMs`, then `everyMs` after each run has ended: runs never overlap, however long
 * one takes. `stop()` cancels the next run and resolves when the run in progress (if any) has ended, so nothing runs
 * on stores that are being closed. Timers are unref'd: a pending run never keeps the process alive. A run's
 * rejection is swallowed here (each job logs its own failures); the next run tries again.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly timing: { firstAfterMs: number; everyMs: number },
  ) {}

  /** Schedules the first run; does nothing when `everyMs` is 0 or less (the job is switched off). */
  start(): void {
    if (this.timing.everyMs <= 0 || this.stopped) return;
    this.schedule(this.timing.firstAfterMs);
  }

  /** True once stop() was called: a long run may check it between steps and end early. */
  get stopping(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.run()
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.timing.everyMs);
        });
    }, ms);
    this.timer.unref();
  }
}
