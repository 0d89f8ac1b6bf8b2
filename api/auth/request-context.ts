import type { Request, Response } from 'express';
import { GreenopsError, badRequest, isTenant } from '../../core/index.js';
import { coversTenant, type Principal } from '../../access/index.js';

const PRINCIPAL = Symbol('greenops.principal');
const PROBLEM = Symbol('greenops.credentialProblem');
type WithPrincipal = Request & { [PRINCIPAL]?: Principal; [PROBLEM]?: GreenopsError };

export function setPrincipal(req: Request, principal: Principal): void {
  (req as WithPrincipal)[PRINCIPAL] = principal;
}

/** The authenticated caller; only routes that are public by design run without one. */
export function principalOf(req: Request): Principal {
  const principal = (req as WithPrincipal)[PRINCIPAL];
  if (!principal) throw credentialErrorOf(req);
  return principal;
}

/**
 * Notes why a presented credential was not accepted (a message: 401), or that it could not be checked (e.g. the
 * identity provider is unreachable: 503). A non-public route answers with it; a public one is served anyway.
 */
export function setCredentialProblem(req: Request, problem: string | GreenopsError): void {
  (req as WithPrincipal)[PROBLEM] =
    typeof problem === 'string' ? new GreenopsError('UNAUTHENTICATED', problem) : problem;
}

/** The error for a request that has no principal: what was wrong with its credential, or that it has none. */
export function credentialErrorOf(req: Request): GreenopsError {
  return (req as WithPrincipal)[PROBLEM] ?? new GreenopsError('UNAUTHENTICATED', 'a credential is required');
}

export function maybePrincipalOf(req: Request): Principal | undefined {
  return (req as WithPrincipal)[PRINCIPAL];
}

/**
 * The tenant a request acts on. It comes from the credential: a tenant-bound credential always gets its own
 * tenant, and `tenant=` (query) or `tenant` (body) is accepted only when it names that same tenant (else 403,
 * OWASP API1). A platform-admin names any tenant, or gets `fallback`.
 */
export function tenantOf(req: Request, fallback: string, requested?: unknown): string {
  const principal = principalOf(req);
  const raw = requested ?? (req.query as Record<string, unknown>).tenant;
  if (raw !== undefined && (typeof raw !== 'string' || !isTenant(raw)))
    throw badRequest('tenant', `"${String(raw)}" is not a valid tenant`);
  const tenant = (raw as string | undefined) ?? principal.tenant ?? fallback;
  if (!coversTenant(principal, tenant))
    throw new GreenopsError('FORBIDDEN', `this credential is for tenant ${principal.tenant}, not ${tenant}`, {
      field: 'tenant',
    });
  return tenant;
}

/** The request id the API's first middleware gave this request (the caller's X-Request-Id, or a new one). */
export function requestIdOf(res: Response): string | undefined {
  return res.getHeader('x-request-id')?.toString();
}
