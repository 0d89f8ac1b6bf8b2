import type { Router } from 'express';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { badRequest, notFound } from '../../core/index.js';
import {
  coversTenant,
  describeCredential,
  type AuditLog,
  type DeviceCredentialStore,
} from '../../access/index.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { principalOf, requestIdOf, tenantOf } from '../auth/request-context.js';

export interface DeviceRoutesOptions {
  devices: DeviceCredentialStore;
  audit: AuditLog;
  /** The tenant a platform-wide credential acts on when the request names none. */
  defaultTenant: string;
}

/** `POST /api/v1/devices`: the tenant comes from the credential; `tenant` only where the credential covers it. */
export const IssueDeviceBody = Type.Object(
  {
    // Values are checked by the store, whose messages name the streams and the id rules.
    stream: Type.String(),
    device: Type.String(),
    tenant: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type IssueDeviceBody = Static<typeof IssueDeviceBody>;
const checkIssue = TypeCompiler.Compile(IssueDeviceBody);

/**
 * Device credentials over HTTP. A tenant-admin sees, issues and revokes only its own tenant's devices (another
 * tenant's credential id answers 404, as if it did not exist: OWASP API1); a platform-admin any tenant's. The
 * password is in the 201 answer only. Issuing and revoking are written to the audit trail.
 */
export function deviceRoutes({ devices, audit, defaultTenant }: DeviceRoutesOptions): Router {
  const routes = new GuardedRouter('/api/v1');

  routes.get('/devices', async (req, res) => {
    const principal = principalOf(req);
    const all = principal.tenant === undefined && (req.query as Record<string, unknown>).tenant === undefined;
    const tenant = all ? undefined : tenantOf(req, defaultTenant);
    const list = await devices.list({ tenant });
    res.json({ devices: list.map(describeCredential) });
  });

  routes.post('/devices', async (req, res) => {
    const body: unknown = req.body ?? {};
    if (!checkIssue.Check(body)) {
      const first = checkIssue.Errors(body).First();
      const field = first?.path.replace(/^\//, '') || 'body';
      throw badRequest(field, first?.message ?? 'must be { stream, device, tenant? }');
    }
    const principal = principalOf(req);
    const tenant = tenantOf(req, defaultTenant, body.tenant);
    const { credential, password } = await devices.add({
      tenant,
      stream: body.stream,
      device: body.device,
      createdBy: principal.id,
    });
    const shown = describeCredential(credential);
    await audit.record({
      actor: principal,
      tenant,
      action: 'devices.create',
      object: { type: 'device-credential', id: credential.id },
      after: shown,
      requestId: requestIdOf(res),
    });
    res.status(201).json({ ...shown, password });
  });

  routes.delete('/devices/:id', async (req, res) => {
    const principal = principalOf(req);
    const id = String(req.params.id);
    // A tenant= the credential does not cover is refused as on every route (403), before any lookup.
    if ((req.query as Record<string, unknown>).tenant !== undefined) tenantOf(req, defaultTenant);
    const before = await devices.get(id);
    if (!before || !coversTenant(principal, before.tenant)) throw notFound(`no device credential ${id}`);
    // Revoking twice changes nothing and is not audited again.
    if (before.revokedAt) return void res.json(describeCredential(before));
    const revoked = await devices.revoke(id, { tenant: before.tenant, revokedBy: principal.id });
    if (!revoked) throw notFound(`no device credential ${id}`);
    await audit.record({
      actor: principal,
      tenant: revoked.tenant,
      action: 'devices.revoke',
      object: { type: 'device-credential', id },
      before: describeCredential(before),
      after: describeCredential(revoked),
      requestId: requestIdOf(res),
    });
    res.json(describeCredential(revoked));
  });

  return routes.router;
}
