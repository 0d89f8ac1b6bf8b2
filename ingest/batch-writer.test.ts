import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger, GreenopsError, storeUnavailable, type Point } from '../core/index.js';
import type { DeadLetterInput, DeadLetterStore, TimeSeriesStore } from '../store/index.js';
import { openTempDuckDb, type TempDuckDb } from '../test/harness/temp-duckdb.js';
import { BatchWriter } from './batch-writer.js';
import { RegisterTracker } from './register-tracker.js';

/** Fault injection around the real DuckDB store: the next `failures` calls fail the way `error` says. */
function faulty<T extends object>(
  real: T,
  method: keyof T,
  failures: { count: number; error: () => Error },
): T {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== method || typeof value !== 'function')
        return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        if (failures.count > 0) {
          failures.count -= 1;
          throw failures.error();
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const point = (i: number): Point => ({
  measurement: 'fleet',
  tags: { tenant: 't', device: 'v' },
  fields: { speed_kmh: i },
  timeMs: Date.UTC(2026, 0, 5) + i * 1000,
});

describe('BatchWriter', () => {
  let db: TempDuckDb;
  afterEach(async () => {
    await db?.close();
    db?.remove();
  });

  function writer(store: TimeSeriesStore, deadLetters: DeadLetterStore = db.deadLetters) {
    const { logger } = createMemoryLogger();
    return new BatchWriter({
      store,
      deadLetters,
      registers: new RegisterTracker(store, logger),
      logger,
      batchSize: 1000,
      flushMs: 10,
      retryMinMs: 5,
      spillDir: db.dir,
    });
  }

  it('acknowledges messages only after their points are durable, retrying a store that fails for a while', async () => {
    db = await openTempDuckDb();
    const failures = { count: 3, error: () => storeUnavailable('store down') };
    const w = writer(faulty(db.store, 'write', failures));
    const acked: number[] = [];
    for (let i = 0; i < 5; i++) {
      w.addPoints([point(i)]);
      w.addAck(() => acked.push(i));
    }
    expect(acked).toEqual([]);
    await w.flush();
    expect(acked).toEqual([0, 1, 2, 3, 4]);
    expect(w.stats.writeFailures).toBe(3);
    expect((await db.store.listDevices('fleet', 't'))[0]?.records).toBe(5);
  });

  it('turns a batch the store refuses for its content into a dead letter instead of retrying it forever', async () => {
    db = await openTempDuckDb();
    const failures = {
      count: 1,
      error: () => new GreenopsError('STORE_FAILED', 'field type conflict', { retryable: false }),
    };
    const w = writer(faulty(db.store, 'write', failures));
    let acked = false;
    w.addPoints([point(1)]);
    w.addAck(() => (acked = true));
    await w.flush();
    expect(acked).toBe(true);
    const page = await db.deadLetters.list({ limit: 5 });
    expect(page.items[0]?.reason).toBe('store refused the point: field type conflict');
    expect(JSON.parse(Buffer.from(page.items[0]!.payload).toString())).toEqual(point(1));
  });

  it('isolates the one point a real DuckDB refuses (year 1) and stores the rest of its batch', async () => {
    db = await openTempDuckDb();
    const w = writer(db.store);
    const poison: Point = { ...point(0), timeMs: Date.UTC(1, 0, 1) - 1900 * 365.25 * 86_400_000 };
    const acked: number[] = [];
    for (let i = 1; i <= 40; i++) {
      w.addPoints(i === 17 ? [poison] : [point(i)]);
      w.addAck(() => acked.push(i));
    }
    await w.flush();
    expect(acked).toHaveLength(40);
    expect((await db.store.listDevices('fleet', 't'))[0]?.records).toBe(39);
    const page = await db.deadLetters.list({ limit: 5 });
    expect(page.total).toBe(1);
    expect(page.items[0]?.reason).toMatch(/^store refused the point: /);
    expect(JSON.parse(Buffer.from(page.items[0]!.payload).toString())).toEqual(poison);
  });

  it('spills dead letters the dead-letter store refuses to a file, so nothing is lost or blocked', async () => {
    db = await openTempDuckDb();
    const failures = {
      count: 1,
      error: () => new GreenopsError('STORE_FAILED', 'cannot store that', { retryable: false }),
    };
    const w = writer(db.store, faulty(db.deadLetters, 'add', failures));
    const entry: DeadLetterInput = {
      receivedMs: 1,
      topic: 'greenops/v1/t/fleet/v',
      reason: 'bad',
      payload: Buffer.from([1, 2, 3]),
    };
    w.addDeadLetter(entry);
    w.addPoints([point(2)]);
    await w.flush();
    const file = join(db.dir, 'dead-letters-spilled.jsonl');
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8').trim())).toMatchObject({
      topic: entry.topic,
      reason: 'bad',
      payload: 'AQID',
      storeError: 'cannot store that',
    });
    expect((await db.store.listDevices('fleet', 't'))[0]?.records).toBe(1);
  });

  it('leaves messages unacknowledged when it is closed while the store is still down', async () => {
    db = await openTempDuckDb();
    const w = writer(
      faulty(db.store, 'write', { count: 1_000_000, error: () => storeUnavailable('store down') }),
    );
    let acked = false;
    w.addPoints([point(1)]);
    w.addAck(() => (acked = true));
    await w.close(200);
    expect(acked).toBe(false);
  });
});
