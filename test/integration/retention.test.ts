import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, loadConfig, retentionRules, type Point } from '../../core/index.js';
import { RetentionJob } from '../../models/index.js';
import {
  DuckDbPersonalData,
  InfluxDeadLetterStore,
  InfluxPersonalData,
  InfluxStore,
  type DeadLetterStore,
  type PersonalDataStore,
  type TimeSeriesStore,
} from '../../store/index.js';
import { requireServer } from '../harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../harness/influxd.js';
import { openTempDuckDb } from '../harness/temp-duckdb.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 8, 1);
const DRIVER = '0123456789abcdef';

/** Data of every stream, each just older and just newer than its default period. */
function points(): Point[] {
  const fleet = (ageDays: number): Point => ({
    measurement: 'fleet',
    tags: { tenant: 'aarhus', device: 'van-1' },
    fields: { lat: 56.1, lon: 10.2, speed_kmh: 30, ignition: true, driver: DRIVER },
    timeMs: NOW - ageDays * DAY,
  });
  const road = (ageDays: number, nanos: number): Point => ({
    measurement: 'road',
    tags: { tenant: 'aarhus', device: 'cam-1', damage: 'D40' },
    fields: { confidence: 0.8, detection_id: `d${ageDays}`, image_ref: `frames/${ageDays}.jpg` },
    timeMs: NOW - ageDays * DAY,
    nanos,
  });
  const energy = (ageDays: number): Point => ({
    measurement: 'energy',
    tags: { tenant: 'aarhus', device: 'm-1', site: 's', quantity: 'electricity' },
    fields: { kwh: 1, interval_s: 3600 },
    timeMs: NOW - ageDays * DAY,
  });
  return [
    fleet(100),
    fleet(40),
    fleet(5),
    road(1900, 17),
    road(45, 123_456),
    road(2, 9),
    energy(4000),
    energy(3000),
  ];
}

async function read(store: TimeSeriesStore, measurement: string, field: string) {
  const rows = await store.querySeries({ measurement, tenant: 'aarhus', field, fromMs: 0, toMs: NOW + DAY });
  return rows.filter((r) => r.value !== '').map((r) => Math.round((NOW - r.timeMs) / DAY));
}

function retentionSuite(
  name: string,
  open: () => Promise<{
    store: TimeSeriesStore;
    personal: PersonalDataStore;
    deadLetters: DeadLetterStore;
    close(): Promise<void>;
  }>,
) {
  describe(`the retention job on ${name}`, () => {
    let t: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      t = await open();
      await t.store.write(points());
      await t.deadLetters.add(
        [45, 3].map((age) => ({
          receivedMs: NOW - age * DAY,
          topic: 'greenops/v1/aarhus/fleet/van-1',
          tenant: 'aarhus',
          stream: 'fleet',
          reason: `refused ${age} days ago`,
          payload: Buffer.from(`{"driverId":"${DRIVER}","age":${age}}`),
        })),
      );
    });
    afterAll(() => t?.close());

    it('deletes data older than its period and clears identifiers older than theirs, keeping everything younger', async () => {
      const job = new RetentionJob({
        personal: t.personal,
        deadLetters: t.deadLetters,
        rules: retentionRules(),
        everyHours: 24,
        logger: createMemoryLogger().logger,
        now: () => NOW,
      });
      const outcomes = await job.runOnce();
      expect(outcomes.map((o) => o.key)).toEqual([
        'fleet.driver',
        'road.image_ref',
        'dead-letters',
        'fleet',
        'road',
        'traffic',
        'energy',
      ]);
      // Raw positions: 90 days; the pseudonym: 30 days.
      expect(await read(t.store, 'fleet', 'lat')).toEqual([40, 5]);
      expect(await read(t.store, 'fleet', 'driver')).toEqual([5]);
      // Detections: five years; their frame references: 30 days.
      expect(await read(t.store, 'road', 'confidence')).toEqual([45, 2]);
      expect(await read(t.store, 'road', 'image_ref')).toEqual([2]);
      // Refused input (it may hold a pseudonym): 30 days.
      const left = await t.deadLetters.list({ limit: 10 });
      expect(left.items.map((d) => d.reason)).toEqual(['refused 3 days ago']);
      // Meter readings: ten years.
      expect(await read(t.store, 'energy', 'kwh')).toEqual([3000]);
      // Shortest first: the pseudonyms at 100 and 40 days are cleared before the 100-day point goes.
      expect(outcomes.find((o) => o.key === 'fleet.driver')?.removed).toBe(2);
      const metric = job.metrics().find((m) => m.name === 'greenops_retention_last_run_seconds');
      expect(metric?.samples[0]?.value).toBe(NOW / 1000);
      // A second run finds nothing more to clear.
      const again = await job.runOnce();
      expect(again.find((o) => o.key === 'road.image_ref')?.removed).toBe(0);
    });
  });
}

retentionSuite('DuckDB', async () => {
  const db = await openTempDuckDb();
  return {
    store: db.store,
    personal: new DuckDbPersonalData(db.db),
    deadLetters: db.deadLetters,
    close: async () => {
      await db.close();
      db.remove();
    },
  };
});

describe.runIf(requireServer('influxd'))('on a real influxd', () => {
  let server: InfluxServer;
  beforeAll(async () => {
    server = await startInfluxd('greenops_retention');
  });
  afterAll(() => server?.destroy());
  retentionSuite('InfluxDB 1.x', async () => {
    const store = await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
    });
    return {
      store,
      personal: new InfluxPersonalData(store),
      deadLetters: new InfluxDeadLetterStore(store),
      close: async () => undefined,
    };
  });
});

describe('retention configuration', () => {
  it('takes periods per stream and identifier from GREENOPS_RETENTION and refuses unknown keys by name', () => {
    const config = loadConfig({ env: { GREENOPS_RETENTION: 'fleet=60, fleet.driver=7' } });
    const rules = retentionRules(config.retention);
    expect(rules.find((r) => r.key === 'fleet')?.days).toBe(60);
    expect(rules[0]).toMatchObject({ key: 'fleet.driver', days: 7, field: 'driver', measurement: 'fleet' });
    expect(() => loadConfig({ env: { GREENOPS_RETENTION: 'fleet.lat=7' } })).toThrow(
      /GREENOPS_RETENTION "fleet.lat" is not one of/,
    );
    expect(() => loadConfig({ env: { GREENOPS_RETENTION: 'fleet=0' } })).toThrow(
      /GREENOPS_RETENTION must be an integer/,
    );
  });
});
