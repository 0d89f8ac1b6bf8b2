import type { DuckDBValue } from '@duckdb/node-api';
import { storeUnavailable } from '../../core/index.js';
import type {
  DeadLetter,
  DeadLetterInput,
  DeadLetterPage,
  DeadLetterQuery,
  DeadLetterStore,
} from '../dead-letter-store.js';
import { readRowObjects, readRows, type DuckDbDatabase } from './duckdb-database.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dead_letters (
  id BIGINT PRIMARY KEY,
  received_ms BIGINT NOT NULL,
  topic VARCHAR NOT NULL,
  tenant VARCHAR,
  stream VARCHAR,
  reason VARCHAR NOT NULL,
  payload BLOB NOT NULL
);
`;

export class DuckDbDeadLetterStore implements DeadLetterStore {
  // Ids are assigned here rather than by a sequence so that the appender (fast, but without defaults) can be
  // used; all writes go through the database's single writer, so the counter cannot race.
  private constructor(
    private readonly db: DuckDbDatabase,
    private nextId: number,
  ) {}

  static async create(db: DuckDbDatabase): Promise<DuckDbDeadLetterStore> {
    const maxId = await db.write(async (c) => {
      await c.run(SCHEMA);
      return Number((await readRows(c, 'SELECT coalesce(max(id), 0) FROM dead_letters'))[0]?.[0] ?? 0);
    });
    return new DuckDbDeadLetterStore(db, maxId + 1);
  }

  async add(entries: readonly DeadLetterInput[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.write(async (c) => {
      try {
        const appender = await c.createAppender('dead_letters');
        let id = this.nextId;
        try {
          for (const e of entries) {
            appender.appendBigInt(BigInt(id++));
            appender.appendBigInt(BigInt(e.receivedMs));
            appender.appendVarchar(e.topic);
            if (e.tenant === undefined) appender.appendNull();
            else appender.appendVarchar(e.tenant);
            if (e.stream === undefined) appender.appendNull();
            else appender.appendVarchar(e.stream);
            appender.appendVarchar(e.reason);
            appender.appendBlob(e.payload);
            appender.endRow();
          }
          appender.flushSync();
          this.nextId = id;
        } finally {
          appender.closeSync();
        }
      } catch (err) {
        throw storeUnavailable(`DuckDB dead-letter write failed: ${(err as Error).message}`, err);
      }
    });
  }

  async list(q: DeadLetterQuery): Promise<DeadLetterPage> {
    const params: DuckDBValue[] = [];
    const filters: string[] = [];
    if (q.tenant !== undefined) filters.push(`tenant = $${params.push(q.tenant)}`);
    if (q.stream !== undefined) filters.push(`stream = $${params.push(q.stream)}`);
    const scope = filters.length ? `WHERE ${filters.join(' AND ')}` : '';
    const pageFilters =
      q.before === undefined ? filters : [...filters, `id < $${params.push(BigInt(q.before))}`];
    const pageWhere = pageFilters.length ? `WHERE ${pageFilters.join(' AND ')}` : '';
    const countParams = params.slice(0, filters.length);
    return this.db.read(async (c) => {
      const total = Number(
        (await readRows(c, `SELECT count(*) FROM dead_letters ${scope}`, countParams))[0]?.[0] ?? 0,
      );
      const rows = await readRowObjects(
        c,
        `SELECT * FROM dead_letters ${pageWhere} ORDER BY id DESC LIMIT ${q.limit + 1}`,
        params,
      );
      const items = rows.slice(0, q.limit).map(toDeadLetter);
      const last = items.at(-1);
      return { items, total, nextBefore: rows.length > q.limit && last ? last.id : null };
    });
  }

  async get(id: number): Promise<DeadLetter | undefined> {
    const rows = await this.db.read(async (c) =>
      readRowObjects(c, 'SELECT * FROM dead_letters WHERE id = $1', [BigInt(id)]),
    );
    return rows[0] ? toDeadLetter(rows[0]) : undefined;
  }

  async delete(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.write((c) =>
      c.run(
        `DELETE FROM dead_letters WHERE id IN (${ids.map((_, i) => `$${i + 1}`).join(',')})`,
        ids.map((id) => BigInt(id)),
      ),
    );
  }

  async reasons(q: Pick<DeadLetterQuery, 'tenant' | 'stream'>): Promise<{ reason: string; count: number }[]> {
    const params: DuckDBValue[] = [];
    const filters: string[] = [];
    if (q.tenant !== undefined) filters.push(`tenant = $${params.push(q.tenant)}`);
    if (q.stream !== undefined) filters.push(`stream = $${params.push(q.stream)}`);
    const where = filters.length ? `WHERE ${filters.join(' AND ')}` : '';
    const rows = await this.db.read((c) =>
      readRows(c, `SELECT reason, count(*) FROM dead_letters ${where} GROUP BY reason`, params),
    );
    return rows.map(([reason, count]) => ({ reason: String(reason), count: Number(count) }));
  }

  async close(): Promise<void> {
    // The database is owned by whoever opened it.
  }
}

function toDeadLetter(row: Record<string, DuckDBValue>): DeadLetter {
  const blob = row.payload as { bytes: Uint8Array };
  return {
    id: Number(row.id),
    receivedMs: Number(row.received_ms),
    topic: String(row.topic),
    tenant: row.tenant === null ? null : String(row.tenant),
    stream: row.stream === null ? null : String(row.stream),
    reason: String(row.reason),
    payload: blob.bytes,
    size: blob.bytes.byteLength,
  };
}
