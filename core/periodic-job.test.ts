import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicJob } from './periodic-job.js';

describe('PeriodicJob', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A run that ends only when the test says so. */
  const controlledRuns = () => {
    const started: Array<() => void> = [];
    const run = () =>
      new Promise<void>((resolve) => {
        started.push(resolve);
      });
    return { started, run };
  };

  it('waits firstAfterMs, then everyMs after each run has ended: runs never overlap', async () => {
    const { started, run } = controlledRuns();
    const job = new PeriodicJob(run, { firstAfterMs: 1_000, everyMs: 10_000 });
    job.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toHaveLength(1);
    // The first run takes a minute: no second run starts meanwhile.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toHaveLength(1);
    started[0]?.();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toHaveLength(2);
    started[1]?.();
    await job.stop();
  });

  it('keeps its schedule after a run fails', async () => {
    let runs = 0;
    const job = new PeriodicJob(
      async () => {
        runs++;
        throw new Error('store down');
      },
      { firstAfterMs: 0, everyMs: 1_000 },
    );
    job.start();
    await vi.advanceTimersByTimeAsync(2_500);
    expect(runs).toBe(3);
    await job.stop();
  });

  it('stop() waits for the run in progress and nothing runs after it', async () => {
    const { started, run } = controlledRuns();
    const job = new PeriodicJob(run, { firstAfterMs: 0, everyMs: 1_000 });
    job.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(1);
    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    expect(job.stopping).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(stopped).toBe(false);
    started[0]?.();
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toHaveLength(1);
  });

  it('never starts when switched off (everyMs 0) or already stopped', async () => {
    const { started, run } = controlledRuns();
    new PeriodicJob(run, { firstAfterMs: 0, everyMs: 0 }).start();
    const stoppedFirst = new PeriodicJob(run, { firstAfterMs: 0, everyMs: 1_000 });
    await stoppedFirst.stop();
    stoppedFirst.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(started).toHaveLength(0);
  });
});
