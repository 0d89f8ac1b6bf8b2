import type { AuditEntry, AuditEntryInput, AuditLog } from '../access/index.js';
import type { Logger } from '../core/index.js';

/**
 * A stand-in audit trail that writes each entry to the log and keeps nothing, until the records-store audit log
 * is wired here; `list` answers empty.
 */
export class LoggedAuditLog implements AuditLog {
  constructor(private readonly logger: Logger) {}

  record(entry: AuditEntryInput): Promise<void> {
    this.logger.info({ audit: entry }, 'audit');
    return Promise.resolve();
  }

  list(): Promise<AuditEntry[]> {
    return Promise.resolve([]);
  }
}
