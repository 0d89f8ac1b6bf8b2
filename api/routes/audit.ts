import type { Router } from 'express';
import { badRequest, type Clock } from '../../core/index.js';
import type { AuditLog, AuditQuery } from '../../access/index.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { principalOf, tenantOf } from '../auth/request-context.js';
import { intParam, parseTime, stringParam } from '../query-params.js';

export interface AuditRoutesOptions {
  audit: AuditLog;
  clock: Clock;
  defaultTenant: string;
}

const ACTION = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

/**
 * `GET /api/v1/audit`: the append-only trail of write actions, newest first, paged by `before` (the last id of the
 * previous page). A tenant-admin reads its own tenant's; a platform-admin reads one tenant (`tenant=`) or all.
 */
export function auditRoutes({ audit, clock, defaultTenant }: AuditRoutesOptions): Router {
  const guarded = new GuardedRouter();
  guarded.get('/audit', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const principal = principalOf(req);
    const everyTenant = principal.roles.includes('platform-admin') && query.tenant === undefined;
    const tenant = everyTenant ? undefined : tenantOf(req, defaultTenant);
    const limit = intParam(query, 'limit', { min: 1, max: 1000, fallback: 100 });
    const filter: AuditQuery = { limit };
    if (tenant !== undefined) filter.tenant = tenant;
    const action = stringParam(query, 'action');
    if (action !== undefined) {
      if (!ACTION.test(action))
        throw badRequest('action', `"${action}" is not an action such as keys or keys.create`);
      filter.action = action;
    }
    const actor = stringParam(query, 'actor');
    if (actor !== undefined) filter.actorId = actor;
    const objectType = stringParam(query, 'objectType');
    if (objectType !== undefined) filter.objectType = objectType;
    const objectId = stringParam(query, 'objectId');
    if (objectId !== undefined) filter.objectId = objectId;
    const now = clock.now();
    const from = stringParam(query, 'from');
    if (from !== undefined) filter.fromMs = parseTime(from, 'from', now);
    const to = stringParam(query, 'to');
    if (to !== undefined) filter.toMs = parseTime(to, 'to', now);
    if (filter.fromMs !== undefined && filter.toMs !== undefined && filter.fromMs >= filter.toMs)
      throw badRequest('from', 'must be before to');
    const before = intParam(query, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 0 });
    if (before > 0) filter.beforeId = before;
    const entries = await audit.list(filter);
    const last = entries.at(-1);
    res.json({
      tenant: tenant ?? null,
      entries,
      next: entries.length === limit && last ? last.id : null,
    });
  });
  return guarded.router;
}
