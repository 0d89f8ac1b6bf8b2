import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Point } from '../../core/index.js';
import type { PersonalDataStore, TimeSeriesStore } from '../../store/index.js';

export interface PersonalDataUnderTest {
  store: TimeSeriesStore;
  personal: PersonalDataStore;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const DRIVER_A = 'a1b2c3d4e5f60718';
const DRIVER_B = 'ffeeddccbbaa9988';

let seq = 0;
/** Retention works on a whole measurement (every tenant): each test gets measurements of its own. */
function fresh(prefix: string): string {
  seq += 1;
  return `${prefix}_${process.pid}_${seq}`;
}

function fleet(measurement: string, tenant: string, device: string, timeMs: number, driver: string): Point {
  return {
    measurement,
    tags: { tenant, device, powertrain: 'bev' },
    fields: { lat: 56.15, lon: 10.2, speed_kmh: 40, ignition: true, driver },
    timeMs,
  };
}

async function values(store: TimeSeriesStore, measurement: string, tenant: string, field: string) {
  return store.querySeries({ measurement, tenant, field, fromMs: 0, toMs: NOW + DAY });
}

/**
 * What retention and data-subject requests need from a time-series store, run against DuckDB and a real InfluxDB.
 * InfluxDB cannot drop one field of a point, so a cleared string reads back as '' there and as absent in DuckDB:
 * the contract is that no value is left.
 */
export function personalDataStoreContract(name: string, open: () => Promise<PersonalDataUnderTest>): void {
  describe(`PersonalDataStore contract: ${name}`, () => {
    let t: PersonalDataUnderTest;
    beforeAll(async () => {
      t = await open();
    });
    afterAll(() => t?.close());

    it('deletes the points of a measurement older than the cut-off and keeps the newer ones and other measurements', async () => {
      const m = fresh('fleet');
      const other = fresh('energy');
      await t.store.write([
        fleet(m, 'aarhus', 'v1', NOW - 100 * DAY, DRIVER_A),
        fleet(m, 'odense', 'v2', NOW - 95 * DAY, DRIVER_B),
        fleet(m, 'aarhus', 'v1', NOW - 10 * DAY, DRIVER_A),
        {
          measurement: other,
          tags: { tenant: 'aarhus', device: 'm1' },
          fields: { kwh: 1 },
          timeMs: NOW - 400 * DAY,
        },
      ]);
      const count = await t.personal.deleteOlderThan(m, NOW - 90 * DAY);
      if (count !== undefined) expect(count).toBe(2);
      expect((await values(t.store, m, 'aarhus', 'lat')).map((r) => r.timeMs)).toEqual([NOW - 10 * DAY]);
      expect(await values(t.store, m, 'odense', 'lat')).toEqual([]);
      expect(await values(t.store, other, 'aarhus', 'kwh')).toHaveLength(1);
    });

    it('clears an identifier older than its period and keeps the rest of each point, nanosecond identities included', async () => {
      const m = fresh('road');
      const detection = (timeMs: number, nanos: number, ref: string): Point => ({
        measurement: m,
        tags: { tenant: 'aarhus', device: 'cam-1', damage: 'D40' },
        fields: { confidence: 0.9, image_ref: ref, detection_id: `d-${nanos}` },
        timeMs,
        nanos,
      });
      const old = NOW - 40 * DAY;
      await t.store.write([
        detection(old, 123_456, 's3://frames/1.jpg'),
        detection(old, 654_321, 's3://frames/2.jpg'),
        detection(NOW - DAY, 7, 's3://frames/3.jpg'),
      ]);
      expect(await t.personal.clearStringFieldOlderThan(m, 'image_ref', NOW - 30 * DAY)).toBe(2);
      const refs = (await values(t.store, m, 'aarhus', 'image_ref')).filter((r) => r.value !== '');
      expect(refs.map((r) => r.value)).toEqual(['s3://frames/3.jpg']);
      // The detections themselves stay: two at the same millisecond, apart by their nanoseconds.
      expect(await values(t.store, m, 'aarhus', 'confidence')).toHaveLength(3);
      expect(await t.personal.clearStringFieldOlderThan(m, 'image_ref', NOW - 30 * DAY)).toBe(0);
    });

    it("finds a driver's points with every field, in the tenant only, in pages that lose nothing at equal times", async () => {
      const m = fresh('fleet');
      const t0 = NOW - 5 * DAY;
      // Two vehicles report at the same instants: page cuts must not fall between them.
      const mine = [0, 0, 1, 1, 2, 3].map((k, i) =>
        fleet(m, 'aarhus', `v${i % 2}`, t0 + k * 10_000, DRIVER_A),
      );
      await t.store.write([
        ...mine,
        fleet(m, 'aarhus', 'v9', t0, DRIVER_B),
        fleet(m, 'odense', 'v1', t0, DRIVER_A),
      ]);
      const match = { measurement: m, tenant: 'aarhus', field: 'driver', value: DRIVER_A };
      const found: Point[] = [];
      let afterNs: string | undefined;
      for (let page = 0; page < 10; page++) {
        const points = await t.personal.pointsWithField(match, { limit: 3, ...(afterNs ? { afterNs } : {}) });
        if (points.length === 0) break;
        expect(points.length).toBeLessThanOrEqual(3);
        found.push(...points);
        const last = points.at(-1) as Point;
        afterNs = (BigInt(last.timeMs) * 1_000_000n + BigInt(last.nanos ?? 0)).toString();
      }
      expect(found.map((p) => `${p.tags.device}@${p.timeMs - t0}`).sort()).toEqual(
        mine.map((p) => `${p.tags.device}@${p.timeMs - t0}`).sort(),
      );
      expect(found[0]).toMatchObject({
        tags: { tenant: 'aarhus', powertrain: 'bev' },
        fields: { lat: 56.15, lon: 10.2, speed_kmh: 40, ignition: true, driver: DRIVER_A },
      });
    });

    it("erases a driver's points in one tenant and nobody else's", async () => {
      const m = fresh('fleet');
      const t0 = NOW - 3 * DAY;
      await t.store.write([
        ...[0, 1, 2].map((k) => fleet(m, 'aarhus', 'v1', t0 + k * 10_000, DRIVER_A)),
        fleet(m, 'aarhus', 'v1', t0 + 30_000, DRIVER_B),
        fleet(m, 'odense', 'v1', t0, DRIVER_A),
      ]);
      expect(
        await t.personal.deletePointsWithField({
          measurement: m,
          tenant: 'aarhus',
          field: 'driver',
          value: DRIVER_A,
        }),
      ).toBe(3);
      expect((await values(t.store, m, 'aarhus', 'driver')).map((r) => r.value)).toEqual([DRIVER_B]);
      expect((await values(t.store, m, 'odense', 'driver')).map((r) => r.value)).toEqual([DRIVER_A]);
    });
  });
}
