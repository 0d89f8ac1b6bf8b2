import { describe, expect, it } from 'vitest';
import { TrainingQueue } from './training-queue.js';

/** A job that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    job: async () => {
      log.push(`start ${name}`);
      await released;
      log.push(`end ${name}`);
    },
    release: () => release(),
  };
}

describe('training queue', () => {
  it('runs one training at a time, in the order asked', async () => {
    const log: string[] = [];
    const queue = new TrainingQueue();
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const doneA = queue.enqueue('a', a.job);
    const doneB = queue.enqueue('b', b.job);
    await Promise.resolve();
    expect(log).toEqual(['start a']);
    expect([queue.position('a'), queue.position('b')]).toEqual([0, 1]);
    a.release();
    await doneA;
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.release();
    await doneB;
    expect(queue.has('a') || queue.has('b')).toBe(false);
  });

  it('queues a key once: asking again while it waits or runs is refused', async () => {
    const log: string[] = [];
    const queue = new TrainingQueue();
    const a = gate(log, 'a');
    const done = queue.enqueue('a', a.job);
    expect(queue.enqueue('a', gate(log, 'a again').job)).toBe(false);
    a.release();
    await done;
    expect(log).toEqual(['start a', 'end a']);
  });

  it('goes on with the next training when one fails', async () => {
    const queue = new TrainingQueue();
    const failed = queue.enqueue('a', () => Promise.reject(new Error('out of memory')));
    const next = queue.enqueue('b', () => Promise.resolve());
    await expect(failed).rejects.toThrow('out of memory');
    await expect(next).resolves.toBeUndefined();
  });
});
