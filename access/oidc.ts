import type { JWTPayload } from 'jose';

// jose is loaded on the first token, so processes without OIDC (an ingest, the CLI) never pay for it.
type Jose = typeof import('jose');
type KeySet = ReturnType<Jose['createRemoteJWKSet']>;
import { GreenopsError, errorMessage, isTenant } from '../core/index.js';
import type { Principal } from './principal.js';
import { isRole, type Role } from './roles.js';

export interface OidcSettings {
  issuer: string;
  audience: string;
  /** Skips discovery when set. */
  jwksUrl?: string | undefined;
  tenantClaim: string;
  rolesClaim: string;
  clockSkewSeconds: number;
  /** Discovery and JWKS requests give up after this long. */
  timeoutMs?: number;
}

/** Asymmetric algorithms only: a shared-secret (HS*) token could be forged by anyone holding the JWKS. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Why a token was refused, for the log (never the token itself). */
export type OidcResult = { principal: Principal } | { refused: string };

/**
 * Verifies bearer tokens of the municipality's identity provider (KOMBIT, Entra ID, …) against the issuer's JWKS:
 * signature, `exp`, `nbf`, `aud`, `iss` with the configured clock skew (RFC 7519 §4.1), and maps the tenant and
 * roles claims into a principal. The JWKS is found through OpenID Connect discovery unless given.
 */
export class OidcVerifier {
  private jwks: KeySet | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly settings: OidcSettings) {
    this.timeoutMs = settings.timeoutMs ?? 5000;
  }

  async verify(token: string): Promise<OidcResult> {
    const jose = await import('jose');
    const jwks = await this.keySet(jose);
    const { errors } = jose;
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockSkewSeconds,
        algorithms: ALGORITHMS,
      }));
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError))
        throw unavailable(`the JWKS of ${this.settings.issuer} did not answer: ${errorMessage(err)}`, err);
      return { refused: `${err.code}: ${err.message}` };
    }
    return this.principal(payload);
  }

  private principal(payload: JWTPayload): OidcResult {
    if (typeof payload.sub !== 'string' || payload.sub === '') return { refused: 'no sub claim' };
    const roles = rolesOf(payload[this.settings.rolesClaim]);
    const rawTenant = payload[this.settings.tenantClaim];
    const platform = roles.includes('platform-admin');
    let tenant: string | undefined;
    if (rawTenant !== undefined) {
      if (typeof rawTenant !== 'string' || !isTenant(rawTenant))
        return { refused: `claim ${this.settings.tenantClaim} is not a valid tenant` };
      tenant = rawTenant;
    } else if (!platform) {
      return { refused: `no ${this.settings.tenantClaim} claim (needed for every role but platform-admin)` };
    }
    const name = ['name', 'preferred_username', 'email']
      .map((c) => payload[c])
      .find((v): v is string => typeof v === 'string');
    return {
      principal: { kind: 'oidc', id: payload.sub, name, tenant: platform ? undefined : tenant, roles },
    };
  }

  private async keySet(jose: Jose): Promise<KeySet> {
    if (this.jwks) return this.jwks;
    const url = this.settings.jwksUrl ?? (await this.discover());
    this.jwks = jose.createRemoteJWKSet(new URL(url), { timeoutDuration: this.timeoutMs });
    return this.jwks;
  }

  /** OpenID Connect Discovery 1.0 §4: the configuration's `issuer` must be the configured one exactly. */
  private async discover(): Promise<string> {
    const issuer = this.settings.issuer;
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let body: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = (await res.json()) as typeof body;
    } catch (err) {
      throw unavailable(`OIDC discovery at ${url} failed: ${errorMessage(err)}`, err);
    }
    if (body.issuer !== issuer)
      throw unavailable(`OIDC discovery at ${url} names issuer ${String(body.issuer)}, not ${issuer}`);
    if (typeof body.jwks_uri !== 'string') throw unavailable(`OIDC discovery at ${url} has no jwks_uri`);
    return body.jwks_uri;
  }
}

/** Roles from an array or a space-separated string (as `scope` is); unknown names and `device` are ignored. */
function rolesOf(claim: unknown): Role[] {
  const names = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/\s+/) : [];
  const roles = names.filter((n): n is Role => typeof n === 'string' && isRole(n) && n !== 'device');
  return [...new Set(roles)];
}

function unavailable(message: string, cause?: unknown): GreenopsError {
  return new GreenopsError('INTERNAL', message, { status: 503, retryable: true, cause });
}
