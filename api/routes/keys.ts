import type { Request } from 'express';
import { badRequest, notFound, type Clock } from '../../core/index.js';
import {
  apiKeyJson,
  authorizeKeyGrant,
  checkKeyRoles,
  parseExpiry,
  type ApiKeyInfo,
  type ApiKeyStore,
  type AuditLog,
} from '../../access/index.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { principalOf, requestIdOf, tenantOf } from '../auth/request-context.js';
import { stringParam } from '../query-params.js';

export interface KeyRoutesOptions {
  keys: ApiKeyStore;
  audit: AuditLog;
  clock: Clock;
}

/**
 * The keys a caller may manage: a platform-admin every tenant's (or the one it names), a tenant-admin only its
 * own tenant's (403 for another, OWASP API1).
 */
function managedTenant(req: Request): string | undefined {
  const requested = stringParam(req.query as Record<string, unknown>, 'tenant');
  if (requested === undefined && principalOf(req).roles.includes('platform-admin')) return undefined;
  return tenantOf(req, '', requested);
}

/** API keys: list (never the secret), create (the secret is in the 201 answer, once), revoke. */
export function keyRoutes({ keys, audit, clock }: KeyRoutesOptions): GuardedRouter {
  const router = new GuardedRouter('/api/v1');

  router.get('/keys', async (req, res) => {
    res.json({ keys: (await keys.list({ tenant: managedTenant(req) })).map(apiKeyJson) });
  });

  router.post('/keys', async (req, res) => {
    const actor = principalOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('body', 'must be a JSON object');
    if (!Array.isArray(body.roles) || body.roles.some((r) => typeof r !== 'string'))
      throw badRequest('roles', 'must be an array of role names');
    const roles = checkKeyRoles(body.roles as string[]);
    for (const field of ['name', 'expires', 'tenant'] as const)
      if (body[field] !== undefined && typeof body[field] !== 'string')
        throw badRequest(field, 'must be text');
    let tenant: string | undefined;
    if (!roles.includes('platform-admin')) {
      if (body.tenant === undefined && actor.tenant === undefined)
        throw badRequest('tenant', 'name the tenant of a key that is not platform-admin');
      tenant = tenantOf(req, '', body.tenant);
    } else if (body.tenant !== undefined) {
      throw badRequest('tenant', 'a platform-admin key covers every tenant; give no tenant');
    }
    authorizeKeyGrant(actor, tenant, roles);
    const expires = body.expires as string | undefined;
    const { key, secret } = await keys.create({
      name: body.name as string | undefined,
      tenant,
      roles,
      expiresAtMs: expires === undefined ? undefined : parseExpiry(expires, clock.now()),
      createdBy: actor.id,
    });
    await audit.record({
      actor,
      tenant,
      action: 'keys.create',
      object: { type: 'api-key', id: key.id },
      after: key,
      requestId: requestIdOf(res),
    });
    res
      .status(201)
      .location(`/api/v1/keys/${key.id}`)
      .json({ ...apiKeyJson(key), key: secret });
  });

  router.delete('/keys/:id', async (req, res) => {
    const actor = principalOf(req);
    const scope = managedTenant(req);
    const existing = await keys.get(req.params.id);
    // Another tenant's key answers as if it did not exist.
    if (!existing || (scope !== undefined && existing.tenant !== scope))
      throw notFound(`no API key ${req.params.id}${scope === undefined ? '' : ` for ${scope}`}`);
    authorizeKeyGrant(actor, existing.tenant, existing.roles);
    // Revoking a revoked key changes nothing and is not recorded again.
    if (existing.revokedAt) return void res.json(apiKeyJson(existing));
    const revoked = await keys.revoke(existing.id);
    await audit.record({
      actor,
      tenant: existing.tenant,
      action: 'keys.revoke',
      object: { type: 'api-key', id: existing.id },
      before: existing,
      after: revoked,
      requestId: requestIdOf(res),
    });
    res.json(apiKeyJson(revoked as ApiKeyInfo));
  });

  return router;
}
