import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger, decodeMessage, type EnergyRecord, type Point } from '../core/index.js';
import { openTempDuckDb, type TempDuckDb } from '../test/harness/temp-duckdb.js';
import { RegisterTracker } from './register-tracker.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);
const TOPIC = 'greenops/v1/aarhus/energy/gw-1';

function reading(hour: number, value: number, extra: Partial<EnergyRecord> = {}) {
  const record = {
    id: `r${hour}`,
    ts: new Date(T0 + hour * H).toISOString(),
    meterId: 'm1',
    siteId: 's1',
    quantity: 'electricity',
    unit: 'kWh',
    kind: 'register',
    value,
    ...extra,
  };
  const [decoded] = decodeMessage(TOPIC, Buffer.from(JSON.stringify(record)), T0 + 100 * H).records;
  if (!decoded) throw new Error('fixture record is invalid');
  const point = decoded.points[0] as Point;
  return {
    point,
    reading: {
      tenant: 'aarhus',
      tags: point.tags,
      record: decoded.record as unknown as EnergyRecord,
      timeMs: decoded.timeMs,
    },
  };
}

describe('RegisterTracker', () => {
  let db: TempDuckDb | undefined;
  afterEach(async () => {
    await db?.close();
    db?.remove();
    db = undefined;
  });

  async function feed(tracker: RegisterTracker, readings: ReturnType<typeof reading>[]): Promise<Point[]> {
    const intervals: Point[] = [];
    for (const r of readings) {
      const interval = await tracker.intervalFor(r.reading);
      await db!.store.write([r.point, ...(interval ? [interval] : [])]);
      if (interval) intervals.push(interval);
    }
    return intervals;
  }

  it('turns consecutive readings into consumption stamped at the start of each interval', async () => {
    db = await openTempDuckDb();
    const tracker = new RegisterTracker(db.store, createMemoryLogger().logger);
    const intervals = await feed(tracker, [reading(0, 100), reading(1, 112.5), reading(3, 130)]);
    expect(intervals.map((p) => [p.timeMs, p.fields.kwh, p.fields.interval_s])).toEqual([
      [T0, 12.5, 3600],
      [T0 + H, 17.5, 7200],
    ]);
  });

  it('counts through a declared rollover', async () => {
    db = await openTempDuckDb();
    const tracker = new RegisterTracker(db.store, createMemoryLogger().logger);
    const intervals = await feed(tracker, [
      reading(0, 99_990, { rolloverAt: 100_000 }),
      reading(1, 15, { rolloverAt: 100_000 }),
    ]);
    expect(intervals[0]?.fields.kwh).toBe(25);
    expect(intervals[0]?.fields.flag).toBeUndefined();
  });

  it('flags a drop without a declared rollover as a meter reset and logs it', async () => {
    db = await openTempDuckDb();
    const { logger, lines } = createMemoryLogger();
    const tracker = new RegisterTracker(db.store, logger);
    const intervals = await feed(tracker, [reading(0, 5000), reading(1, 3)]);
    expect(intervals[0]?.fields).toMatchObject({ kwh: 3, flag: 'reset' });
    expect(lines().some((l) => l.msg === 'meter register reset')).toBe(true);
  });

  it('continues from the last reading in the store after a restart', async () => {
    db = await openTempDuckDb();
    await feed(new RegisterTracker(db.store, createMemoryLogger().logger), [
      reading(0, 100),
      reading(1, 110),
    ]);
    const restarted = new RegisterTracker(db.store, createMemoryLogger().logger);
    const intervals = await feed(restarted, [reading(2, 125)]);
    expect(intervals.map((p) => [p.timeMs, p.fields.kwh])).toEqual([[T0 + H, 15]]);
  });

  it('adds nothing for a re-sent reading', async () => {
    db = await openTempDuckDb();
    const tracker = new RegisterTracker(db.store, createMemoryLogger().logger);
    const intervals = await feed(tracker, [reading(0, 100), reading(1, 110), reading(1, 110)]);
    expect(intervals).toHaveLength(1);
  });
});
