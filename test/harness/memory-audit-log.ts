import type { AuditEntry, AuditEntryInput, AuditLog, AuditQuery } from '../../access/index.js';

/** An audit trail in memory: a real implementation of the port for tests that check what was recorded. */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];

  record(entry: AuditEntryInput): Promise<void> {
    this.entries.push({ ...entry, id: this.entries.length + 1, at: new Date().toISOString() });
    return Promise.resolve();
  }

  list(query: AuditQuery): Promise<AuditEntry[]> {
    return Promise.resolve(
      this.entries
        .filter(
          (e) =>
            (query.tenant === undefined || e.tenant === query.tenant) &&
            (query.action === undefined || e.action === query.action) &&
            (query.actorId === undefined || e.actor.id === query.actorId) &&
            (query.beforeId === undefined || e.id < query.beforeId),
        )
        .reverse()
        .slice(0, query.limit),
    );
  }
}
