import type { DuckDBValue } from '@duckdb/node-api';
import { storeUnavailable } from '../../core/index.js';
import {
  uniqueDeadLetters,
  type DeadLetter,
  type DeadLetterInput,
  type DeadLetterPage,
  type DeadLetterQuery,
  type DeadLetterStore,
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
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS seq BIGINT;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS size BIGINT;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS sha256 VARCHAR;
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS truncated BOOLEAN;
UPDATE dead_letters SET seq = id, size = octet_length(payload), truncated = false WHERE seq IS NULL;
`;

/** Rows per INSERT statement (8 parameters each). */
const ROWS_PER_INSERT = 250;

/**
 * Dead letters in the DuckDB file. An entry's id comes from its topic and payload, so a redelivered message is the
 * same entry (INSERT … ON CONFLICT DO NOTHING); `seq`, assigned here in arrival order, orders listings newest first
 * and is the page cursor. Entries from before ids were hashes keep their old ids, with seq = id.
 */
export class DuckDbDeadLetterStore implements DeadLetterStore {
  // All writes go through the database's single writer, so the counter cannot race.
  private constructor(
    private readonly db: DuckDbDatabase,
    private nextSeq: number,
  ) {}

  static async create(db: DuckDbDatabase): Promise<DuckDbDeadLetterStore> {
    const maxSeq = await db.write(async (c) => {
      await c.run(SCHEMA);
      return Number((await readRows(c, 'SELECT coalesce(max(seq), 0) FROM dead_letters'))[0]?.[0] ?? 0);
    });
    return new DuckDbDeadLetterStore(db, maxSeq + 1);
  }

  async add(entries: readonly DeadLetterInput[]): Promise<void> {
    const unique = uniqueDeadLetters(entries);
    if (unique.length === 0) return;
    await this.db.write(async (c) => {
      try {
        let seq = this.nextSeq;
        for (let i = 0; i < unique.length; i += ROWS_PER_INSERT) {
          const rows = unique.slice(i, i + ROWS_PER_INSERT);
          const params: DuckDBValue[] = [];
          const tuples = rows.map((e) => {
            const values: DuckDBValue[] = [
              BigInt(e.stored.id),
              BigInt(seq++),
              BigInt(e.receivedMs),
              e.topic,
              e.tenant ?? null,
              e.stream ?? null,
              e.reason,
              this.db.api.blobValue(e.stored.payload),
              BigInt(e.stored.size),
              e.stored.sha256,
              e.stored.truncated,
            ];
            return `(${values.map((v) => `$${params.push(v)}`).join(', ')})`;
          });
          await c.run(
            `INSERT INTO dead_letters (id, seq, received_ms, topic, tenant, stream, reason, payload, size, sha256, truncated)
             VALUES ${tuples.join(', ')} ON CONFLICT (id) DO NOTHING`,
            params,
          );
        }
        this.nextSeq = seq;
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
      q.before === undefined ? filters : [...filters, `seq < $${params.push(BigInt(q.before))}`];
    const pageWhere = pageFilters.length ? `WHERE ${pageFilters.join(' AND ')}` : '';
    const countParams = params.slice(0, filters.length);
    return this.db.read(async (c) => {
      const total = Number(
        (await readRows(c, `SELECT count(*) FROM dead_letters ${scope}`, countParams))[0]?.[0] ?? 0,
      );
      const rows = await readRowObjects(
        c,
        `SELECT * FROM dead_letters ${pageWhere} ORDER BY seq DESC LIMIT ${q.limit + 1}`,
        params,
      );
      const last = rows[q.limit - 1];
      const items = rows.slice(0, q.limit).map(toDeadLetter);
      return { items, total, nextBefore: rows.length > q.limit && last ? Number(last.seq) : null };
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
    size: Number(row.size ?? blob.bytes.byteLength),
    sha256: row.sha256 === null || row.sha256 === undefined ? null : String(row.sha256),
    truncated: row.truncated === true,
  };
}
