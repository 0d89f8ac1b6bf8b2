export { ROLES, ROLE_DESCRIPTIONS, isRole, type Role } from './roles.js';
export { coversTenant, type Principal } from './principal.js';
export type { AuditEntry, AuditEntryInput, AuditLog, AuditQuery } from './audit-log.js';
export {
  PERMISSIONS,
  PERSONAL_FIELD_READERS,
  allows,
  permissionFor,
  type Access,
  type HttpMethod,
  type Permission,
} from './permissions.js';
export { AUDIT_MIGRATIONS, RecordAuditLog } from './record-audit-log.js';
export {
  DEVICE_MIGRATIONS,
  DeviceCredentialStore,
  describeCredential,
  deviceUsername,
  type DeviceCredential,
  type DeviceCredentialStoreOptions,
  type DeviceIdentity,
  type IssuedDeviceCredential,
} from './device-credentials.js';
export {
  INGEST_TOPICS,
  INGEST_USERNAME,
  MqttAccess,
  filterCovers,
  serviceAccount,
  topicMatches,
  type AnonymousIdentity,
  type MqttAccessOptions,
  type MqttDecision,
  type MqttIdentity,
  type ServiceAccount,
  type ServiceIdentity,
} from './mqtt-access.js';
export {
  DEFAULT_PBKDF2_ITERATIONS,
  hashMosquittoPassword,
  mosquittoPasswordLine,
  verifyMosquittoPassword,
} from './mosquitto-password.js';
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
