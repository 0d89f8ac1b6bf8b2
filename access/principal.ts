import type { Role } from './roles.js';

/** Who is calling, as established from a credential. The tenant always comes from here, never from the request. */
export interface Principal {
  /** `key` (API key), `oidc` (a bearer token of the municipality's IdP), `device` (MQTT), `service` (internal). */
  kind: 'key' | 'oidc' | 'device' | 'service';
  /** Stable id for the audit trail: the key id, the token's `sub`, or the device credential id. */
  id: string;
  /** A human-readable name (key name, token name/email) where there is one. */
  name: string | undefined;
  /** The tenant the credential is bound to; `undefined` only for platform-wide credentials (platform-admin). */
  tenant: string | undefined;
  roles: readonly Role[];
}

/** Whether the principal may act on `tenant` at all (before roles are considered). */
export function coversTenant(principal: Principal, tenant: string): boolean {
  return principal.roles.includes('platform-admin') || principal.tenant === tenant;
}
