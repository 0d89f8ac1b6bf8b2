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
export { AUDIT_MIGRATIONS, RecordAuditLog } from './record-audit-log.js';
