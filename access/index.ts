export { ROLES, ROLE_DESCRIPTIONS, isRole, type Role } from './roles.js';
export { coversTenant, type Principal } from './principal.js';
export type { AuditEntry, AuditEntryInput, AuditLog, AuditQuery } from './audit-log.js';
export {
  PERMISSIONS,
  allows,
  permissionFor,
  type Access,
  type HttpMethod,
  type Permission,
} from './permissions.js';
export {
  ACCESS_MIGRATIONS,
  API_KEY_PREFIX,
  ApiKeyStore,
  apiKeyJson,
  authorizeKeyGrant,
  checkKeyRoles,
  looksLikeApiKey,
  parseExpiry,
  type ApiKeyInfo,
  type NewApiKey,
} from './api-keys.js';
export { OidcVerifier, type OidcResult, type OidcSettings } from './oidc.js';
export { ACCESS_TABLE_END, ACCESS_TABLE_START, accessTables, withAccessTables } from './access-docs.js';
