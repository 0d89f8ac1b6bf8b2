import type { DamageClass } from '../../core/index.js';
import { Random } from '../random.js';
import { iso, round, type SimRecord, type SimulatorOptions, type StreamSimulator } from './simulator.js';

const CENTRE = { lat: 56.1572, lon: 10.2107 };
const ROUTE_POINTS = 24;
const STEP_S = 15;
const LAP_STEPS = 160;
const DAMAGE_MIX: DamageClass[] = [
  'D00',
  'D00',
  'D10',
  'D10',
  'D20',
  'D40',
  'D40',
  'D44',
  'marking_faded',
  'sign_damaged',
];

interface Defect {
  id: number;
  /** Position along the lap, 0 … LAP_STEPS-1. */
  step: number;
  lat: number;
  lon: number;
  damage: DamageClass;
  severity: number;
}

interface Camera {
  id: string;
  vehicle: string;
  random: Random;
  next: number;
  step: number;
  route: { lat: number; lon: number }[];
  defects: Defect[];
  seq: number;
}

/**
 * Cameras on municipal vehicles driving a fixed loop through the city. Defects sit at fixed places along each
 * loop; a defect is detected (most of the time) each time the vehicle passes it, with GPS noise and varying
 * confidence, so repeated detections of the same defect cluster in place.
 */
export class RoadSimulator implements StreamSimulator {
  readonly stream = 'road' as const;
  readonly deviceIds: readonly string[];
  private readonly cameras: Camera[];

  constructor({ devices, seed, startMs }: SimulatorOptions) {
    this.cameras = Array.from({ length: devices }, (_, i) => {
      const random = Random.from(seed, 'road', i);
      const radius = random.between(0.01, 0.03);
      const route = Array.from({ length: ROUTE_POINTS }, (_, k) => {
        const angle = (2 * Math.PI * k) / ROUTE_POINTS;
        const wobble = 1 + 0.2 * Math.sin(3 * angle + i);
        return {
          lat: CENTRE.lat + radius * wobble * Math.cos(angle),
          lon: CENTRE.lon + 1.7 * radius * wobble * Math.sin(angle),
        };
      });
      const camera: Camera = {
        id: `camera-${String(i + 1).padStart(3, '0')}`,
        vehicle: `sweeper-${String(i + 1).padStart(2, '0')}`,
        random,
        next: startMs,
        step: 0,
        route,
        defects: [],
        seq: 0,
      };
      const defects = random.int(6, 14);
      for (let d = 0; d < defects; d++) {
        const step = random.int(0, LAP_STEPS - 1);
        camera.defects.push({
          id: d,
          step,
          ...positionAt(camera, step),
          damage: random.pick(DAMAGE_MIX),
          severity: random.between(0.3, 1),
        });
      }
      return camera;
    });
    this.deviceIds = this.cameras.map((c) => c.id);
  }

  nextTime(device: number): number {
    return (this.cameras[device] as Camera).next;
  }

  /**
   * One step along the loop, stamped with the step's time: the camera reports what it passes when it passes it,
   * never ahead of the clock (stepping on to the next defect stamped detections minutes in the future, so a
   * query up to `now` missed them). A step without a detection publishes nothing.
   */
  emit(device: number): SimRecord[] {
    const c = this.cameras[device] as Camera;
    const t = c.next;
    c.step = (c.step + 1) % LAP_STEPS;
    c.next += STEP_S * 1000;
    const passed = c.defects.filter((d) => d.step === c.step);
    const seen = passed.filter(() => c.random.chance(0.85));
    return seen.map((d) => this.detection(c, d, t));
  }

  private detection(c: Camera, d: Defect, t: number): SimRecord {
    const w = round(Math.min(0.9, 0.08 + 0.3 * d.severity + c.random.normal(0, 0.03)), 3);
    const h = round(Math.min(0.5, 0.04 + 0.15 * d.severity + c.random.normal(0, 0.02)), 3);
    c.seq += 1;
    return {
      id: `${c.id}-${t}-${c.seq}`,
      ts: iso(t),
      cameraId: c.id,
      vehicleId: c.vehicle,
      lat: round(d.lat + c.random.normal(0, 0.00003), 6),
      lon: round(d.lon + c.random.normal(0, 0.00005), 6),
      headingDeg: round(headingAt(c, d.step), 1),
      damage: d.damage,
      confidence: round(Math.min(0.99, Math.max(0.3, 0.55 + 0.4 * d.severity + c.random.normal(0, 0.05))), 3),
      bbox: {
        x: round(c.random.between(0.05, 0.9 - w), 3),
        y: round(c.random.between(0.5, 0.95 - h), 3),
        w: Math.max(0.01, w),
        h: Math.max(0.01, h),
      },
      imageRef: `frames/${c.id}/${t}.jpg`,
      modelVersion: 'rdd-yolo-sim-1',
    };
  }
}

function positionAt(c: Camera, step: number): { lat: number; lon: number } {
  const f = (step / LAP_STEPS) * ROUTE_POINTS;
  const a = c.route[Math.floor(f) % ROUTE_POINTS] as { lat: number; lon: number };
  const b = c.route[(Math.floor(f) + 1) % ROUTE_POINTS] as { lat: number; lon: number };
  const k = f - Math.floor(f);
  return { lat: a.lat + (b.lat - a.lat) * k, lon: a.lon + (b.lon - a.lon) * k };
}

function headingAt(c: Camera, step: number): number {
  const a = positionAt(c, step);
  const b = positionAt(c, (step + 1) % LAP_STEPS);
  const dx = (b.lon - a.lon) * Math.cos((a.lat * Math.PI) / 180);
  return ((Math.atan2(dx, b.lat - a.lat) * 180) / Math.PI + 360) % 360;
}
