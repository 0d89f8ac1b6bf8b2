import { createHash } from 'node:crypto';
import type { DamageClass } from '../../core/index.js';
import { cellOf, metresBetween, metresToSegment, sameAxis, type LatLon } from './geo.js';
import { severityOf } from './severity.js';

/** One road-damage detection as the ingest received it. */
export interface Detection {
  id: string;
  tenant: string;
  /** The publishing camera (device id). */
  device: string;
  vehicle: string | undefined;
  timeMs: number;
  lat: number;
  lon: number;
  headingDeg: number | undefined;
  damage: DamageClass;
  confidence: number;
  bbox: { x: number; y: number; w: number; h: number };
  imageRef: string | undefined;
  modelVersion: string | undefined;
}

export interface ClusterSettings {
  /** Detections of one class within this distance of a defect's centre are the same defect. */
  radiusM: number;
  /** …and along the same road axis within this many degrees. */
  headingToleranceDeg: number;
  /** A vehicle's sightings less than this apart are one drive (several frames of one pass). */
  driveGapMs: number;
  /** Weight of a drive halves every this many ms before the defect's latest one (recent drives count more). */
  halfLifeMs: number;
  /** A vehicle track within this distance of a defect passed it. */
  passRadiusM: number;
  /** Each pass that did not see the defect since it was last seen multiplies its confidence by this. */
  missFactor: number;
}

/**
 * Defaults: 5 m (Vaisala RoadAI's section length, and about two standard deviations of a vehicle's GPS), drives
 * of two weeks weighted as RoadAI merges them, a pass within 8 m (about two lanes).
 */
export const DEFAULT_CLUSTER_SETTINGS: ClusterSettings = {
  radiusM: 5,
  headingToleranceDeg: 45,
  driveGapMs: 10 * 60_000,
  halfLifeMs: 14 * 86_400_000,
  passRadiusM: 8,
  missFactor: 0.75,
};

/** What the clusterer knows of a defect; review fields live in the records store. */
export interface DefectState {
  id: string;
  tenant: string;
  damage: DamageClass;
  lat: number;
  lon: number;
  /** Road axis of the sightings' headings, degrees; undefined when none had one. */
  axisDeg: number | undefined;
  sightings: number;
  drives: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Σ weight·ln(1 − confidence) over drives, weights relative to lastSeenMs. */
  logMiss: number;
  maxBoxArea: number;
  maxConfidence: number;
  modelVersions: string[];
  /** Per vehicle: its latest sighting and the best confidence of that drive. */
  vehicles: Record<string, { t: number; c: number }>;
  /** Passes by a camera vehicle that did not see it, in all and since it was last seen. */
  missedPasses: number;
  missesSinceSeen: number;
  status: string;
  /** When it was marked repaired (a later sighting reopens it). */
  repairedAtMs: number | undefined;
}

export type ClusterEvent =
  | { kind: 'created'; defect: string; detection: string }
  | { kind: 'reopened'; defect: string; detection: string; timeMs: number }
  | { kind: 'merged'; defect: string; into: string };

export interface Sighting {
  detection: Detection;
  defect: string;
}

interface PendingPass {
  defect: string;
  vehicle: string;
  timeMs: number;
}

const SETTLE_MS = 120_000;
const PASS_CELL_M = 50;
const MIN_DRIVES = 3;
const REOPENING = new Set(['repaired', 'closed']);
/** Defects not yet decided on: the only ones merged automatically. */
const UNDECIDED = new Set(['new']);

/** A stable defect id: the same first detection of a tenant always founds the same defect, across replays. */
export function defectIdFor(tenant: string, damage: string, detectionId: string): string {
  return `rd-${createHash('sha256').update(`${tenant}\u0000${damage}\u0000${detectionId}`).digest('hex').slice(0, 16)}`;
}

/** Fused confidence: 1 − Π(1 − cᵢ)^wᵢ over drives, lowered for each pass since that did not see it. */
export function fusedConfidence(
  d: Pick<DefectState, 'logMiss' | 'missesSinceSeen'>,
  missFactor: number,
): number {
  return (1 - Math.exp(d.logMiss)) * missFactor ** d.missesSinceSeen;
}

/**
 * Incremental clustering of detections into defects, in memory, per tenant: a spatial hash of defect centres by
 * class; a detection joins the nearest defect of its class within the radius and along the same axis, or founds
 * a new one. Same input in the same order gives the same defects and ids (replays are idempotent once the caller
 * skips detections it already stored). Undecided defects that drift within the radius of each other are merged.
 */
export class DefectClusterer {
  readonly settings: ClusterSettings;
  private readonly defects = new Map<string, DefectState>();
  /** Per tenant and class, defect centres by cell of the radius's size (numeric cell keys: this is the hot path). */
  private readonly grid = new Map<string, Map<string, Map<number, DefectState[]>>>();
  private readonly cellKeys = new Map<string, number>();
  /** A coarser index of every class per tenant, for the defects along a vehicle's track. */
  private readonly passGrid = new Map<string, Map<number, DefectState[]>>();
  private readonly passKeys = new Map<string, number>();
  /** Scratch list of candidates, reused by each lookup (no allocation per detection). */
  private readonly near: DefectState[] = [];
  private readonly lastFix = new Map<string, { t: number; lat: number; lon: number }>();
  private readonly pending = new Map<string, PendingPass[]>();
  private readonly dirty = new Set<string>();

  constructor(settings: Partial<ClusterSettings> = {}) {
    this.settings = { ...DEFAULT_CLUSTER_SETTINGS, ...settings };
  }

  get size(): number {
    return this.defects.size;
  }

  get(id: string): DefectState | undefined {
    return this.defects.get(id);
  }

  all(): IterableIterator<DefectState> {
    return this.defects.values();
  }

  /** Puts a known defect (loaded from the store) into the index. */
  load(state: DefectState): void {
    this.defects.set(state.id, state);
    this.index(state);
  }

  /** Removes a defect from clustering (merged by a person into another). */
  remove(id: string): void {
    const d = this.defects.get(id);
    if (!d) return;
    this.unindex(d);
    this.defects.delete(id);
  }

  /** Sets the review status the clusterer acts on (reopening after repair, automatic merges of new ones). */
  setStatus(id: string, status: string, atMs?: number): void {
    const d = this.defects.get(id);
    if (!d) return;
    d.status = status;
    if (status === 'repaired') d.repairedAtMs = atMs;
  }

  /** Whether any defect changed since the last {@link takeDirty}. */
  get hasDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** Defects changed since the last call (to be written), and forgets them. */
  takeDirty(): DefectState[] {
    const out = [...this.dirty].flatMap((id) => this.defects.get(id) ?? []);
    this.dirty.clear();
    return out;
  }

  /** Adds one detection; returns the defect it joined and what happened. */
  add(det: Detection, events: ClusterEvent[] = []): string {
    const s = this.settings;
    const near = this.nearest(det.tenant, det.damage, det, det.headingDeg, s.radiusM);
    if (!near) return this.found(det, defectIdFor(det.tenant, det.damage, det.id), events).id;
    this.sight(near, det, events);
    this.mergeNeighbours(near, events);
    return near.id;
  }

  private found(det: Detection, id: string, events: ClusterEvent[]): DefectState {
    {
      const d: DefectState = {
        id,
        tenant: det.tenant,
        damage: det.damage,
        lat: det.lat,
        lon: det.lon,
        axisDeg: det.headingDeg === undefined ? undefined : det.headingDeg % 180,
        sightings: 0,
        drives: 0,
        firstSeenMs: det.timeMs,
        lastSeenMs: det.timeMs,
        logMiss: 0,
        maxBoxArea: 0,
        maxConfidence: 0,
        modelVersions: [],
        vehicles: {},
        missedPasses: 0,
        missesSinceSeen: 0,
        status: 'new',
        repairedAtMs: undefined,
      };
      this.defects.set(d.id, d);
      this.index(d);
      this.sight(d, det, events);
      events.push({ kind: 'created', defect: d.id, detection: det.id });
      return d;
    }
  }

  /** Folds a stored sighting into its known defect again (recovery after a crash), founding it if need be. */
  replay(defectId: string, det: Detection): void {
    const d = this.defects.get(defectId);
    if (d) this.sight(d, det, []);
    else this.found(det, defectId, []);
  }

  /**
   * A camera vehicle's GPS fix: the track since its previous fix passed the defects near it. Each pass is judged
   * once the vehicle has driven on for two minutes: a pass without a sighting by that vehicle is a miss.
   */
  addPosition(tenant: string, vehicle: string, timeMs: number, at: LatLon): void {
    const key = `${tenant}\u0000${vehicle}`;
    const prev = this.lastFix.get(key);
    if (prev && timeMs <= prev.t) return;
    this.lastFix.set(key, { t: timeMs, lat: at.lat, lon: at.lon });
    if (prev && timeMs - prev.t <= this.settings.driveGapMs) {
      const r = this.settings.passRadiusM;
      for (const d of this.alongSegment(tenant, prev, at, r)) {
        const list = this.pending.get(key) ?? [];
        if (!list.some((p) => p.defect === d.id && Math.abs(p.timeMs - timeMs) < this.settings.driveGapMs))
          list.push({ defect: d.id, vehicle, timeMs });
        this.pending.set(key, list);
      }
    }
    this.settle(key, timeMs);
  }

  private settle(key: string, nowMs: number): void {
    const list = this.pending.get(key);
    if (!list) return;
    const keep: PendingPass[] = [];
    for (const p of list) {
      if (p.timeMs > nowMs - SETTLE_MS) {
        keep.push(p);
        continue;
      }
      const d = this.defects.get(p.defect);
      if (!d || d.firstSeenMs > p.timeMs) continue;
      const seen = d.vehicles[p.vehicle];
      if (seen && Math.abs(seen.t - p.timeMs) <= SETTLE_MS) continue;
      d.missedPasses += 1;
      if (p.timeMs > d.lastSeenMs) d.missesSinceSeen += 1;
      this.dirty.add(d.id);
    }
    if (keep.length > 0) this.pending.set(key, keep);
    else this.pending.delete(key);
  }

  private sight(d: DefectState, det: Detection, events: ClusterEvent[]): void {
    const s = this.settings;
    const c = Math.min(0.99, Math.max(0, det.confidence));
    const vehicle = det.vehicle ?? det.device;
    const prev = d.vehicles[vehicle];
    const sameDrive = prev !== undefined && Math.abs(det.timeMs - prev.t) <= s.driveGapMs;
    // Weights are relative to the latest sighting: move the reference forward when this one is newer.
    if (det.timeMs > d.lastSeenMs) {
      d.logMiss *= 0.5 ** ((det.timeMs - d.lastSeenMs) / s.halfLifeMs);
      d.lastSeenMs = det.timeMs;
      d.missesSinceSeen = 0;
    }
    const w = 0.5 ** ((d.lastSeenMs - det.timeMs) / s.halfLifeMs);
    if (sameDrive) {
      // Frames of one pass are not independent evidence: the drive counts once, with its best confidence.
      if (c > prev.c) d.logMiss += w * (Math.log(1 - c) - Math.log(1 - prev.c));
      d.vehicles[vehicle] = { t: Math.max(prev.t, det.timeMs), c: Math.max(prev.c, c) };
    } else {
      d.logMiss += w * Math.log(1 - c);
      d.drives += 1;
      d.vehicles[vehicle] = { t: det.timeMs, c };
    }
    if (det.timeMs < d.firstSeenMs) d.firstSeenMs = det.timeMs;
    const n = d.sightings;
    d.lat = (d.lat * n + det.lat) / (n + 1);
    d.lon = (d.lon * n + det.lon) / (n + 1);
    if (d.axisDeg === undefined && det.headingDeg !== undefined) d.axisDeg = det.headingDeg % 180;
    d.sightings = n + 1;
    d.maxBoxArea = Math.max(d.maxBoxArea, det.bbox.w * det.bbox.h);
    d.maxConfidence = Math.max(d.maxConfidence, det.confidence);
    if (det.modelVersion !== undefined && !d.modelVersions.includes(det.modelVersion))
      d.modelVersions.push(det.modelVersion);
    if (REOPENING.has(d.status) && (d.repairedAtMs === undefined || det.timeMs > d.repairedAtMs)) {
      d.status = 'new';
      events.push({ kind: 'reopened', defect: d.id, detection: det.id, timeMs: det.timeMs });
    }
    this.reindex(d);
    this.dirty.add(d.id);
  }

  private mergeNeighbours(d: DefectState, events: ClusterEvent[]): void {
    if (!UNDECIDED.has(d.status)) return;
    const found = this.candidates(d.tenant, d.damage, d);
    if (!found.some((other) => this.mergeable(d, other))) return;
    // A copy: absorbing a neighbour changes the index being walked.
    for (const other of [...found]) {
      if (!this.mergeable(d, other)) continue;
      const [keep, drop] = other.firstSeenMs <= d.firstSeenMs ? [other, d] : [d, other];
      this.absorb(keep, drop);
      events.push({ kind: 'merged', defect: drop.id, into: keep.id });
      if (drop === d) return;
    }
  }

  private mergeable(d: DefectState, other: DefectState): boolean {
    return (
      other.id !== d.id &&
      UNDECIDED.has(other.status) &&
      sameAxis(d.axisDeg, other.axisDeg, this.settings.headingToleranceDeg) &&
      metresBetween(d, other) <= this.settings.radiusM
    );
  }

  /** Folds `drop` into `keep` (counts, evidence, extent) and drops it from the index. */
  absorb(keep: DefectState, drop: DefectState): void {
    const n = keep.sightings + drop.sightings;
    keep.lat = (keep.lat * keep.sightings + drop.lat * drop.sightings) / n;
    keep.lon = (keep.lon * keep.sightings + drop.lon * drop.sightings) / n;
    const ref = Math.max(keep.lastSeenMs, drop.lastSeenMs);
    const h = this.settings.halfLifeMs;
    keep.logMiss =
      keep.logMiss * 0.5 ** ((ref - keep.lastSeenMs) / h) +
      drop.logMiss * 0.5 ** ((ref - drop.lastSeenMs) / h);
    keep.missesSinceSeen = keep.lastSeenMs >= drop.lastSeenMs ? keep.missesSinceSeen : drop.missesSinceSeen;
    keep.lastSeenMs = ref;
    keep.firstSeenMs = Math.min(keep.firstSeenMs, drop.firstSeenMs);
    keep.sightings = n;
    keep.drives += drop.drives;
    keep.missedPasses += drop.missedPasses;
    keep.maxBoxArea = Math.max(keep.maxBoxArea, drop.maxBoxArea);
    keep.maxConfidence = Math.max(keep.maxConfidence, drop.maxConfidence);
    for (const v of drop.modelVersions) if (!keep.modelVersions.includes(v)) keep.modelVersions.push(v);
    for (const [v, seen] of Object.entries(drop.vehicles))
      if (!keep.vehicles[v] || keep.vehicles[v].t < seen.t) keep.vehicles[v] = seen;
    this.remove(drop.id);
    this.dirty.delete(drop.id);
    this.reindex(keep);
    this.dirty.add(keep.id);
  }

  private nearest(
    tenant: string,
    damage: string,
    at: LatLon,
    heading: number | undefined,
    radiusM: number,
  ): DefectState | undefined {
    let best: DefectState | undefined;
    let bestM = radiusM;
    for (const d of this.candidates(tenant, damage, at)) {
      if (!sameAxis(d.axisDeg, heading, this.settings.headingToleranceDeg)) continue;
      const m = metresBetween(d, at);
      if (m <= bestM) {
        best = d;
        bestM = m;
      }
    }
    return best;
  }

  /** Defects of the class in the detection's cell and the eight around it (cells are the radius's size). */
  private candidates(tenant: string, damage: string, at: LatLon): DefectState[] {
    const out = this.near;
    out.length = 0;
    const cells = this.grid.get(tenant)?.get(damage);
    if (!cells) return out;
    const { x, y } = cellOf(at, this.settings.radiusM);
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++) {
        const list = cells.get(cellKey(x + dx, y + dy));
        if (list) for (const d of list) out.push(d);
      }
    return out;
  }

  private alongSegment(tenant: string, a: LatLon, b: LatLon, radiusM: number): DefectState[] {
    const ca = cellOf(a, PASS_CELL_M);
    const cb = cellOf(b, PASS_CELL_M);
    const out: DefectState[] = [];
    // A fix every few seconds spans tens of metres at most; a longer gap is a jump, not a pass.
    if (Math.abs(ca.x - cb.x) > 20 || Math.abs(ca.y - cb.y) > 20) return out;
    const passCells = this.passGrid.get(tenant);
    if (!passCells) return out;
    for (let x = Math.min(ca.x, cb.x) - 1; x <= Math.max(ca.x, cb.x) + 1; x++)
      for (let y = Math.min(ca.y, cb.y) - 1; y <= Math.max(ca.y, cb.y) + 1; y++) {
        const list = passCells.get(cellKey(x, y));
        if (list) for (const d of list) if (metresToSegment(d, a, b) <= radiusM) out.push(d);
      }
    return out;
  }

  private index(d: DefectState): void {
    const { x, y } = cellOf(d, this.settings.radiusM);
    const key = cellKey(x, y);
    add(groupOf(this.grid, d.tenant), d.damage, key, d);
    this.cellKeys.set(d.id, key);
    const p = cellOf(d, PASS_CELL_M);
    const passKey = cellKey(p.x, p.y);
    add(this.passGrid, d.tenant, passKey, d);
    this.passKeys.set(d.id, passKey);
  }

  private unindex(d: DefectState): void {
    const key = this.cellKeys.get(d.id);
    if (key === undefined) return;
    drop(groupOf(this.grid, d.tenant), d.damage, key, d);
    this.cellKeys.delete(d.id);
    const passKey = this.passKeys.get(d.id);
    if (passKey !== undefined) drop(this.passGrid, d.tenant, passKey, d);
    this.passKeys.delete(d.id);
  }

  private reindex(d: DefectState): void {
    const { x, y } = cellOf(d, this.settings.radiusM);
    const p = cellOf(d, PASS_CELL_M);
    if (this.cellKeys.get(d.id) === cellKey(x, y) && this.passKeys.get(d.id) === cellKey(p.x, p.y)) return;
    this.unindex(d);
    this.index(d);
  }
}

/**
 * One small integer per grid cell, x and y folded to 14 and 16 bits: it stays a V8 small integer, so a lookup
 * allocates nothing (x·2²⁶ + y, exact but beyond the small-integer range, boxed a number per probe and cost a
 * quarter of the clustering). Cells 16,384 columns or 65,536 rows apart (82 km and 328 km at 5 m) share a key: a
 * lookup may then list a far defect too, which every caller drops by its distance.
 */
function cellKey(x: number, y: number): number {
  return ((x & 0x3fff) << 16) | (y & 0xffff);
}

function groupOf<T>(index: Map<string, Map<string, T>>, tenant: string): Map<string, T> {
  let group = index.get(tenant);
  if (!group) index.set(tenant, (group = new Map()));
  return group;
}

function add(
  index: Map<string, Map<number, DefectState[]>>,
  group: string,
  key: number,
  d: DefectState,
): void {
  let cells = index.get(group);
  if (!cells) index.set(group, (cells = new Map()));
  const list = cells.get(key);
  if (list) list.push(d);
  else cells.set(key, [d]);
}

function drop(
  index: Map<string, Map<number, DefectState[]>>,
  group: string,
  key: number,
  d: DefectState,
): void {
  const cells = index.get(group);
  const list = cells?.get(key);
  if (!cells || !list) return;
  const i = list.indexOf(d);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) cells.delete(key);
}

/** Severity grade and score of a defect from its state (before any person's override). */
export function stateSeverity(d: DefectState, missFactor: number): { grade: number; score: number } {
  return severityOf(d.damage, d.maxBoxArea, fusedConfidence(d, missFactor));
}

/**
 * A defect worth a person's look: seen on at least three drives, which are at least a third of the camera passes
 * between its first and last sighting. A lone sighting is most often a false detection (RDD2022's best detectors
 * are wrong about a quarter of the time) or a GPS outlier of a known defect; two false detections that fall
 * together are told apart by the passes that saw nothing there. Uncorroborated defects are still listed (filter
 * `corroborated=false`), below the others.
 */
export function isCorroborated(
  d: Pick<DefectState, 'drives' | 'missesSinceSeen' | 'missedPasses'>,
  _settings?: unknown,
): boolean {
  // Passes after the last sighting are evidence of a repair, not of a false detection: leave them out here.
  const missedWhileSeen = d.missedPasses - d.missesSinceSeen;
  return d.drives >= MIN_DRIVES && d.drives / (d.drives + missedWhileSeen) >= 1 / 3;
}
