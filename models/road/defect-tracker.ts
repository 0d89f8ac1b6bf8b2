import type { DamageClass, Logger } from '../../core/index.js';
import { errorMessage } from '../../core/index.js';
import {
  CopyWriter,
  prepareCopy,
  type PreparedCopy,
  type RecordQueryable,
  type RecordStore,
} from '../../store/index.js';
import {
  DefectClusterer,
  fusedConfidence,
  isCorroborated,
  stateSeverity,
  type ClusterEvent,
  type ClusterSettings,
  type DefectState,
  type Detection,
} from './defect-clusterer.js';
import { cellOf, M_PER_DEG_LAT } from './geo.js';
import { priorityOf, type ExposureSource } from './exposure.js';

/** Coverage is kept per cell of this size: a 100 m stretch of road. */
export const COVERAGE_CELL_M = 100;
/**
 * Detections clustered and written together; small enough that clustering the next overlaps writing this one,
 * and that the ingest's 20,000 unacknowledged (reading resumes below 10,000) keep the pipeline fed: with 10,000
 * the database waited for the next batch and the clustering for acknowledgements every other batch.
 */
const BATCH = 5_000;
/** Batches clustered ahead of their write: clustering goes on while the database writes. */
const MAX_IN_FLIGHT = 4;
/**
 * Clustering a batch yields to the event loop this often, ms: the write transactions' round trips (and the COPY
 * data beyond the socket's buffer) wait for the main thread, and a batch clustered in one go held each of them up
 * by up to the whole batch's time. Measured on bench:road, PostgreSQL: the sightings' COPY went from 23–28 s to
 * 13–15 s of the run.
 */
const SLICE_MS = 4;
/** Coverage is derived and not needed per acknowledgement: written at most this often. */
const COVERAGE_FLUSH_MS = 5000;
/** Defect rows are derived from the sightings: written at most this often under load… */
const DEFECT_FLUSH_MS = 3000;
/** …and no more often than this many times the last write of them took (at most about a tenth of the writing). */
const DEFECT_FLUSH_SHARE = 10;
const SYSTEM_ACTOR = 'greenops:clustering';

export interface DefectTrackerOptions {
  records: RecordStore;
  exposure: ExposureSource;
  logger: Logger;
  settings?: Partial<ClusterSettings>;
  /** How often review statuses set by other processes are read back, ms. */
  syncMs?: number;
}

type Item =
  | { kind: 'detection'; detection: Detection; done: () => void }
  | {
      kind: 'position';
      tenant: string;
      vehicle: string;
      timeMs: number;
      lat: number;
      lon: number;
      done: () => void;
    };

/**
 * A batch taken from the queue with its replay lookup started: the next batch's lookup runs while this one is
 * clustered. `commits` is how many writes had committed when it started (all of them are visible to it).
 */
interface Batch {
  items: Item[];
  known: Promise<TenantSets>;
  commits: number;
}

/** One batch clustered and waiting for (or in) its write; acknowledged when `ok`. */
interface InFlight {
  items: Item[];
  write: Promise<void>;
  ok: boolean;
}

/** What one batch writes, taken when it was clustered (the next batch changes the live state meanwhile). */
interface WritePlan {
  batch: number;
  /** Rendered for COPY when clustered, so the write chain only sends them. */
  sightings: PreparedCopy;
  events: (ClusterEvent & { tenant: string })[];
  resolve: (id: string) => string;
  defects: unknown[][] | undefined;
  cells: unknown[][] | undefined;
}

interface CoverageCell {
  tenant: string;
  cell: string;
  lat: number;
  lon: number;
  lastPassMs: number;
  passes: number;
  vehicles: Set<string>;
}

/**
 * Turns detections into defects as they arrive: the ingest hands each road detection (and each fleet position of
 * a camera vehicle) over, and its promise resolves once the defects it changed are written to the records store,
 * so the message is acknowledged only then. Work is done in batches on one queue: a replayed detection (already a
 * sighting) is skipped, so replays change nothing. On a failed write the in-memory state is reloaded from the store
 * and the batch is tried again.
 */
export class DefectTracker {
  readonly clusterer: DefectClusterer;
  private queue: Item[] = [];
  private running: Promise<void> | undefined;
  private stopped = false;
  private cameraVehicles = new TenantSets();
  /** Per tenant, column (x) and row (y) of the cell: numbers, so a detection's cell costs no key string. */
  private coverage = new Map<string, Map<number, Map<number, CoverageCell>>>();
  private syncedAt = new Date(0);
  private dirtyCells = new Set<CoverageCell>();
  private defectsWrittenAt = 0;
  private coverageWrittenAt = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly counts = { detections: 0, skipped: 0, failures: 0 };
  private inFlight: InFlight[] = [];
  /**
   * Detections of batches clustered and not yet seen by a replay lookup: a replay of one of them is skipped like a
   * stored one. A written batch's detections leave it once a lookup started after its commit is used (`written`):
   * a lookup started before could not see them.
   */
  private readonly unwritten = new TenantSets();
  /** Writes committed so far, and the batches written whose detections are still in `unwritten`. */
  private commits = 0;
  private written: { commit: number; items: Item[] }[] = [];
  /** The next batch, its replay lookup under way while the current one is clustered. */
  private ahead: Batch | undefined;
  private lastWrite: Promise<void> = Promise.resolve();
  private batchNo = 0;
  /** How long the last write of defect rows took, ms. */
  private defectWriteMs = 0;
  /**
   * Where the time went since start, ms (the benchmark prints it): the replay lookup and clustering on this side;
   * in the write transactions the sightings, merges and reopenings, defect rows (with how many flushes and rows) and
   * coverage.
   */
  readonly timings = {
    lookup: 0,
    clustering: 0,
    sightings: 0,
    events: 0,
    defects: 0,
    defectFlushes: 0,
    defectRows: 0,
    coverage: 0,
  };

  constructor(private readonly options: DefectTrackerOptions) {
    this.clusterer = new DefectClusterer(options.settings);
  }

  get stats(): { defects: number; detections: number; skipped: number; failures: number; queued: number } {
    return {
      defects: this.clusterer.size,
      ...this.counts,
      queued: this.queue.length + (this.ahead?.items.length ?? 0),
    };
  }

  async start(): Promise<void> {
    await this.load();
    const every = this.options.syncMs ?? 15_000;
    this.syncTimer = setInterval(() => {
      this.syncStatuses().catch((err: unknown) =>
        this.options.logger.warn({ err: errorMessage(err) }, 'road: reading review statuses failed'),
      );
    }, every);
    this.syncTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    await this.running;
    this.stopped = true;
    if (this.dirtyCells.size > 0)
      await this.options.records
        .transaction((tx) => this.writeCoverage(tx, this.coverageParams([...this.dirtyCells])))
        .catch((err: unknown) =>
          this.options.logger.warn({ err: errorMessage(err) }, 'road: writing coverage at stop failed'),
        );
  }

  /** Queues a detection; resolves once its defect is written. */
  addDetection(detection: Detection): Promise<void> {
    return new Promise((done) => this.push({ kind: 'detection', detection, done }));
  }

  /** Queues a vehicle position; only camera vehicles count (coverage, missed passes). */
  addPosition(tenant: string, vehicle: string, timeMs: number, lat: number, lon: number): Promise<void> {
    if (!this.cameraVehicles.has(tenant, vehicle)) return Promise.resolve();
    return new Promise((done) => this.push({ kind: 'position', tenant, vehicle, timeMs, lat, lon, done }));
  }

  /** Resolves when everything queued so far is written. */
  async drain(): Promise<void> {
    while (this.running || this.queue.length > 0) await (this.running ?? this.kick());
  }

  /** A reviewer changed a defect: keep clustering in step (reopen after repair; no automatic merge of decided ones). */
  reviewed(id: string, status: string, atMs?: number): void {
    if (status === 'merged') this.clusterer.remove(id);
    else this.clusterer.setStatus(id, status, atMs);
  }

  private push(item: Item): void {
    this.queue.push(item);
    void this.kick();
  }

  /**
   * The pipeline: a batch is clustered (in memory) and its write started; the next batch is clustered while the
   * database writes, up to MAX_IN_FLIGHT ahead. Writes run in order, each after the previous one committed, and a
   * batch is acknowledged when its own write committed. A failed write fails the ones queued behind it too; all
   * of them go back to the queue, the state is reloaded from the store and they are clustered again.
   */
  private kick(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        while (!this.stopped) {
          if ((this.ahead || this.queue.length > 0) && this.inFlight.length < MAX_IN_FLIGHT) {
            const batch = this.ahead ?? this.take();
            // A full batch waiting behind this one: its lookup goes to the database while this one is clustered.
            this.ahead = this.queue.length >= BATCH ? this.take() : undefined;
            const { items } = batch;
            let plan: WritePlan;
            try {
              plan = await this.prepare(batch);
            } catch (err) {
              this.queue.unshift(...items, ...(this.ahead?.items ?? []));
              this.ahead = undefined;
              await this.recover(err);
              continue;
            }
            const entry: InFlight = { items, write: Promise.resolve(), ok: false };
            entry.write = this.lastWrite.then(async () => {
              await this.write(plan);
              entry.ok = true;
              this.commits += 1;
              this.written.push({ commit: this.commits, items });
              for (const item of items) item.done();
            });
            // The chain's tail must not reject unhandled: each entry's own promise is awaited below.
            this.lastWrite = entry.write.catch(() => {
              throw new Error('an earlier batch of road detections failed to be written');
            });
            this.lastWrite.catch(() => undefined);
            this.inFlight.push(entry);
            continue;
          }
          const oldest = this.inFlight[0];
          if (!oldest) {
            // Every later lookup starts after all these commits.
            this.forgetWritten(this.commits);
            // All written and nothing queued: the defect rows and coverage held back under load go out now.
            if (!this.clusterer.hasDirty && this.dirtyCells.size === 0) break;
            try {
              await this.write(this.flushPlan());
            } catch (err) {
              await this.recover(err);
            }
            continue;
          }
          try {
            await oldest.write;
            this.inFlight.shift();
          } catch (err) {
            await this.recover(err);
          }
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** After a failed write or read: every batch not written goes back to the queue in order; state from the store. */
  private async recover(err: unknown): Promise<void> {
    this.counts.failures += 1;
    this.options.logger.error({ err: errorMessage(err) }, 'road: writing defects failed; retrying');
    await Promise.allSettled(this.inFlight.map((e) => e.write));
    const back = this.inFlight.filter((e) => !e.ok).flatMap((e) => e.items);
    this.inFlight = [];
    this.unwritten.clear();
    this.written = [];
    this.lastWrite = Promise.resolve();
    this.queue.unshift(...back, ...(this.ahead?.items ?? []));
    this.ahead = undefined;
    await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(6, this.counts.failures))));
    await this.load().catch(() => undefined);
  }

  /** Takes the next batch from the queue and starts its replay lookup. */
  private take(): Batch {
    const items = this.queue.splice(0, BATCH);
    const known = this.lookup(items);
    // Awaited when the batch is clustered; until then a failure must not count as unhandled.
    known.catch(() => undefined);
    return { items, known, commits: this.commits };
  }

  /** Which of the batch's detections are stored already (a replay after a crash or a redelivery). */
  private async lookup(items: Item[]): Promise<TenantSets> {
    const byTenant = new Map<string, string[]>();
    for (const item of items)
      if (item.kind === 'detection') {
        const list = byTenant.get(item.detection.tenant);
        if (list) list.push(item.detection.id);
        else byTenant.set(item.detection.tenant, [item.detection.id]);
      }
    const known = new TenantSets();
    for (const [tenant, ids] of byTenant) {
      // One index probe per id (LATERAL … LIMIT 1 makes it a nested loop). `detection_id = ANY($2)` was planned as
      // a scan of the tenant's whole table (parallel seq scan, or a hash join over a bitmap scan): 150–480 ms per
      // batch of 10,000 at a million sightings and growing with the table, against 20 ms for the probes. The ids
      // go as one JSON text: a text[] parameter is escaped element by element in JavaScript.
      const rows = await this.options.records.query<{ detection_id: string }>(
        `SELECT u.id AS detection_id FROM jsonb_array_elements_text($2::jsonb) AS u(id),
           LATERAL (SELECT 1 FROM road_sightings s WHERE s.tenant = $1 AND s.detection_id = u.id LIMIT 1) AS hit`,
        [tenant, JSON.stringify(ids)],
      );
      for (const r of rows) known.add(tenant, r.detection_id);
    }
    return known;
  }

  /** Written batches up to commit `seen` are visible to lookups from now on: their marks in `unwritten` can go. */
  private forgetWritten(seen: number): void {
    let n = 0;
    for (const w of this.written) {
      if (w.commit > seen) break;
      n += 1;
      // A replay skipped in this batch may remove the mark of its original in an earlier batch: that one had
      // committed before this one (writes go in order), so it is visible to the lookup too.
      for (const item of w.items)
        if (item.kind === 'detection') this.unwritten.delete(item.detection.tenant, item.detection.id);
    }
    if (n > 0) this.written.splice(0, n);
  }

  /** Clusters a batch (skipping detections already stored or in a batch being written) and plans its write. */
  private async prepare({ items: batch, known: lookup, commits }: Batch): Promise<WritePlan> {
    const t0 = performance.now();
    /** Detections already stored (a repeat within this batch or one being written is in `unwritten`). */
    const known = await lookup;
    this.forgetWritten(commits);
    const t1 = performance.now();
    this.timings.lookup += t1 - t0;
    const events: (ClusterEvent & { tenant: string })[] = [];
    const taken: Detection[] = [];
    const joined: string[] = [];
    const local: ClusterEvent[] = [];
    let sliceAt = t1;
    for (const item of batch) {
      // Other work may run in between (a reviewer's decision reaches the clusterer; a write commits): the same as
      // while this batch waits for its own write.
      if (performance.now() - sliceAt > SLICE_MS) {
        await new Promise<void>((r) => setImmediate(r));
        sliceAt = performance.now();
      }
      if (item.kind === 'position') {
        this.clusterer.addPosition(item.tenant, item.vehicle, item.timeMs, item);
        this.cover(item.tenant, item.vehicle, item.timeMs, item);
        continue;
      }
      const det = item.detection;
      if (this.unwritten.has(det.tenant, det.id) || (known.size > 0 && known.has(det.tenant, det.id))) {
        this.counts.skipped += 1;
        continue;
      }
      this.unwritten.add(det.tenant, det.id);
      local.length = 0;
      const defect = this.clusterer.add(det, local);
      for (const e of local) events.push({ ...e, tenant: det.tenant });
      taken.push(det);
      joined.push(defect);
      this.counts.detections += 1;
      if (det.vehicle !== undefined) this.cameraVehicles.add(det.tenant, det.vehicle);
      this.cover(det.tenant, det.vehicle ?? det.device, det.timeMs, det);
    }
    const merged = new Map(events.flatMap((e) => (e.kind === 'merged' ? [[e.defect, e.into] as const] : [])));
    // A defect founded and merged away in this batch was never written: its sightings go to the survivor.
    const resolve = (id: string): string => {
      let at = id;
      for (let i = 0; i < 10 && merged.has(at); i++) at = merged.get(at) as string;
      return at;
    };
    const now = Date.now();
    // Sightings are the durable log, written with every batch before it is acknowledged. Defect rows are derived
    // from them and written when the queue runs dry or every DEFECT_FLUSH_MS under load: a defect seen a hundred
    // times in a second is written once. After a crash, load() replays the sightings of batches past the
    // checkpoint (the last batch whose defects were written).
    // Idle: nothing queued behind this batch and nothing being written (a trickle): its defects go out with it.
    // Under load they wait for DEFECT_FLUSH_MS or for the pipeline to run dry (flushPlan).
    const idle = this.queue.length === 0 && this.inFlight.length === 0 && !this.ahead;
    const defectsDue =
      idle ||
      this.stopped ||
      now - this.defectsWrittenAt >= Math.max(DEFECT_FLUSH_MS, DEFECT_FLUSH_SHARE * this.defectWriteMs);
    const coverageDue = idle || this.stopped || now - this.coverageWrittenAt >= COVERAGE_FLUSH_MS;
    if (defectsDue) this.defectsWrittenAt = now;
    let cells: unknown[][] | undefined;
    if (coverageDue) {
      cells = this.coverageParams([...this.dirtyCells]);
      this.dirtyCells.clear();
      this.coverageWrittenAt = now;
    }
    this.batchNo = Math.max(this.batchNo + 1, now);
    const batchNo = this.batchNo;
    const copy = new CopyWriter(256 * taken.length + 1024);
    for (let i = 0; i < taken.length; i++)
      writeSighting(copy, taken[i] as Detection, resolve(joined[i] as string), batchNo);
    const plan: WritePlan = {
      batch: batchNo,
      sightings: copy.finish(),
      events,
      resolve,
      defects: defectsDue ? this.defectParams(this.clusterer.takeDirty()) : undefined,
      cells,
    };
    this.timings.clustering += performance.now() - t1;
    return plan;
  }

  /** A write of no sightings: the dirty defects (with the checkpoint of the last batch) and coverage cells. */
  private flushPlan(): WritePlan {
    const now = Date.now();
    this.defectsWrittenAt = now;
    this.coverageWrittenAt = now;
    const cells = this.coverageParams([...this.dirtyCells]);
    this.dirtyCells.clear();
    return {
      batch: this.batchNo,
      sightings: prepareCopy([]),
      events: [],
      resolve: (id) => id,
      defects: this.defectParams(this.clusterer.takeDirty()),
      cells,
    };
  }

  private async write(plan: WritePlan): Promise<void> {
    const t = this.timings;
    let at = performance.now();
    const lap = (): number => {
      const was = at;
      at = performance.now();
      return at - was;
    };
    await this.options.records.transaction(async (tx) => {
      lap();
      await tx.copyRows('road_sightings', SIGHTING_COLUMNS, plan.sightings);
      t.sightings += lap();
      await this.writeEvents(tx, plan.events, plan.resolve);
      t.events += lap();
      if (plan.defects) {
        await this.writeDefects(tx, plan.defects);
        await tx.query(
          `INSERT INTO road_checkpoint (id, seq) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq`,
          [plan.batch],
        );
        this.defectWriteMs = lap();
        t.defects += this.defectWriteMs;
        t.defectFlushes += 1;
        t.defectRows += (plan.defects[0] as unknown[]).length;
      }
      if (plan.cells) await this.writeCoverage(tx, plan.cells);
      t.coverage += lap();
    });
  }

  /** A tenant's coverage cells in column `x`, by row (made on first use). */
  private coverageColumn(tenant: string, x: number): Map<number, CoverageCell> {
    let columns = this.coverage.get(tenant);
    if (!columns) this.coverage.set(tenant, (columns = new Map()));
    let column = columns.get(x);
    if (!column) columns.set(x, (column = new Map()));
    return column;
  }

  /** Counts a camera vehicle's pass over the coverage cell at `at`, and marks the cell to be written. */
  private cover(tenant: string, vehicle: string, timeMs: number, at: { lat: number; lon: number }): void {
    const { x, y } = cellOf(at, COVERAGE_CELL_M);
    const column = this.coverageColumn(tenant, x);
    let c = column.get(y);
    if (!c) {
      const degLat = COVERAGE_CELL_M / M_PER_DEG_LAT;
      const degLon = degLat / Math.cos((Math.round(at.lat) * Math.PI) / 180);
      c = {
        tenant,
        cell: `${x}:${y}`,
        lat: (y + 0.5) * degLat,
        lon: (x + 0.5) * degLon,
        lastPassMs: timeMs,
        passes: 1,
        vehicles: new Set([vehicle]),
      };
      column.set(y, c);
    } else {
      if (timeMs - c.lastPassMs > 5 * 60_000) c.passes += 1;
      c.lastPassMs = Math.max(c.lastPassMs, timeMs);
      c.vehicles.add(vehicle);
    }
    this.dirtyCells.add(c);
  }

  /** The defect rows' columns now (the state goes on changing while they are written). */
  private defectParams(dirty: DefectState[]): unknown[][] {
    const s = this.clusterer.settings;
    const cols = {
      id: [] as string[],
      tenant: [] as string[],
      damage: [] as string[],
      lat: [] as number[],
      lon: [] as number[],
      sightings: [] as number[],
      drives: [] as number[],
      first: [] as string[],
      last: [] as string[],
      confidence: [] as number[],
      corroborated: [] as boolean[],
      severity: [] as number[],
      aadt: [] as number[],
      source: [] as string[],
      missed: [] as number[],
      since: [] as number[],
      versions: [] as string[],
      state: [] as string[],
    };
    for (const d of dirty) {
      const exposure = this.options.exposure.exposureAt(d.tenant, d);
      cols.id.push(d.id);
      cols.tenant.push(d.tenant);
      cols.damage.push(d.damage);
      cols.lat.push(d.lat);
      cols.lon.push(d.lon);
      cols.sightings.push(d.sightings);
      cols.drives.push(d.drives);
      cols.first.push(new Date(d.firstSeenMs).toISOString());
      cols.last.push(new Date(d.lastSeenMs).toISOString());
      cols.confidence.push(Math.round(fusedConfidence(d, s.missFactor) * 1000) / 1000);
      cols.corroborated.push(isCorroborated(d));
      cols.severity.push(stateSeverity(d, s.missFactor).grade);
      cols.aadt.push(exposure.aadt);
      cols.source.push(exposure.source);
      cols.missed.push(d.missedPasses);
      cols.since.push(d.missesSinceSeen);
      cols.versions.push(textArray(d.modelVersions));
      cols.state.push(
        JSON.stringify({
          axisDeg: d.axisDeg,
          logMiss: d.logMiss,
          maxBoxArea: d.maxBoxArea,
          maxConfidence: d.maxConfidence,
          vehicles: d.vehicles,
        }),
      );
    }
    return [
      cols.id,
      cols.tenant,
      cols.damage,
      cols.lat,
      cols.lon,
      cols.sightings,
      cols.drives,
      cols.first,
      cols.last,
      cols.confidence,
      cols.corroborated,
      cols.severity,
      cols.aadt,
      cols.source,
      cols.missed,
      cols.since,
      cols.versions,
      cols.state,
    ];
  }

  private async writeDefects(tx: RecordQueryable, params: unknown[][]): Promise<void> {
    if ((params[0] as unknown[]).length === 0) return;
    // Priority uses a person's severity override when there is one: computed in SQL from the stored override.
    await tx.query(
      `INSERT INTO road_defects AS d (id, tenant, damage, lat, lon, sightings, drives, first_seen, last_seen, confidence,
         corroborated, severity, exposure_aadt, exposure_source, priority, missed_passes, misses_since_seen, model_versions, state)
       SELECT u.id, u.tenant, u.damage, u.lat, u.lon, u.sightings, u.drives, u.first, u.last, u.confidence,
         u.corroborated, u.severity, u.aadt, u.source, round((u.severity * u.aadt / 1000.0)::numeric, 2)::real,
         u.missed, u.since, u.versions::text[], u.state::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::int[], $7::int[],
         $8::timestamptz[], $9::timestamptz[], $10::real[], $11::boolean[], $12::int[], $13::real[], $14::text[],
         $15::int[], $16::int[], $17::text[], $18::text[])
         AS u(id, tenant, damage, lat, lon, sightings, drives, first, last, confidence, corroborated, severity, aadt,
           source, missed, since, versions, state)
       ON CONFLICT (id) DO UPDATE SET lat = EXCLUDED.lat, lon = EXCLUDED.lon, sightings = EXCLUDED.sightings,
         drives = EXCLUDED.drives, first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen,
         confidence = EXCLUDED.confidence, corroborated = EXCLUDED.corroborated, severity = EXCLUDED.severity,
         exposure_aadt = EXCLUDED.exposure_aadt, exposure_source = EXCLUDED.exposure_source,
         priority = round((coalesce(d.severity_override, EXCLUDED.severity) * EXCLUDED.exposure_aadt / 1000.0)::numeric, 2)::real,
         missed_passes = EXCLUDED.missed_passes, misses_since_seen = EXCLUDED.misses_since_seen,
         model_versions = EXCLUDED.model_versions, state = EXCLUDED.state, updated_at = now()`,
      params,
    );
  }

  private async writeEvents(
    tx: RecordQueryable,
    events: (ClusterEvent & { tenant: string })[],
    resolve: (id: string) => string,
  ): Promise<void> {
    for (const e of events) {
      if (e.kind === 'reopened') {
        await tx.query(
          `UPDATE road_defects SET status = 'new', version = version + 1, updated_at = now()
           WHERE id = $1 AND status IN ('repaired', 'closed')`,
          [e.defect],
        );
        await tx.query(
          `INSERT INTO road_history (tenant, defect_id, action, from_status, to_status, note, actor_id, detail)
           VALUES ($1, $2, 'reopen', NULL, 'new', 'seen again after repair', $3, $4)`,
          [
            e.tenant,
            e.defect,
            SYSTEM_ACTOR,
            JSON.stringify({ detection: e.detection, seenAt: new Date(e.timeMs).toISOString() }),
          ],
        );
      }
    }
    // Automatic merges of the batch in two statements: an alias per merged defect to the survivor (the end of the
    // chain when a survivor was itself merged later in the batch; its stored sightings stay and are read through
    // the alias), and the merged rows say so, with a history row on each side (as a person's merge: `merge` with
    // {into} on the merged one, `merged-in` with {from} on the survivor) written by the same statement.
    const merged = events.filter((e) => e.kind === 'merged');
    if (merged.length === 0) return;
    const drops = merged.map((e) => e.defect);
    const intos = merged.map((e) => resolve(e.defect));
    const tenants = merged.map((e) => e.tenant);
    await tx.query(
      `INSERT INTO road_defect_aliases (id, tenant, into_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (id) DO UPDATE SET into_id = EXCLUDED.into_id`,
      [drops, tenants, intos],
    );
    await tx.query(
      `WITH m AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS m(old_id, new_id, tenant)),
       h AS (
         INSERT INTO road_history (tenant, defect_id, action, from_status, to_status, note, actor_id, detail)
         SELECT m.tenant, m.old_id, 'merge', d.status, 'merged', 'merged automatically: same place, class and axis',
           $4, jsonb_build_object('into', m.new_id)
         FROM m LEFT JOIN road_defects d ON d.id = m.old_id
         UNION ALL
         SELECT m.tenant, m.new_id, 'merged-in', NULL, NULL, 'a duplicate merged into it automatically', $4,
           jsonb_build_object('from', m.old_id)
         FROM m)
       UPDATE road_defects d SET status = 'merged', merged_into = m.new_id, version = d.version + 1, updated_at = now()
       FROM m WHERE d.id = m.old_id`,
      [drops, intos, tenants, SYSTEM_ACTOR],
    );
  }

  private coverageParams(cells: CoverageCell[]): unknown[][] {
    return [
      cells.map((c) => c.tenant),
      cells.map((c) => c.cell),
      cells.map((c) => c.lat),
      cells.map((c) => c.lon),
      cells.map((c) => new Date(c.lastPassMs).toISOString()),
      cells.map((c) => c.passes),
      cells.map((c) => JSON.stringify([...c.vehicles])),
    ];
  }

  private async writeCoverage(tx: RecordQueryable, params: unknown[][]): Promise<void> {
    if ((params[0] as unknown[]).length === 0) return;
    await tx.query(
      `INSERT INTO road_coverage (tenant, cell, lat, lon, last_pass, passes, vehicles)
       SELECT u.tenant, u.cell, u.lat, u.lon, u.last_pass, u.passes, ARRAY(SELECT jsonb_array_elements_text(u.vehicles::jsonb))
       FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[], $6::int[], $7::text[])
         AS u(tenant, cell, lat, lon, last_pass, passes, vehicles)
       ON CONFLICT (tenant, cell) DO UPDATE SET last_pass = greatest(road_coverage.last_pass, EXCLUDED.last_pass),
         passes = EXCLUDED.passes, vehicles = EXCLUDED.vehicles`,
      params,
    );
  }

  /** Rebuilds the in-memory state from the store (start, and after a failed write). */
  private async load(): Promise<void> {
    const rows = await this.options.records.query<DefectRow>(
      `SELECT id, tenant, damage, status, lat, lon, sightings, drives, first_seen, last_seen, missed_passes,
         misses_since_seen, model_versions, state, repaired_at FROM road_defects WHERE merged_into IS NULL`,
    );
    const clusterer = new DefectClusterer(this.clusterer.settings);
    for (const r of rows) clusterer.load(stateOf(r));
    // Swap the contents in place: the tracker's clusterer is shared with whoever holds it.
    for (const d of [...this.clusterer.all()]) this.clusterer.remove(d.id);
    for (const d of clusterer.all()) this.clusterer.load(d);
    this.clusterer.takeDirty();
    // Sightings written after the last defect checkpoint (a crash between the two): fold them in again.
    const replay = await this.options.records.query<SightingRow>(
      `SELECT s.tenant, s.detection_id, s.defect_id, s.ts_ms::float8 AS ts_ms, s.device, s.vehicle, s.confidence,
         s.box_area, s.image_ref, s.model_version, s.damage, s.lat_e7, s.lon_e7, s.heading
       FROM road_sightings s WHERE s.batch > coalesce((SELECT seq FROM road_checkpoint WHERE id = 1), 0)
       ORDER BY s.batch, s.ts_ms`,
    );
    // A sighting stays under the defect it joined; a defect merged since is followed to its survivor.
    const survivor = await survivors(this.options.records, [...new Set(replay.map((r) => r.defect_id))]);
    for (const r of replay)
      this.clusterer.replay(survivor.get(r.defect_id) ?? r.defect_id, {
        id: r.detection_id,
        tenant: r.tenant,
        device: r.device,
        vehicle: r.vehicle ?? undefined,
        timeMs: Number(r.ts_ms),
        lat: r.lat_e7 / 1e7,
        lon: r.lon_e7 / 1e7,
        headingDeg: r.heading ?? undefined,
        damage: r.damage as DamageClass,
        confidence: r.confidence,
        bbox: { x: 0, y: 0, w: Math.sqrt(r.box_area), h: Math.sqrt(r.box_area) },
        imageRef: r.image_ref ?? undefined,
        modelVersion: r.model_version ?? undefined,
      });
    if (replay.length > 0)
      this.options.logger.info({ sightings: replay.length }, 'road: replayed sightings past the checkpoint');
    const vehicles = await this.options.records.query<{ tenant: string; vehicle: string }>(
      'SELECT DISTINCT tenant, vehicle FROM road_sightings WHERE vehicle IS NOT NULL',
    );
    this.cameraVehicles = new TenantSets();
    for (const v of vehicles) this.cameraVehicles.add(v.tenant, v.vehicle);
    const cells = await this.options.records.query<{
      tenant: string;
      cell: string;
      lat: number;
      lon: number;
      last_pass: Date;
      passes: number;
      vehicles: string[];
    }>('SELECT * FROM road_coverage');
    this.coverage = new Map();
    this.dirtyCells.clear();
    for (const c of cells) {
      const [x, y] = c.cell.split(':').map(Number) as [number, number];
      this.coverageColumn(c.tenant, x).set(y, {
        ...c,
        lastPassMs: new Date(c.last_pass).getTime(),
        vehicles: new Set(c.vehicles),
      });
    }
    this.syncedAt = new Date();
  }

  private async syncStatuses(): Promise<void> {
    const since = this.syncedAt;
    this.syncedAt = new Date();
    const rows = await this.options.records.query<{ id: string; status: string; repaired_at: Date | null }>(
      'SELECT id, status, repaired_at FROM road_defects WHERE updated_at >= $1',
      [since.toISOString()],
    );
    for (const r of rows)
      this.reviewed(r.id, r.status, r.repaired_at ? new Date(r.repaired_at).getTime() : undefined);
  }
}

/**
 * A sighting as a row of COPY text, in SIGHTING_COLUMNS' order, straight from the detection. The `real` columns go
 * as integers with an exponent (confidence to 1e-4, box area to 1e-6 of the frame, heading to 0.01°): a double's
 * shortest decimal form costs about ten times an integer's, and a `real` keeps only about seven digits of it.
 */
function writeSighting(copy: CopyWriter, det: Detection, defect: string, batch: number): void {
  copy
    .text(det.tenant)
    .text(det.id)
    .text(defect)
    .int(det.timeMs)
    .text(det.device)
    .text(det.vehicle)
    .scaled(det.confidence, 4)
    .scaled(det.bbox.w * det.bbox.h, 6)
    .text(det.imageRef)
    .text(det.modelVersion)
    .text(det.damage)
    .int(det.lat * 1e7)
    .int(det.lon * 1e7)
    .scaled(det.headingDeg, 2)
    .int(batch)
    .endRow();
}

/** Sets of ids per tenant: a membership test per detection without building a tenant-and-id key string. */
class TenantSets {
  private readonly sets = new Map<string, Set<string>>();

  /** How many tenants have a set (0: nothing was ever added). */
  get size(): number {
    return this.sets.size;
  }

  has(tenant: string, id: string): boolean {
    return this.sets.get(tenant)?.has(id) ?? false;
  }

  add(tenant: string, id: string): void {
    const set = this.sets.get(tenant);
    if (set) set.add(id);
    else this.sets.set(tenant, new Set([id]));
  }

  delete(tenant: string, id: string): void {
    this.sets.get(tenant)?.delete(id);
  }

  clear(): void {
    this.sets.clear();
  }
}

/** A text[] literal (`{"a","b"}`): a ragged list of lists goes into one text[] parameter as text per row. */
function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/**
 * Where each of `ids` ended up: the last defect of its chain of merges (road_defect_aliases); ids never merged are
 * left out.
 */
async function survivors(records: RecordQueryable, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await records.query<{ start: string; id: string }>(
    `WITH RECURSIVE chain(start, id, depth) AS (
       SELECT a.id, a.into_id, 1 FROM road_defect_aliases a WHERE a.id = ANY($1::text[])
       UNION ALL
       SELECT c.start, a.into_id, c.depth + 1 FROM chain c JOIN road_defect_aliases a ON a.id = c.id WHERE c.depth < 100)
     SELECT DISTINCT ON (start) start, id FROM chain ORDER BY start, depth DESC`,
    [ids],
  );
  return new Map(rows.map((r) => [r.start, r.id]));
}

const SIGHTING_COLUMNS = [
  'tenant',
  'detection_id',
  'defect_id',
  'ts_ms',
  'device',
  'vehicle',
  'confidence',
  'box_area',
  'image_ref',
  'model_version',
  'damage',
  'lat_e7',
  'lon_e7',
  'heading',
  'batch',
];

interface SightingRow {
  tenant: string;
  detection_id: string;
  defect_id: string;
  ts_ms: number;
  device: string;
  vehicle: string | null;
  confidence: number;
  box_area: number;
  image_ref: string | null;
  model_version: string | null;
  damage: string;
  lat_e7: number;
  lon_e7: number;
  heading: number | null;
}

interface DefectRow {
  id: string;
  tenant: string;
  damage: string;
  status: string;
  lat: number;
  lon: number;
  sightings: number;
  drives: number;
  first_seen: Date;
  last_seen: Date;
  missed_passes: number;
  misses_since_seen: number;
  model_versions: string[];
  state: {
    axisDeg?: number;
    logMiss: number;
    maxBoxArea: number;
    maxConfidence: number;
    vehicles: Record<string, { t: number; c: number }>;
  };
  repaired_at: Date | null;
}

function stateOf(r: DefectRow): DefectState {
  return {
    id: r.id,
    tenant: r.tenant,
    damage: r.damage as DamageClass,
    lat: r.lat,
    lon: r.lon,
    axisDeg: r.state.axisDeg,
    sightings: r.sightings,
    drives: r.drives,
    firstSeenMs: new Date(r.first_seen).getTime(),
    lastSeenMs: new Date(r.last_seen).getTime(),
    logMiss: r.state.logMiss,
    maxBoxArea: r.state.maxBoxArea,
    maxConfidence: r.state.maxConfidence,
    modelVersions: r.model_versions,
    vehicles: r.state.vehicles,
    missedPasses: r.missed_passes,
    missesSinceSeen: r.misses_since_seen,
    status: r.status,
    repairedAtMs: r.repaired_at ? new Date(r.repaired_at).getTime() : undefined,
  };
}

export { priorityOf };
