import type { Principal } from './principal.js';

/** One write action, as recorded in the append-only audit trail. */
export interface AuditEntryInput {
  actor: Pick<Principal, 'kind' | 'id' | 'name'>;
  /** The tenant the action concerns (not necessarily the actor's, for a platform-admin). */
  tenant: string | undefined;
  /** Dotted verb, e.g. `keys.create`, `devices.revoke`, `invoices.correct`, `dead-letters.replay`. */
  action: string;
  /** What was acted on: a type and an id, e.g. `{ type: 'api-key', id: 'k_…' }`. */
  object: { type: string; id: string | undefined };
  /** Small summaries of the object before and after; never secrets. */
  before?: unknown;
  after?: unknown;
  requestId: string | undefined;
}

export interface AuditEntry extends AuditEntryInput {
  id: number;
  at: string;
}

export interface AuditQuery {
  tenant?: string;
  action?: string;
  actorId?: string;
  objectType?: string;
  objectId?: string;
  fromMs?: number;
  toMs?: number;
  /** Entries with an id below this (newest first paging). */
  beforeId?: number;
  limit: number;
}

/** The audit trail: append and read, nothing else — no code path updates or deletes an entry. */
export interface AuditLog {
  record(entry: AuditEntryInput): Promise<void>;
  list(query: AuditQuery): Promise<AuditEntry[]>;
}
