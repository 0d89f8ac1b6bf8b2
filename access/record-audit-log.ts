import type { MigrationSet, RecordStore } from '../store/index.js';
import type { AuditEntry, AuditEntryInput, AuditLog, AuditQuery } from './audit-log.js';

/**
 * The audit trail's schema. Append-only is enforced by the database itself, not only by the absence of a route:
 * a trigger refuses UPDATE, DELETE and TRUNCATE, so no code path (ours or a mistaken script) rewrites history.
 */
export const AUDIT_MIGRATIONS: MigrationSet = {
  component: 'audit',
  migrations: [
    {
      version: 1,
      name: 'append-only audit trail',
      sql: `
        CREATE TABLE audit_log (
          id bigserial PRIMARY KEY,
          at timestamptz NOT NULL DEFAULT now(),
          actor_kind text NOT NULL,
          actor_id text NOT NULL,
          actor_name text,
          tenant text,
          action text NOT NULL,
          object_type text NOT NULL,
          object_id text,
          before jsonb,
          after jsonb,
          request_id text
        );
        CREATE INDEX audit_log_tenant_id ON audit_log (tenant, id DESC);
        CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
          FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
          FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();`,
    },
  ],
};

interface AuditRow {
  id: number;
  at: Date | string;
  actor_kind: string;
  actor_id: string;
  actor_name: string | null;
  tenant: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

/** The audit trail in the records store. */
export class RecordAuditLog implements AuditLog {
  constructor(private readonly records: RecordStore) {}

  async record(entry: AuditEntryInput): Promise<void> {
    await this.records.query(
      `INSERT INTO audit_log (actor_kind, actor_id, actor_name, tenant, action, object_type, object_id, before, after, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        entry.actor.kind,
        entry.actor.id,
        entry.actor.name ?? null,
        entry.tenant ?? null,
        entry.action,
        entry.object.type,
        entry.object.id ?? null,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
        entry.requestId ?? null,
      ],
    );
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.tenant !== undefined) add('tenant = ?', query.tenant);
    if (query.action !== undefined) {
      // `keys` matches keys.create and keys.revoke; `keys.create` only itself.
      params.push(query.action);
      const n = params.length;
      where.push(
        query.action.includes('.') ? `action = $${n}` : `(action = $${n} OR action LIKE $${n} || '.%')`,
      );
    }
    if (query.actorId !== undefined) add('actor_id = ?', query.actorId);
    if (query.objectType !== undefined) add('object_type = ?', query.objectType);
    if (query.objectId !== undefined) add('object_id = ?', query.objectId);
    if (query.fromMs !== undefined) add('at >= ?', new Date(query.fromMs).toISOString());
    if (query.toMs !== undefined) add('at < ?', new Date(query.toMs).toISOString());
    if (query.beforeId !== undefined) add('id < ?', query.beforeId);
    params.push(query.limit);
    const rows = await this.records.query<AuditRow>(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: new Date(r.at).toISOString(),
      actor: {
        kind: r.actor_kind as AuditEntry['actor']['kind'],
        id: r.actor_id,
        name: r.actor_name ?? undefined,
      },
      tenant: r.tenant ?? undefined,
      action: r.action,
      object: { type: r.object_type, id: r.object_id ?? undefined },
      before: r.before ?? undefined,
      after: r.after ?? undefined,
      requestId: r.request_id ?? undefined,
    }));
  }
}
