import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/index.js';
import {
  CounterExposure,
  DefectTracker,
  ROAD_MIGRATIONS,
  RoadDefects,
  type Detection,
} from '../../models/index.js';
import { PgliteRecordStore, migrate, type RecordStore } from '../../store/index.js';

const M = 1 / 111_320;

/** Three potholes seen by two vehicles on every lap; the detections of lap `lap`. */
function lap(lap: number): Detection[] {
  return [0, 1, 2].flatMap((k) =>
    ['v1', 'v2'].map((vehicle, j) => ({
      id: `${vehicle}-${lap}-${k}`,
      tenant: 'aarhus',
      device: `cam-${vehicle}`,
      vehicle,
      timeMs: Date.UTC(2026, 0, 1) + lap * 3_600_000 + j * 1_200_000 + k * 1000,
      lat: 56.15 + k * 0.001 + (((lap * 7 + k) % 5) - 2) * M,
      lon: 10.2 + (((lap * 3 + j) % 5) - 2) * M,
      headingDeg: 90,
      damage: 'D40' as const,
      confidence: 0.8,
      bbox: { x: 0.3, y: 0.6, w: 0.2, h: 0.1 },
      imageRef: undefined,
      modelVersion: 'm1',
    })),
  );
}

async function tracker(records: RecordStore): Promise<DefectTracker> {
  const t = new DefectTracker({
    records,
    exposure: new CounterExposure({ locations: {}, maxDistanceM: 500, defaultAadt: 2000 }),
    logger: createMemoryLogger().logger,
  });
  await t.start();
  return t;
}

const rows = (records: RecordStore) =>
  records.query<{ id: string; sightings: number; drives: number }>(
    "SELECT id, sightings, drives FROM road_defects WHERE status <> 'merged' ORDER BY id",
  );

describe('the defect tracker over the records store', () => {
  it('gives the same defects across a restart as in one run, and counts a replay once', async () => {
    const once = await PgliteRecordStore.open('memory://');
    const twice = await PgliteRecordStore.open('memory://');
    await migrate(once, [ROAD_MIGRATIONS]);
    await migrate(twice, [ROAD_MIGRATIONS]);
    try {
      const a = await tracker(once);
      for (let l = 0; l < 6; l++) await Promise.all(lap(l).map((d) => a.addDetection(d)));
      await a.stop();

      const b1 = await tracker(twice);
      for (let l = 0; l < 3; l++) await Promise.all(lap(l).map((d) => b1.addDetection(d)));
      await b1.stop();
      const b2 = await tracker(twice);
      // The first laps delivered again after the restart (a broker redelivering), then the rest.
      for (let l = 0; l < 6; l++) await Promise.all(lap(l).map((d) => b2.addDetection(d)));
      await b2.stop();

      const expected = await rows(once);
      expect(expected).toHaveLength(3);
      expect(expected.every((r) => r.sightings === 12 && r.drives === 12)).toBe(true);
      expect(await rows(twice)).toEqual(expected);
    } finally {
      await once.close();
      await twice.close();
    }
  });

  it('rebuilds defects from the sightings written after the last checkpoint (a crash between the two)', async () => {
    const records = await PgliteRecordStore.open('memory://');
    await migrate(records, [ROAD_MIGRATIONS]);
    try {
      const a = await tracker(records);
      for (let l = 0; l < 4; l++) await Promise.all(lap(l).map((d) => a.addDetection(d)));
      await a.stop();
      const before = await rows(records);
      // As if the process died after writing sightings but before writing the defect rows.
      // The checkpoint names the last batch whose defects were written: rewind it to before lap 2 (laps 2 and 3).
      await records.query(
        "UPDATE road_checkpoint SET seq = (SELECT min(batch) - 1 FROM road_sightings WHERE detection_id LIKE '%-2-%')",
      );
      await records.query('UPDATE road_defects SET sightings = sightings - 4, drives = drives - 4');
      const b = await tracker(records);
      await Promise.all(lap(4).map((d) => b.addDetection(d)));
      await b.stop();
      expect((await rows(records)).map((r) => r.sightings)).toEqual(before.map((r) => r.sightings + 2));
    } finally {
      await records.close();
    }
  });

  it("keeps a merged defect's sightings where they are and reads and replays them through the survivor", async () => {
    const records = await PgliteRecordStore.open('memory://');
    await migrate(records, [ROAD_MIGRATIONS]);
    const at = (id: string, eastM: number, minute: number): Detection => ({
      ...(lap(0)[0] as Detection),
      id,
      vehicle: `v-${id}`,
      timeMs: Date.UTC(2026, 0, 1) + minute * 60_000,
      lat: 56.15,
      lon: 10.2 + (eastM * M) / Math.cos((56.15 * Math.PI) / 180),
    });
    try {
      const a = await tracker(records);
      // Two defects 6 m apart (beyond the 5 m radius), then a sighting between them draws them within it.
      // One at a time: each is its own batch with its defect rows written.
      for (const d of [at('a', 0, 0), at('b', 6, 1), at('c', 3, 2)]) await a.addDetection(d);
      await a.stop();
      const defects = await records.query<{ id: string; sightings: number; merged_into: string | null }>(
        'SELECT id, sightings, merged_into FROM road_defects ORDER BY first_seen',
      );
      expect(defects).toHaveLength(2);
      const [keep, drop] = defects as [(typeof defects)[number], (typeof defects)[number]];
      expect(keep).toMatchObject({ sightings: 3, merged_into: null });
      expect(drop.merged_into).toBe(keep.id);
      // The merged defect's sighting was not rewritten; the survivor's page lists it through the alias.
      const stored = await records.query<{ detection_id: string; defect_id: string }>(
        "SELECT detection_id, defect_id FROM road_sightings WHERE detection_id = 'b'",
      );
      expect(stored).toEqual([{ detection_id: 'b', defect_id: drop.id }]);
      const listed = await new RoadDefects(records).sightings('aarhus', keep.id);
      expect(listed.map((r) => r.detectionId).sort()).toEqual(['a', 'b', 'c']);

      // A crash before any defect row was written: the replay folds b into the survivor, not into a revived b.
      await records.query('DELETE FROM road_defects');
      await records.query('UPDATE road_checkpoint SET seq = 0');
      const b = await tracker(records);
      expect([...b.clusterer.all()].map((d) => [d.id, d.sightings])).toEqual([[keep.id, 3]]);
      await b.stop();
    } finally {
      await records.close();
    }
  });
  it('keeps sightings stored before the narrower row (migration 4) readable, and replays them', async () => {
    const records = await PgliteRecordStore.open('memory://');
    const upTo = (version: number) => ({
      ...ROAD_MIGRATIONS,
      migrations: ROAD_MIGRATIONS.migrations.filter((m) => m.version <= version),
    });
    await migrate(records, [upTo(3)]);
    try {
      // A sighting in the old row (timestamptz, double coordinates), past the checkpoint: its defect was never written.
      await records.query(
        `INSERT INTO road_sightings (tenant, detection_id, defect_id, ts, device, vehicle, confidence, box_area,
           image_ref, model_version, damage, lat, lon, heading, batch)
         VALUES ('aarhus', 'old-1', 'D40-old', '2026-01-01T10:00:00.123Z', 'cam-v1', 'v1', 0.8, 0.02,
           'frames/old-1.jpg', 'm1', 'D40', 56.1512345678, 10.2012345678, 90, 1)`,
      );
      await migrate(records, [ROAD_MIGRATIONS]);
      const listed = await new RoadDefects(records).sightings('aarhus', 'D40-old');
      expect(listed).toEqual([
        {
          detectionId: 'old-1',
          ts: '2026-01-01T10:00:00.123Z',
          camera: 'cam-v1',
          vehicle: 'v1',
          confidence: 0.8,
          boxArea: 0.02,
          imageRef: 'frames/old-1.jpg',
          modelVersion: 'm1',
        },
      ]);
      // The crash replay reads it back to about a centimetre, and a redelivery of it is not counted again.
      const t = await tracker(records);
      const [d] = [...t.clusterer.all()];
      expect(d).toMatchObject({ id: 'D40-old', sightings: 1 });
      expect(d?.lat).toBeCloseTo(56.1512346, 6);
      await t.addDetection({
        ...(lap(0)[0] as Detection),
        id: 'old-1',
        lat: 56.1512345678,
        lon: 10.2012345678,
      });
      await t.stop();
      expect(t.stats.skipped).toBe(1);
      expect([...t.clusterer.all()].map((x) => x.sightings)).toEqual([1]);
    } finally {
      await records.close();
    }
  });
});
