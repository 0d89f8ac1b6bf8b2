import { describe, expect, it } from 'vitest';
import { CameraVehicleSimulator, RoadSimulator, type StreamSimulator } from '../../edge/index.js';
import type { DamageClass } from '../../core/index.js';
import {
  DefectClusterer,
  fusedConfidence,
  isCorroborated,
  scoreClustering,
  type Detection,
} from '../../models/index.js';

const START = Date.UTC(2026, 2, 2);
const DAY = 86_400_000;

function toDetection(r: Record<string, unknown>, device: string): Detection {
  return {
    id: r.id as string,
    tenant: 'aarhus',
    device,
    vehicle: r.vehicleId as string,
    timeMs: Date.parse(r.ts as string),
    lat: r.lat as number,
    lon: r.lon as number,
    headingDeg: r.headingDeg as number,
    damage: r.damage as DamageClass,
    confidence: r.confidence as number,
    bbox: r.bbox as Detection['bbox'],
    imageRef: r.imageRef as string,
    modelVersion: r.modelVersion as string,
  };
}

/** Runs the cameras and their vehicles' trackers in time order through a clusterer. */
function simulate(days: number, devices: number, seed: number) {
  const road = new RoadSimulator({ devices, seed, startMs: START });
  const vehicles = new CameraVehicleSimulator({ devices, seed, startMs: START });
  const clusterer = new DefectClusterer();
  const end = START + days * DAY;
  const sims: StreamSimulator[] = [road, vehicles];
  let detections = 0;
  const defectOf = new Map<string, string>();
  for (;;) {
    let next: { sim: StreamSimulator; device: number; t: number } | undefined;
    for (const sim of sims)
      sim.deviceIds.forEach((_, device) => {
        const t = sim.nextTime(device);
        if (!next || t < next.t) next = { sim, device, t };
      });
    if (!next || next.t >= end) break;
    const records = next.sim.emit(next.device);
    for (const r of records) {
      if (next.sim === road) {
        defectOf.set(r.id as string, clusterer.add(toDetection(r, road.deviceIds[next.device]!)));
        detections += 1;
      } else
        clusterer.addPosition('aarhus', r.vehicleId as string, Date.parse(r.ts as string), {
          lat: r.lat as number,
          lon: r.lon as number,
        });
    }
  }
  return { clusterer, truth: road.groundTruth(), detections, end, defectOf };
}

describe('clustering detections into defects, against the road simulator’s ground truth', () => {
  const run = simulate(14, 5, 11);
  const defects = [...run.clusterer.all()];
  const listed = defects.filter((d) => isCorroborated(d, run.clusterer.settings));
  const present = run.truth.defects.filter((d) => d.appearsAtMs < run.end - DAY);

  it('finds the true defects with precision and recall of at least 95 %, and at most 2 % duplicates', () => {
    const score = scoreClustering(listed, present);
    expect(run.detections).toBeGreaterThan(5000);
    expect(score.precision).toBeGreaterThanOrEqual(0.95);
    expect(score.recall).toBeGreaterThanOrEqual(0.95);
    expect(score.duplicateShare).toBeLessThanOrEqual(0.02);
  });

  it('leaves false detections uncorroborated', () => {
    expect(run.truth.falseDetections.size).toBeGreaterThan(100);
    const fromFalse = new Set([...run.truth.falseDetections].map((id) => run.defectOf.get(id)));
    const onlyFalse = defects.filter((d) => fromFalse.has(d.id) && d.sightings <= 2);
    expect(onlyFalse.length).toBeGreaterThan(0.8 * run.truth.falseDetections.size);
    expect(onlyFalse.filter((d) => isCorroborated(d))).toEqual([]);
  });

  it('counts passes that no longer see a repaired defect, lowering its confidence', () => {
    const repaired = run.truth.defects.filter(
      (d) => d.repairedAtMs !== undefined && d.repairedAtMs < run.end - DAY,
    );
    expect(repaired.length).toBeGreaterThan(2);
    for (const t of repaired) {
      const [d] = scoreMatch(defects, t);
      expect(d, t.id).toBeDefined();
      expect(d!.missesSinceSeen, t.id).toBeGreaterThanOrEqual(3);
      expect(fusedConfidence(d!, run.clusterer.settings.missFactor)).toBeLessThan(0.5);
    }
    const standing = present.filter((t) => t.repairedAtMs === undefined);
    const stillSeen = standing.map((t) => scoreMatch(defects, t)[0]!).filter((d) => d.missesSinceSeen <= 2);
    expect(stillSeen.length).toBeGreaterThanOrEqual(0.95 * standing.length);
  });

  it('gives the same defect ids when the same detections are replayed', () => {
    const again = simulate(2, 2, 7);
    const twice = simulate(2, 2, 7);
    expect([...again.clusterer.all()].map((d) => d.id).sort()).toEqual(
      [...twice.clusterer.all()].map((d) => d.id).sort(),
    );
  });
});

function scoreMatch(
  defects: ReturnType<DefectClusterer['all']> extends IterableIterator<infer T> ? T[] : never,
  t: { lat: number; lon: number; damage: string },
) {
  return defects
    .filter((d) => d.damage === t.damage && scoreClustering([d], [{ ...t, id: 'x' }]).truePositives === 1)
    .sort((a, b) => b.sightings - a.sightings);
}
