import { randomUUID } from 'node:crypto';
import { GreenopsError, badRequest, notFound } from '../../core/index.js';
import type { RecordQueryable, RecordStore } from '../../store/index.js';
import { nextStatus, type DefectAction, type DefectStatus, type WorkOrderStatus } from './review-workflow.js';
import { precisionByClass, type ClassPrecision } from './precision.js';

export interface DefectView {
  id: string;
  damage: string;
  status: string;
  severity: number;
  /** The clustering's severity when a person overrode it. */
  computedSeverity: number;
  priority: number;
  lat: number;
  lon: number;
  sightings: number;
  drives: number;
  firstSeen: string;
  lastSeen: string;
  confidence: number;
  corroborated: boolean;
  missedPasses: number;
  missesSinceSeen: number;
  exposure: { aadt: number; source: string };
  modelVersions: string[];
  reason: string | null;
  mergedInto: string | null;
  version: number;
}

/** The columns of a defect on the map (`format=map`), in this order. */
export const MAP_FIELDS = [
  'id',
  'lat',
  'lon',
  'severity',
  'priority',
  'status',
  'damage',
  'corroborated',
] as const;
export type MapDefect = [string, number, number, number, number, string, string, boolean];

export interface DefectFilter {
  /** Only these defects (a work order's), merged ones included. */
  ids?: readonly string[];
  status?: readonly string[];
  damage?: readonly string[];
  bbox?: { west: number; south: number; east: number; north: number };
  minPriority?: number;
  corroborated?: boolean;
  /** Only defects first seen at least / at most this many days ago. */
  minAgeDays?: number;
  maxAgeDays?: number;
  limit: number;
  offset?: number;
}

export interface Actor {
  id: string;
  name: string | undefined;
}

export interface WorkOrderView {
  id: string;
  defectIds: string[];
  status: WorkOrderStatus;
  assignee: string;
  dueDate: string | null;
  notes: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  version: number;
}

interface Row {
  id: string;
  damage: string;
  status: string;
  severity: number;
  severity_override: number | null;
  priority: number;
  lat: number;
  lon: number;
  sightings: number;
  drives: number;
  first_seen: Date;
  last_seen: Date;
  confidence: number;
  corroborated: boolean;
  missed_passes: number;
  misses_since_seen: number;
  exposure_aadt: number;
  exposure_source: string;
  model_versions: string[];
  reason: string | null;
  merged_into: string | null;
  version: number;
}

const COLUMNS = `id, damage, status, severity, severity_override, priority, lat, lon, sightings, drives, first_seen,
  last_seen, confidence, corroborated, missed_passes, misses_since_seen, exposure_aadt, exposure_source,
  model_versions, reason, merged_into, version`;

function view(r: Row): DefectView {
  return {
    id: r.id,
    damage: r.damage,
    status: r.status,
    severity: r.severity_override ?? r.severity,
    computedSeverity: r.severity,
    priority: r.priority,
    lat: Math.round(r.lat * 1e6) / 1e6,
    lon: Math.round(r.lon * 1e6) / 1e6,
    sightings: r.sightings,
    drives: r.drives,
    firstSeen: new Date(r.first_seen).toISOString(),
    lastSeen: new Date(r.last_seen).toISOString(),
    confidence: r.confidence,
    corroborated: r.corroborated,
    missedPasses: r.missed_passes,
    missesSinceSeen: r.misses_since_seen,
    exposure: { aadt: r.exposure_aadt, source: r.exposure_source },
    modelVersions: r.model_versions,
    reason: r.reason,
    mergedInto: r.merged_into,
    version: r.version,
  };
}

/** A decision's consequence for the caller: the defect after it, and what clustering must learn of it. */
export interface Transition {
  defect: DefectView;
  from: string;
}

/**
 * Defects of the records store for people: the review queue, a defect with its sightings and history, decisions
 * and other transitions (each with If-Match on the defect's version and a history entry), work orders, the
 * detector's precision from the decisions, and coverage.
 */
export class RoadDefects {
  constructor(
    private readonly records: RecordStore,
    private readonly now: () => number = Date.now,
  ) {}

  async list(tenant: string, f: DefectFilter): Promise<{ defects: DefectView[]; total: number }> {
    const { clause, params } = this.where(tenant, f);
    const [count] = await this.records.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM road_defects WHERE ${clause}`,
      params,
    );
    const rows = await this.records.query<Row>(
      `SELECT ${COLUMNS} FROM road_defects WHERE ${clause}
       ORDER BY corroborated DESC, priority DESC, last_seen DESC, id LIMIT ${f.limit} OFFSET ${f.offset ?? 0}`,
      params,
    );
    return { defects: rows.map(view), total: count?.n ?? 0 };
  }

  /**
   * The map's lean list: per defect only what a dot needs, as one array in the order of {@link MAP_FIELDS} (a
   * tenth of the full JSON for 10,000 open defects), in the queue's order.
   */
  async listMap(tenant: string, f: DefectFilter): Promise<{ defects: MapDefect[]; total: number }> {
    const { clause, params } = this.where(tenant, f);
    const rows = await this.records.query<{
      id: string;
      lat: number;
      lon: number;
      severity: number;
      priority: number;
      status: string;
      damage: string;
      corroborated: boolean;
    }>(
      `SELECT id, lat, lon, coalesce(severity_override, severity) AS severity, priority, status, damage, corroborated
       FROM road_defects WHERE ${clause}
       ORDER BY corroborated DESC, priority DESC, last_seen DESC, id LIMIT ${f.limit} OFFSET ${f.offset ?? 0}`,
      params,
    );
    let total = rows.length + (f.offset ?? 0);
    if (rows.length === f.limit) {
      const [count] = await this.records.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM road_defects WHERE ${clause}`,
        params,
      );
      total = count?.n ?? total;
    }
    return {
      defects: rows.map((r) => [
        r.id,
        Math.round(r.lat * 1e6) / 1e6,
        Math.round(r.lon * 1e6) / 1e6,
        r.severity,
        r.priority,
        r.status,
        r.damage,
        r.corroborated,
      ]),
      total,
    };
  }

  private where(tenant: string, f: DefectFilter): { clause: string; params: unknown[] } {
    // Merged defects are aliases of their survivor: left out unless asked for by status=merged or by id.
    const where =
      f.status?.includes('merged') || f.ids ? ['tenant = $1'] : ['tenant = $1', "status <> 'merged'"];
    const params: unknown[] = [tenant];
    const add = (sql: string, ...values: unknown[]) => {
      let text = sql;
      for (const v of values) {
        params.push(v);
        text = text.replace('?', `$${params.length}`);
      }
      where.push(text);
    };
    if (f.ids) add('id = ANY(?::text[])', f.ids);
    if (f.status?.length) add('status = ANY(?::text[])', f.status);
    if (f.damage?.length) add('damage = ANY(?::text[])', f.damage);
    if (f.bbox)
      add(
        'lon >= ? AND lon <= ? AND lat >= ? AND lat <= ?',
        f.bbox.west,
        f.bbox.east,
        f.bbox.south,
        f.bbox.north,
      );
    if (f.minPriority !== undefined) add('priority >= ?', f.minPriority);
    if (f.corroborated !== undefined) add('corroborated = ?', f.corroborated);
    const day = 86_400_000;
    if (f.minAgeDays !== undefined)
      add('first_seen <= ?', new Date(this.now() - f.minAgeDays * day).toISOString());
    if (f.maxAgeDays !== undefined)
      add('first_seen >= ?', new Date(this.now() - f.maxAgeDays * day).toISOString());
    return { clause: where.join(' AND '), params };
  }

  async get(tenant: string, id: string): Promise<DefectView | undefined> {
    const [row] = await this.records.query<Row>(
      `SELECT ${COLUMNS} FROM road_defects WHERE tenant = $1 AND id = $2`,
      [tenant, id],
    );
    return row && view(row);
  }

  async sightings(tenant: string, id: string, limit = 200): Promise<Record<string, unknown>[]> {
    const rows = await this.records.query<{
      detection_id: string;
      ts_ms: number;
      device: string;
      vehicle: string | null;
      confidence: number;
      box_area: number;
      image_ref: string | null;
      model_version: string | null;
    }>(
      // Its own sightings and those of the defects merged into it (they stay under their first defect's id).
      `WITH RECURSIVE ids(id, depth) AS (
         SELECT $2::text, 0
         UNION ALL
         SELECT a.id, ids.depth + 1 FROM road_defect_aliases a JOIN ids ON a.into_id = ids.id WHERE ids.depth < 100)
       SELECT detection_id, ts_ms::float8 AS ts_ms, device, vehicle, confidence, box_area, image_ref, model_version
       FROM road_sightings WHERE tenant = $1 AND defect_id IN (SELECT id FROM ids) ORDER BY ts_ms DESC LIMIT $3`,
      [tenant, id, limit],
    );
    return rows.map((r) => ({
      detectionId: r.detection_id,
      ts: new Date(Number(r.ts_ms)).toISOString(),
      camera: r.device,
      vehicle: r.vehicle,
      confidence: Math.round(r.confidence * 1000) / 1000,
      boxArea: Math.round(r.box_area * 10000) / 10000,
      imageRef: r.image_ref,
      modelVersion: r.model_version,
    }));
  }

  async history(tenant: string, id: string): Promise<Record<string, unknown>[]> {
    const rows = await this.records.query<{
      id: number;
      at: Date;
      action: string;
      from_status: string | null;
      to_status: string | null;
      reason: string | null;
      note: string | null;
      actor_id: string;
      actor_name: string | null;
      detail: unknown;
    }>('SELECT * FROM road_history WHERE tenant = $1 AND defect_id = $2 ORDER BY id', [tenant, id]);
    return rows.map((r) => ({
      id: Number(r.id),
      at: new Date(r.at).toISOString(),
      action: r.action,
      from: r.from_status,
      to: r.to_status,
      reason: r.reason,
      note: r.note,
      by: r.actor_name ?? r.actor_id,
      detail: r.detail ?? null,
    }));
  }

  /**
   * Applies a person's action to a defect. `ifMatch`: the versions the caller saw (If-Match); a defect changed
   * since is refused with 412. Returns undefined for an unknown defect.
   */
  async act(
    tenant: string,
    id: string,
    action: DefectAction,
    input: { reason?: string | undefined; note?: string | undefined },
    actor: Actor,
    ifMatch: readonly number[] | undefined,
  ): Promise<Transition | undefined> {
    return this.records.transaction(async (tx) => {
      const [row] = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM road_defects WHERE tenant = $1 AND id = $2 FOR UPDATE`,
        [tenant, id],
      );
      if (!row) return undefined;
      checkVersion(row, ifMatch);
      const to = nextStatus(row.status, action);
      if (!to)
        throw new GreenopsError('CONFLICT', `a defect that is ${row.status} cannot be given "${action}"`, {
          field: 'decision',
        });
      const updated = await this.setStatus(tx, row, to, action, input, actor);
      return { defect: updated, from: row.status };
    });
  }

  /** A person's severity grade (1–5) instead of the computed one; priority follows. */
  async overrideSeverity(
    tenant: string,
    id: string,
    severity: number | null,
    actor: Actor,
    ifMatch: readonly number[] | undefined,
  ): Promise<DefectView | undefined> {
    return this.records.transaction(async (tx) => {
      const [row] = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM road_defects WHERE tenant = $1 AND id = $2 FOR UPDATE`,
        [tenant, id],
      );
      if (!row) return undefined;
      checkVersion(row, ifMatch);
      const [updated] = await tx.query<Row>(
        `UPDATE road_defects SET severity_override = $3,
           priority = round((coalesce($3, severity) * exposure_aadt / 1000.0)::numeric, 2)::real,
           version = version + 1, updated_at = now() WHERE tenant = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [tenant, id, severity],
      );
      await history(tx, tenant, id, 'severity', row.status, row.status, actor, {
        detail: { from: row.severity_override ?? row.severity, to: severity ?? row.severity },
      });
      return view(updated as Row);
    });
  }

  /**
   * Merges `id` into `into` (a person's duplicate decision): `id` becomes merged and an alias to `into`, through
   * which `into`'s sightings include those of `id`.
   */
  async merge(tenant: string, id: string, into: string, actor: Actor): Promise<DefectView | undefined> {
    if (id === into) throw badRequest('into', 'a defect cannot be merged into itself');
    return this.records.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM road_defects WHERE tenant = $1 AND id = ANY($2::text[]) FOR UPDATE`,
        [tenant, [id, into]],
      );
      const from = rows.find((r) => r.id === id);
      const target = rows.find((r) => r.id === into);
      if (!from) return undefined;
      if (!target) throw notFound(`no defect ${into} for ${tenant}`);
      if (target.status === 'merged')
        throw new GreenopsError('CONFLICT', `${into} is itself merged`, { field: 'into' });
      await tx.query(
        `INSERT INTO road_defect_aliases (id, tenant, into_id) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET into_id = EXCLUDED.into_id`,
        [id, tenant, into],
      );
      await tx.query(
        `UPDATE road_defects SET sightings = sightings + $3, first_seen = least(first_seen, $4), last_seen = greatest(last_seen, $5),
           version = version + 1, updated_at = now() WHERE tenant = $1 AND id = $2`,
        [tenant, into, from.sightings, from.first_seen, from.last_seen],
      );
      const [updated] = await tx.query<Row>(
        `UPDATE road_defects SET status = 'merged', merged_into = $3, version = version + 1, updated_at = now()
         WHERE tenant = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [tenant, id, into],
      );
      await history(tx, tenant, id, 'merge', from.status, 'merged', actor, { detail: { into } });
      await history(tx, tenant, into, 'merged-in', target.status, target.status, actor, {
        detail: { from: id },
      });
      return view(updated as Row);
    });
  }

  private async setStatus(
    tx: RecordQueryable,
    row: Row,
    to: DefectStatus,
    action: string,
    input: { reason?: string | undefined; note?: string | undefined },
    actor: Actor,
  ): Promise<DefectView> {
    const [updated] = await tx.query<Row>(
      `UPDATE road_defects SET status = $2, reason = $3, repaired_at = CASE WHEN $2 = 'repaired' THEN now() ELSE repaired_at END,
         version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [row.id, to, to === 'rejected' ? (input.reason ?? null) : null],
    );
    const [state] = await tx.query<{ max_confidence: number }>(
      "SELECT (state->>'maxConfidence')::real AS max_confidence FROM road_defects WHERE id = $1",
      [row.id],
    );
    await history(tx, await tenantOfRow(tx, row.id), row.id, action, row.status, to, actor, {
      reason: input.reason,
      note: input.note,
      damage: row.damage,
      modelVersion: row.model_versions[row.model_versions.length - 1],
      detail: { maxConfidence: state?.max_confidence ?? null, confidence: row.confidence },
    });
    return view(updated as Row);
  }

  async workOrders(tenant: string, status?: readonly string[]): Promise<WorkOrderView[]> {
    const rows = await this.records.query<WorkOrderRow>(
      `SELECT * FROM road_work_orders WHERE tenant = $1 ${status?.length ? 'AND status = ANY($2::text[])' : ''}
       ORDER BY created_at DESC LIMIT 5000`,
      status?.length ? [tenant, status] : [tenant],
    );
    return rows.map(orderView);
  }

  /** A work order for confirmed defects: they become work_ordered. */
  async createWorkOrder(
    tenant: string,
    input: { defectIds: string[]; assignee: string; dueDate: string | undefined; notes: string | undefined },
    actor: Actor,
  ): Promise<WorkOrderView> {
    return this.records.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM road_defects WHERE tenant = $1 AND id = ANY($2::text[]) FOR UPDATE`,
        [tenant, input.defectIds],
      );
      const missing = input.defectIds.filter((id) => !rows.some((r) => r.id === id));
      if (missing.length > 0) throw badRequest('defectIds', `no defect ${missing.join(', ')} for ${tenant}`);
      const unconfirmed = rows.filter((r) => r.status !== 'confirmed');
      if (unconfirmed.length > 0)
        throw new GreenopsError(
          'CONFLICT',
          `only confirmed defects get a work order; ${unconfirmed.map((r) => `${r.id} is ${r.status}`).join(', ')}`,
          { field: 'defectIds' },
        );
      const id = `wo-${randomUUID().slice(0, 8)}`;
      const [order] = await tx.query<WorkOrderRow>(
        `INSERT INTO road_work_orders (id, tenant, defect_ids, status, assignee, due_date, notes, created_by)
         VALUES ($1, $2, $3, 'open', $4, $5, $6, $7) RETURNING *`,
        [
          id,
          tenant,
          input.defectIds,
          input.assignee,
          input.dueDate ?? null,
          input.notes ?? null,
          actor.name ?? actor.id,
        ],
      );
      for (const r of rows) {
        await tx.query(
          `UPDATE road_defects SET status = 'work_ordered', version = version + 1, updated_at = now() WHERE id = $1`,
          [r.id],
        );
        await history(tx, tenant, r.id, 'work-order', r.status, 'work_ordered', actor, {
          note: input.notes,
          detail: { workOrder: id, assignee: input.assignee, dueDate: input.dueDate ?? null },
        });
      }
      return orderView(order as WorkOrderRow);
    });
  }

  /** Moves a work order on; `done` marks its defects repaired, `cancelled` returns them to confirmed. */
  async updateWorkOrder(
    tenant: string,
    id: string,
    input: { status?: WorkOrderStatus; assignee?: string; dueDate?: string; notes?: string },
    actor: Actor,
    ifMatch: readonly number[] | undefined,
  ): Promise<{ order: WorkOrderView; defects: { id: string; status: string }[] } | undefined> {
    return this.records.transaction(async (tx) => {
      const [order] = await tx.query<WorkOrderRow>(
        'SELECT * FROM road_work_orders WHERE tenant = $1 AND id = $2 FOR UPDATE',
        [tenant, id],
      );
      if (!order) return undefined;
      if (ifMatch && !ifMatch.includes(order.version))
        throw new GreenopsError('PRECONDITION_FAILED', `work order ${id} is at version ${order.version}`, {
          field: 'If-Match',
        });
      if (
        (order.status === 'done' || order.status === 'cancelled') &&
        input.status &&
        input.status !== order.status
      )
        throw new GreenopsError('CONFLICT', `work order ${id} is ${order.status}`, { field: 'status' });
      const [updated] = await tx.query<WorkOrderRow>(
        `UPDATE road_work_orders SET status = coalesce($3, status), assignee = coalesce($4, assignee),
           due_date = coalesce($5, due_date), notes = coalesce($6, notes), version = version + 1, updated_at = now()
         WHERE tenant = $1 AND id = $2 RETURNING *`,
        [
          tenant,
          id,
          input.status ?? null,
          input.assignee ?? null,
          input.dueDate ?? null,
          input.notes ?? null,
        ],
      );
      const changed: { id: string; status: string }[] = [];
      const target =
        input.status === 'done' ? 'repaired' : input.status === 'cancelled' ? 'confirmed' : undefined;
      if (target && input.status !== order.status) {
        const rows = await tx.query<Row>(
          `SELECT ${COLUMNS} FROM road_defects WHERE tenant = $1 AND id = ANY($2::text[]) AND status = 'work_ordered'`,
          [tenant, order.defect_ids],
        );
        for (const r of rows) {
          await tx.query(
            `UPDATE road_defects SET status = $2, repaired_at = CASE WHEN $2 = 'repaired' THEN now() ELSE repaired_at END,
               version = version + 1, updated_at = now() WHERE id = $1`,
            [r.id, target],
          );
          await history(
            tx,
            tenant,
            r.id,
            target === 'repaired' ? 'repaired' : 'work-order-cancelled',
            r.status,
            target,
            actor,
            {
              detail: { workOrder: id },
            },
          );
          changed.push({ id: r.id, status: target });
        }
      }
      return { order: orderView(updated as WorkOrderRow), defects: changed };
    });
  }

  /** Precision per class and detector version from the latest decision on each defect. */
  async precision(tenant: string, target?: number): Promise<ClassPrecision[]> {
    const rows = await this.records.query<{
      damage: string;
      model_version: string | null;
      to_status: string;
      reason: string | null;
      at: Date;
      max_confidence: number | null;
    }>(
      `SELECT DISTINCT ON (defect_id) damage, model_version, to_status, reason, at,
         (detail->>'maxConfidence')::real AS max_confidence
       FROM road_history WHERE tenant = $1 AND action IN ('confirm', 'reject') ORDER BY defect_id, id DESC`,
      [tenant],
    );
    const counted = rows.filter((r) => r.to_status === 'confirmed' || r.reason === 'false_positive');
    return precisionByClass(
      counted.map((r) => ({
        damage: r.damage,
        modelVersion: r.model_version ?? 'unknown',
        confirmed: r.to_status === 'confirmed',
        maxConfidence: r.max_confidence ?? 0,
        atMs: new Date(r.at).getTime(),
      })),
      target,
    );
  }

  /** Stretches (100 m cells) camera vehicles passed, and those not passed for `staleDays`. */
  async coverage(
    tenant: string,
    staleDays: number,
  ): Promise<{
    cells: { cell: string; lat: number; lon: number; lastPass: string; passes: number; stale: boolean }[];
  }> {
    const rows = await this.records.query<{
      cell: string;
      lat: number;
      lon: number;
      last_pass: Date;
      passes: number;
    }>(
      'SELECT cell, lat, lon, last_pass, passes FROM road_coverage WHERE tenant = $1 ORDER BY last_pass LIMIT 100000',
      [tenant],
    );
    const limit = this.now() - staleDays * 86_400_000;
    return {
      cells: rows.map((r) => ({
        cell: r.cell,
        lat: Math.round(r.lat * 1e6) / 1e6,
        lon: Math.round(r.lon * 1e6) / 1e6,
        lastPass: new Date(r.last_pass).toISOString(),
        passes: r.passes,
        stale: new Date(r.last_pass).getTime() < limit,
      })),
    };
  }
}

function checkVersion(row: Row, ifMatch: readonly number[] | undefined): void {
  if (ifMatch && !ifMatch.includes(row.version))
    throw new GreenopsError(
      'PRECONDITION_FAILED',
      `defect ${row.id} changed since (now version ${row.version}); reload it and decide again`,
      { field: 'If-Match' },
    );
}

async function tenantOfRow(tx: RecordQueryable, id: string): Promise<string> {
  const [r] = await tx.query<{ tenant: string }>('SELECT tenant FROM road_defects WHERE id = $1', [id]);
  return r?.tenant ?? '';
}

async function history(
  tx: RecordQueryable,
  tenant: string,
  defect: string,
  action: string,
  from: string | null,
  to: string | null,
  actor: Actor,
  extra: {
    reason?: string | undefined;
    note?: string | undefined;
    damage?: string;
    modelVersion?: string | undefined;
    detail?: unknown;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO road_history (tenant, defect_id, action, from_status, to_status, reason, note, damage, model_version,
       actor_id, actor_name, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      tenant,
      defect,
      action,
      from,
      to,
      extra.reason ?? null,
      extra.note ?? null,
      extra.damage ?? null,
      extra.modelVersion ?? null,
      actor.id,
      actor.name ?? null,
      extra.detail === undefined ? null : JSON.stringify(extra.detail),
    ],
  );
}

interface WorkOrderRow {
  id: string;
  defect_ids: string[];
  status: WorkOrderStatus;
  assignee: string;
  due_date: string | null;
  notes: string | null;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  version: number;
}

function orderView(r: WorkOrderRow): WorkOrderView {
  return {
    id: r.id,
    defectIds: r.defect_ids,
    status: r.status,
    assignee: r.assignee,
    dueDate: r.due_date,
    notes: r.notes,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    updatedAt: new Date(r.updated_at).toISOString(),
    version: r.version,
  };
}
