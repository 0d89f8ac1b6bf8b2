import pg from 'pg';
import { storeUnavailable } from '../../core/index.js';
import type { RecordQueryable, RecordStore } from './record-store.js';

// int8 (count(*), bigserial) as JavaScript numbers, as PGlite returns them; ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PostgresRecordStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  maxConnections?: number;
}

/** The production records store: a PostgreSQL server shared by every greenops process, through a `pg` pool. */
export class PostgresRecordStore implements RecordStore {
  readonly kind = 'postgres' as const;

  private constructor(private readonly pool: pg.Pool) {}

  static async connect({
    url,
    maxConnections = 10,
  }: PostgresRecordStoreOptions): Promise<PostgresRecordStore> {
    const pool = new pg.Pool({ connectionString: url, max: maxConnections });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const store = new PostgresRecordStore(pool);
    try {
      await store.ping();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params as unknown[])).rows as T[];
    } catch (err) {
      throw classify(err);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      // Without parameters pg uses the simple query protocol, which runs several statements.
      await this.pool.query(sql);
    } catch (err) {
      throw classify(err);
    }
  }

  async transaction<T>(fn: (tx: RecordQueryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw classify(err);
    }
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params as unknown[])).rows as R[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw classify(err);
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Connection-level failures are retryable store outages; SQL errors (with a SQLSTATE) pass through as they are. */
function classify(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08')) return err;
  return storeUnavailable(`PostgreSQL: ${(err as Error).message}`, err);
}
