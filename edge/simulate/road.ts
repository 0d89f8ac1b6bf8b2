import type { DamageClass } from '../../core/index.js';
import { Random } from '../random.js';
import { iso, round, type SimRecord, type SimulatorOptions, type StreamSimulator } from './simulator.js';

const CENTRE = { lat: 56.1572, lon: 10.2107 };
const ROUTE_POINTS = 24;
const STEP_S = 15;
const LAP_STEPS = 160;
const DAY_MS = 86_400_000;
/** GPS noise of a vehicle receiver, metres (one standard deviation per axis). */
const GPS_SIGMA_M = 1.8;
const M_PER_DEG_LAT = 111_320;
/** A camera sees damage within this distance of where it is (its lane and the next). */
const VISIBLE_M = 10;
/** Share of passes in which the detector sees a defect that is there. */
const DETECTION_RATE = 0.85;
/** False detections per step (shadows, patches, wet asphalt): about one a lap. */
const FALSE_RATE = 1 / LAP_STEPS;
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

/** One real defect on a simulated camera's loop: the ground truth clustering is tested against. */
export interface TrueDefect {
  /** `{cameraId}/{n}`. */
  id: string;
  /** Position along the lap, 0 … LAP_STEPS-1. */
  step: number;
  lat: number;
  lon: number;
  damage: DamageClass;
  severity: number;
  /** When the damage appears (the start of the simulation for most). */
  appearsAtMs: number;
  /** When a crew repairs it; afterwards no camera sees it. */
  repairedAtMs: number | undefined;
}

/** What really is on the roads, and which detections were false. */
export interface RoadGroundTruth {
  defects: TrueDefect[];
  /** Ids of the detections that saw nothing real. */
  falseDetections: Set<string>;
}

interface Camera {
  id: string;
  vehicle: string;
  random: Random;
  next: number;
  step: number;
  route: { lat: number; lon: number }[];
  defects: TrueDefect[];
  /** The defects (of any loop) within sight at each step of this camera's loop. */
  visible: Map<number, TrueDefect[]>;
  seq: number;
}

/**
 * Cameras on municipal vehicles driving a fixed loop through the city. Defects sit at fixed places along each
 * loop; a defect is detected (most of the time) each time the vehicle passes it, with GPS noise and varying
 * confidence, so repeated detections of the same defect cluster in place. Some defects appear during the run,
 * some are repaired (and no longer seen), and about once a lap the detector reports something that is not there:
 * the ground truth ({@link groundTruth}) says which is which.
 */
export class RoadSimulator implements StreamSimulator {
  readonly stream = 'road' as const;
  readonly deviceIds: readonly string[];
  private readonly cameras: Camera[];
  private readonly falseIds = new Set<string>();

  constructor({ devices, seed, startMs }: SimulatorOptions) {
    this.cameras = Array.from({ length: devices }, (_, i) => cameraAt(i, seed, startMs));
    this.deviceIds = this.cameras.map((c) => c.id);
    // Loops cross: a camera sees every defect it drives over, whichever loop it was placed on.
    const all = this.cameras.flatMap((c) => c.defects);
    for (const c of this.cameras)
      for (let step = 0; step < LAP_STEPS; step++) {
        const from = positionAt(c, (step + LAP_STEPS - 1) % LAP_STEPS);
        const to = positionAt(c, step);
        const here = all.filter((d) => metresToSegment(d, from, to) <= VISIBLE_M);
        if (here.length > 0) c.visible.set(step, here);
      }
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
    const present = (c.visible.get(c.step) ?? []).filter(
      (d) => d.appearsAtMs <= t && (d.repairedAtMs === undefined || t < d.repairedAtMs),
    );
    const out = present.filter(() => c.random.chance(DETECTION_RATE)).map((d) => this.detection(c, d, t));
    if (c.random.chance(FALSE_RATE)) out.push(this.falseDetection(c, t));
    return out;
  }

  /** The true defects of every camera's loop and the ids of the false detections emitted so far. */
  groundTruth(): RoadGroundTruth {
    return { defects: this.cameras.flatMap((c) => c.defects), falseDetections: new Set(this.falseIds) };
  }

  private detection(c: Camera, d: TrueDefect, t: number): SimRecord {
    const w = round(Math.min(0.9, 0.08 + 0.3 * d.severity + c.random.normal(0, 0.03)), 3);
    const h = round(Math.min(0.5, 0.04 + 0.15 * d.severity + c.random.normal(0, 0.02)), 3);
    const confidence = Math.min(0.99, Math.max(0.3, 0.55 + 0.4 * d.severity + c.random.normal(0, 0.05)));
    return this.record(c, t, d.lat, d.lon, headingAt(c, c.step), d.damage, confidence, w, h);
  }

  /** A detection of nothing: somewhere on the loop, a plausible class, mostly a low confidence. */
  private falseDetection(c: Camera, t: number): SimRecord {
    const at = positionAt(c, c.step + c.random.next());
    const confidence = c.random.between(0.3, 0.7);
    const record = this.record(
      c,
      t,
      at.lat,
      at.lon,
      headingAt(c, c.step),
      c.random.pick(DAMAGE_MIX),
      confidence,
      round(c.random.between(0.05, 0.2), 3),
      round(c.random.between(0.03, 0.1), 3),
    );
    this.falseIds.add(record.id as string);
    return record;
  }

  private record(
    c: Camera,
    t: number,
    lat: number,
    lon: number,
    heading: number,
    damage: DamageClass,
    confidence: number,
    w: number,
    h: number,
  ): SimRecord {
    c.seq += 1;
    const sigmaLat = GPS_SIGMA_M / M_PER_DEG_LAT;
    const sigmaLon = sigmaLat / Math.cos((lat * Math.PI) / 180);
    return {
      id: `${c.id}-${t}-${c.seq}`,
      ts: iso(t),
      cameraId: c.id,
      vehicleId: c.vehicle,
      lat: round(lat + c.random.normal(0, sigmaLat), 6),
      lon: round(lon + c.random.normal(0, sigmaLon), 6),
      headingDeg: round(heading, 1),
      damage,
      confidence: round(confidence, 3),
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

/**
 * The GPS positions of the camera vehicles, on the fleet stream (the vehicle's tracker, not the camera): where a
 * camera drove tells which stretches were inspected and which passes did not see a known defect.
 */
export class CameraVehicleSimulator implements StreamSimulator {
  readonly stream = 'fleet' as const;
  readonly deviceIds: readonly string[];
  private readonly cameras: Camera[];
  private readonly random: Random;

  constructor({ devices, seed, startMs }: SimulatorOptions) {
    this.cameras = Array.from({ length: devices }, (_, i) => cameraAt(i, seed, startMs));
    this.deviceIds = this.cameras.map((c) => c.vehicle);
    this.random = Random.from(seed, 'road-vehicles');
  }

  nextTime(device: number): number {
    return (this.cameras[device] as Camera).next;
  }

  emit(device: number): SimRecord[] {
    const c = this.cameras[device] as Camera;
    const t = c.next;
    c.step = (c.step + 1) % LAP_STEPS;
    c.next += STEP_S * 1000;
    const at = positionAt(c, c.step);
    const sigma = GPS_SIGMA_M / M_PER_DEG_LAT;
    return [
      {
        id: `${c.vehicle}-${t}`,
        ts: iso(t),
        vehicleId: c.vehicle,
        powertrain: 'ice',
        lat: round(at.lat + this.random.normal(0, sigma), 6),
        lon: round(at.lon + this.random.normal(0, sigma * 1.8), 6),
        speedKmh: round(this.random.between(20, 40), 1),
        headingDeg: round(headingAt(c, c.step), 1),
        ignition: true,
      },
    ];
  }
}

/** Camera `i`'s loop and true defects: the same for both simulators of one seed. */
function cameraAt(i: number, seed: number, startMs: number): Camera {
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
    visible: new Map(),
    seq: 0,
  };
  const count = random.int(6, 14);
  const used = new Set<number>();
  for (let d = 0; d < count; d++) {
    // One defect per step of the loop: two on one step would be a few metres apart, closer than GPS can tell.
    let step = random.int(0, LAP_STEPS - 1);
    while (used.has(step)) step = (step + 1) % LAP_STEPS;
    used.add(step);
    const appearsLater = random.chance(0.2);
    const repaired = random.chance(0.25);
    const appearsAtMs = appearsLater ? startMs + random.between(1, 7) * DAY_MS : startMs;
    camera.defects.push({
      id: `${camera.id}/${d}`,
      step,
      ...positionAt(camera, step),
      damage: random.pick(DAMAGE_MIX),
      severity: random.between(0.3, 1),
      appearsAtMs,
      repairedAtMs: repaired ? appearsAtMs + random.between(2, 10) * DAY_MS : undefined,
    });
  }
  return camera;
}

function positionAt(c: Camera, step: number): { lat: number; lon: number } {
  const f = ((step % LAP_STEPS) / LAP_STEPS) * ROUTE_POINTS;
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

function metresToSegment(
  p: { lat: number; lon: number },
  a: { lat: number; lon: number },
  b: { lat: number; lon: number },
): number {
  const k = Math.cos((p.lat * Math.PI) / 180) * M_PER_DEG_LAT;
  const [ax, ay, bx, by] = [
    (a.lon - p.lon) * k,
    (a.lat - p.lat) * M_PER_DEG_LAT,
    (b.lon - p.lon) * k,
    (b.lat - p.lat) * M_PER_DEG_LAT,
  ];
  const [dx, dy] = [bx - ax, by - ay];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  return Math.hypot(ax + t * dx, ay + t * dy);
}
