import { GreenopsError, badRequest, notFound, type Clock } from '../../core/index.js';
import type { AuditLog } from '../../access/index.js';
import { DAMAGE_CLASSES } from '../../core/index.js';
import {
  DEFECT_STATUSES,
  MAP_FIELDS,
  REJECT_REASONS,
  WORK_ORDER_STATUSES,
  defectsCsv,
  defectsGeoJson,
  type DefectTracker,
  type OversightLog,
  type RoadDefects,
  type WorkOrderStatus,
} from '../../models/index.js';
import { intParam, oneOfParam, stringParam } from '../query-params.js';
import { sendJson } from '../compressed-json.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { principalOf, requestIdOf, tenantOf } from '../auth/request-context.js';
import type { Request } from 'express';

type Query = Record<string, unknown>;

export interface RoadRoutesOptions {
  defects: RoadDefects | undefined;
  /** The clustering in this process, told of decisions at once (another process reads them back). */
  tracker?: DefectTracker | undefined;
  /** Where frames are served (GREENOPS_ROAD_FRAMES_URL): a sighting's `imageUrl` is its reference appended to it. */
  framesUrl?: string | undefined;
  oversight?: OversightLog | undefined;
  audit: AuditLog;
  clock: Clock;
  defaultTenant: string;
}

function listParam<T extends string>(query: Query, name: string, allowed: readonly T[]): T[] | undefined {
  const text = stringParam(query, name);
  if (text === undefined || text === '') return undefined;
  const values = text.split(',');
  for (const v of values)
    if (!(allowed as readonly string[]).includes(v))
      throw badRequest(name, `"${v}" is not one of ${allowed.join(', ')}`);
  return values as T[];
}

function numberParam(query: Query, name: string, min: number, max: number): number | undefined {
  const text = stringParam(query, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw badRequest(name, `"${text}" is not a number`);
  if (n < min || n > max) throw badRequest(name, `must be from ${min} to ${max}`);
  return n;
}

function bboxParam(query: Query): { west: number; south: number; east: number; north: number } | undefined {
  const text = stringParam(query, 'bbox');
  if (text === undefined) return undefined;
  const parts = text.split(',').map(Number);
  const [west, south, east, north] = parts as [number, number, number, number];
  if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p)))
    throw badRequest('bbox', 'must be west,south,east,north in degrees (WGS 84)');
  if (west > east || south > north || south < -90 || north > 90 || west < -180 || east > 180)
    throw badRequest('bbox', 'must be west,south,east,north with west ≤ east and south ≤ north');
  return { west, south, east, north };
}

/** RFC 9110 §13.1.1: `*` matches any version; otherwise quoted strong tags such as the ETag "3" of a GET. */
function ifMatchOf(req: Request): number[] | undefined {
  const header = req.header('if-match')?.trim();
  if (header === undefined || header === '*') return undefined;
  const tags = header.split(',').map((t) => t.trim());
  if (!tags.every((t) => /^(W\/)?"[^"]*"$/.test(t)))
    throw badRequest('If-Match', 'must be * or quoted entity tags, such as the ETag "3" of a GET');
  return tags.filter((t) => /^"\d+"$/.test(t)).map((t) => Number(t.slice(1, -1)));
}

function optionalText(body: Record<string, unknown>, name: string, max: number): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw badRequest(name, `must be text of at most ${max} characters`);
  return v;
}

function dateText(body: Record<string, unknown>, name: string): string | undefined {
  const v = optionalText(body, name, 10);
  if (
    v !== undefined &&
    (!/^\d{4}-\d{2}-\d{2}$/.test(v) ||
      Number.isNaN(Date.parse(v)) ||
      new Date(Date.parse(v)).toISOString().slice(0, 10) !== v)
  )
    throw badRequest(name, 'must be a date YYYY-MM-DD');
  return v;
}

/**
 * A due date from today on. "Today" is the date where it is earliest on Earth (UTC−12), so no caller's own today
 * (Denmark's is UTC+1/+2) is refused as past.
 */
function dueDateText(body: Record<string, unknown>, nowMs: number): string | undefined {
  const v = dateText(body, 'dueDate');
  const today = new Date(nowMs - 12 * 3_600_000).toISOString().slice(0, 10);
  if (v !== undefined && v < today) throw badRequest('dueDate', `${v} is in the past (today is ${today})`);
  return v;
}

/** A JSON object body with only the `allowed` fields: a misspelt field is refused, not silently ignored. */
function bodyOf(req: Request, allowed: readonly string[]): Record<string, unknown> {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('body', 'must be a JSON object');
  for (const key of Object.keys(body))
    if (!allowed.includes(key)) throw badRequest(key, `is not a field here; allowed: ${allowed.join(', ')}`);
  return body as Record<string, unknown>;
}

const DECISION_FIELDS = ['decision', 'reason', 'note'] as const;
const ACTION_FIELDS = ['action', 'note', 'severity', 'into'] as const;
const NEW_ORDER_FIELDS = ['defectIds', 'assignee', 'dueDate', 'notes'] as const;
const ORDER_UPDATE_FIELDS = ['status', 'assignee', 'dueDate', 'notes'] as const;

const DEFECT_ID = /^rd-[0-9a-f]{16}$/;

/** Road defects, the review workflow, work orders, precision and coverage (issue 14). */
export function roadRoutes({
  defects,
  tracker,
  framesUrl,
  oversight,
  audit,
  clock,
  defaultTenant,
}: RoadRoutesOptions): GuardedRouter {
  const router = new GuardedRouter('/api/v1');
  const service = (): RoadDefects => {
    if (!defects) throw notFound('road defects are not available on this server');
    return defects;
  };
  const defectId = (id: string): string => {
    if (!DEFECT_ID.test(id)) throw badRequest('id', `"${id}" is not a defect id such as rd-0123456789abcdef`);
    return id;
  };

  router.get('/road/defects', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const format = oneOfParam(query, 'format', ['json', 'map', 'csv', 'geojson'] as const, 'json');
    const corroborated = oneOfParam(query, 'corroborated', ['true', 'false', 'all'] as const, 'all');
    const limit = intParam(query, 'limit', {
      min: 1,
      max: 20_000,
      fallback: format === 'json' ? 500 : 20_000,
    });
    const offset = intParam(query, 'offset', { min: 0, max: 1_000_000, fallback: 0 });
    const status = listParam(query, 'status', DEFECT_STATUSES);
    const damage = listParam(query, 'damage', DAMAGE_CLASSES);
    const bbox = bboxParam(query);
    const minPriority = numberParam(query, 'minPriority', 0, 1e6);
    const minAgeDays = numberParam(query, 'minAgeDays', 0, 36_500);
    const maxAgeDays = numberParam(query, 'maxAgeDays', 0, 36_500);
    const filter = {
      limit,
      offset,
      ...(status ? { status } : {}),
      ...(damage ? { damage } : {}),
      ...(bbox ? { bbox } : {}),
      ...(minPriority === undefined ? {} : { minPriority }),
      ...(minAgeDays === undefined ? {} : { minAgeDays }),
      ...(maxAgeDays === undefined ? {} : { maxAgeDays }),
      ...(corroborated === 'all' ? {} : { corroborated: corroborated === 'true' }),
    };
    if (format === 'map') {
      const map = await service().listMap(tenant, filter);
      res.setHeader('x-total-count', String(map.total));
      await sendJson(req, res, { tenant, total: map.total, fields: MAP_FIELDS, defects: map.defects });
      return;
    }
    const result = await service().list(tenant, filter);
    res.setHeader('x-total-count', String(result.total));
    if (format === 'json') {
      res.json({ tenant, total: result.total, defects: result.defects });
      return;
    }
    const orders = await service().workOrders(tenant, ['open', 'in_progress']);
    const file = `road-defects-${tenant}`;
    if (format === 'csv')
      res
        .type('text/csv; charset=utf-8')
        .setHeader('content-disposition', `attachment; filename="${file}.csv"`)
        .send(defectsCsv(result.defects, orders));
    else
      res
        .type('application/geo+json')
        .setHeader('content-disposition', `attachment; filename="${file}.geojson"`)
        .send(JSON.stringify(defectsGeoJson(result.defects, orders)));
  });

  router.get('/road/defects/:id', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const id = defectId(req.params.id);
    const defect = await service().get(tenant, id);
    if (!defect) throw notFound(`no defect ${id} for ${tenant}`);
    const [sightings, history, auditEntries] = await Promise.all([
      service().sightings(tenant, id),
      service().history(tenant, id),
      audit.list({ tenant, objectType: 'road-defect', objectId: id, limit: 100 }),
    ]);
    res.set('ETag', `"${defect.version}"`).json({
      ...defect,
      sightings: framesUrl
        ? sightings.map((s) => ({ ...s, imageUrl: frameUrl(framesUrl, s.imageRef as string | null) }))
        : sightings,
      history,
      audit: auditEntries.map((a) => ({
        at: a.at,
        action: a.action,
        by: a.actor.name ?? a.actor.id,
        after: a.after,
      })),
    });
  });

  const decide = async (
    req: Request,
    tenant: string,
    id: string,
    body: Record<string, unknown>,
    ifMatch: number[] | undefined,
    requestId: string | undefined,
  ) => {
    const decision = body.decision;
    if (decision !== 'confirm' && decision !== 'reject')
      throw badRequest('decision', 'must be "confirm" or "reject"');
    const reason = optionalText(body, 'reason', 40);
    if (
      decision === 'reject' &&
      (reason === undefined || !(REJECT_REASONS as readonly string[]).includes(reason))
    )
      throw badRequest('reason', `a rejection needs a reason: one of ${REJECT_REASONS.join(', ')}`);
    if (decision === 'confirm' && reason !== undefined)
      throw badRequest('reason', 'only a rejection has a reason');
    const note = optionalText(body, 'note', 2000);
    const principal = principalOf(req);
    const actor = { id: principal.id, name: principal.name };
    const result = await service().act(tenant, id, decision, { reason, note }, actor, ifMatch);
    if (!result) throw notFound(`no defect ${id} for ${tenant}`);
    tracker?.reviewed(id, result.defect.status);
    await audit.record({
      actor: principal,
      tenant,
      action: `road.${decision}`,
      object: { type: 'road-defect', id },
      before: { status: result.from },
      after: { status: result.defect.status, reason: reason ?? null, version: result.defect.version },
      requestId,
    });
    // Human oversight of the detector (AI Act Art. 14), under the detector version the detections came from.
    if (oversight && (decision === 'confirm' || reason === 'false_positive'))
      await oversight.record({
        tenant,
        modelId: 'road-damage-detector',
        modelVersion: result.defect.modelVersions[result.defect.modelVersions.length - 1],
        outputId: id,
        decision: decision === 'confirm' ? 'confirmed' : 'overturned',
        note,
        actor,
      });
    return result.defect;
  };

  router.post('/road/defects/:id/decision', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const id = defectId(req.params.id);
    const body = bodyOf(req, DECISION_FIELDS);
    const defect = await decide(req, tenant, id, body, ifMatchOf(req), requestIdOf(res));
    res.set('ETag', `"${defect.version}"`).json(defect);
  });

  router.post('/road/defects/bulk-decision', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const body = bodyOf(req, ['ids', ...DECISION_FIELDS]);
    const ids = body.ids;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > 500 ||
      !ids.every((i) => typeof i === 'string')
    )
      throw badRequest('ids', 'must be a list of 1 to 500 defect ids');
    const results: { id: string; status?: string; error?: string }[] = [];
    for (const id of ids as string[]) {
      try {
        const defect = await decide(req, tenant, defectId(id), body, undefined, requestIdOf(res));
        results.push({ id, status: defect.status });
      } catch (err) {
        if (
          err instanceof GreenopsError &&
          err.status < 500 &&
          err.field !== 'decision' &&
          err.field !== 'reason'
        )
          results.push({ id, error: err.message });
        else throw err;
      }
    }
    res.json({ results });
  });

  router.post('/road/defects/:id/actions', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const id = defectId(req.params.id);
    const body = bodyOf(req, ACTION_FIELDS);
    const principal = principalOf(req);
    const actor = { id: principal.id, name: principal.name };
    const ifMatch = ifMatchOf(req);
    const action = body.action;
    const note = optionalText(body, 'note', 2000);
    let defect;
    if (action === 'repaired' || action === 'close' || action === 'reopen') {
      const result = await service().act(tenant, id, action, { note }, actor, ifMatch);
      defect = result?.defect;
      if (defect) tracker?.reviewed(id, defect.status, clock.now());
    } else if (action === 'severity') {
      const severity = body.severity;
      if (
        severity !== null &&
        (typeof severity !== 'number' || !Number.isInteger(severity) || severity < 1 || severity > 5)
      )
        throw badRequest('severity', 'must be a grade from 1 to 5, or null to return to the computed one');
      defect = await service().overrideSeverity(tenant, id, severity, actor, ifMatch);
    } else if (action === 'merge') {
      const into = body.into;
      if (typeof into !== 'string') throw badRequest('into', 'is required: the defect this one duplicates');
      defect = await service().merge(tenant, id, defectId(into), actor);
      if (defect) tracker?.reviewed(id, 'merged');
    } else throw badRequest('action', 'must be one of repaired, close, reopen, severity, merge');
    if (!defect) throw notFound(`no defect ${id} for ${tenant}`);
    await audit.record({
      actor: principal,
      tenant,
      action: `road.${String(action)}`,
      object: { type: 'road-defect', id },
      after: { status: defect.status, severity: defect.severity, version: defect.version },
      requestId: requestIdOf(res),
    });
    res.set('ETag', `"${defect.version}"`).json(defect);
  });

  router.get('/road/work-orders', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const status = listParam(query, 'status', WORK_ORDER_STATUSES);
    const format = oneOfParam(query, 'format', ['json', 'csv', 'geojson'] as const, 'json');
    const orders = await service().workOrders(tenant, status);
    if (format === 'json') {
      res.json({ tenant, workOrders: orders });
      return;
    }
    // The orders' defects by id (not the first 20,000 of the queue), each with its current status.
    const ids = [...new Set(orders.flatMap((o) => o.defectIds))];
    const { defects: ordered } = await service().list(tenant, { ids, limit: Math.max(1, ids.length) });
    const file = `road-work-orders-${tenant}`;
    if (format === 'csv')
      res
        .type('text/csv; charset=utf-8')
        .setHeader('content-disposition', `attachment; filename="${file}.csv"`)
        .send(defectsCsv(ordered, orders));
    else
      res
        .type('application/geo+json')
        .setHeader('content-disposition', `attachment; filename="${file}.geojson"`)
        .send(JSON.stringify(defectsGeoJson(ordered, orders)));
  });

  router.post('/road/work-orders', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const body = bodyOf(req, NEW_ORDER_FIELDS);
    const ids = body.defectIds;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > 200 ||
      !ids.every((i) => typeof i === 'string')
    )
      throw badRequest('defectIds', 'must be a list of 1 to 200 confirmed defect ids');
    const assignee = optionalText(body, 'assignee', 200);
    if (!assignee) throw badRequest('assignee', 'is required: the crew or person who repairs');
    const principal = principalOf(req);
    const order = await service().createWorkOrder(
      tenant,
      {
        defectIds: (ids as string[]).map(defectId),
        assignee,
        dueDate: dueDateText(body, clock.now()),
        notes: optionalText(body, 'notes', 4000),
      },
      { id: principal.id, name: principal.name },
    );
    for (const id of order.defectIds) tracker?.reviewed(id, 'work_ordered');
    await audit.record({
      actor: principal,
      tenant,
      action: 'road.work-order',
      object: { type: 'road-work-order', id: order.id },
      after: order,
      requestId: requestIdOf(res),
    });
    for (const id of order.defectIds)
      await audit.record({
        actor: principal,
        tenant,
        action: 'road.work-order',
        object: { type: 'road-defect', id },
        after: { status: 'work_ordered', workOrder: order.id },
        requestId: requestIdOf(res),
      });
    res.status(201).set('ETag', `"${order.version}"`).json(order);
  });

  router.patch('/road/work-orders/:id', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const id = req.params.id;
    if (!/^wo-[0-9a-f]{8}$/.test(id)) throw badRequest('id', `"${id}" is not a work order id`);
    const body = bodyOf(req, ORDER_UPDATE_FIELDS);
    const status = body.status;
    if (status !== undefined && !(WORK_ORDER_STATUSES as readonly unknown[]).includes(status))
      throw badRequest('status', `must be one of ${WORK_ORDER_STATUSES.join(', ')}`);
    const principal = principalOf(req);
    const assignee = optionalText(body, 'assignee', 200);
    const dueDate = dueDateText(body, clock.now());
    const notes = optionalText(body, 'notes', 4000);
    const result = await service().updateWorkOrder(
      tenant,
      id,
      {
        ...(status === undefined ? {} : { status: status as WorkOrderStatus }),
        ...(assignee === undefined ? {} : { assignee }),
        ...(dueDate === undefined ? {} : { dueDate }),
        ...(notes === undefined ? {} : { notes }),
      },
      { id: principal.id, name: principal.name },
      ifMatchOf(req),
    );
    if (!result) throw notFound(`no work order ${id} for ${tenant}`);
    for (const d of result.defects) tracker?.reviewed(d.id, d.status, clock.now());
    await audit.record({
      actor: principal,
      tenant,
      action: 'road.work-order-update',
      object: { type: 'road-work-order', id },
      after: { status: result.order.status, defects: result.defects },
      requestId: requestIdOf(res),
    });
    res.set('ETag', `"${result.order.version}"`).json(result.order);
  });

  router.get('/road/precision', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const target = numberParam(query, 'target', 0.5, 0.99) ?? 0.9;
    res.json({
      tenant,
      definition:
        'confirmed ÷ (confirmed + rejected as false_positive), latest decision per defect; 95 % Wilson interval',
      target,
      classes: await service().precision(tenant, target),
    });
  });

  router.get('/road/coverage', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const days = intParam(query, 'notInspectedDays', { min: 1, max: 3650, fallback: 14 });
    const { cells } = await service().coverage(tenant, days);
    const only = oneOfParam(query, 'only', ['all', 'stale'] as const, 'all');
    res.json({
      tenant,
      cellMetres: 100,
      notInspectedDays: days,
      inspected: cells.filter((c) => !c.stale).length,
      stale: cells.filter((c) => c.stale).length,
      cells: only === 'stale' ? cells.filter((c) => c.stale) : cells,
    });
  });

  return router;
}

/**
 * A frame's link: the reference (a camera's path such as `frames/cam-3/123.jpg`) appended to the frames URL, each
 * segment escaped; null without a reference.
 */
function frameUrl(base: string, ref: string | null | undefined): string | null {
  if (!ref) return null;
  const path = ref.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${path}`;
}
