import type pg from 'pg';
import { storeUnavailable } from '../../core/index.js';
import { copyInput, copySql, type CopyInput } from './copy-text.js';
import type { RecordQueryable, RecordStore } from './record-store.js';
import { recordTypes } from './record-types.js';

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
    // Loaded here, not at import: a process on the embedded store never loads the PostgreSQL client.
    const { default: pgModule } = await import('pg');
    const pool = new pgModule.Pool({
      connectionString: url,
      max: maxConnections,
      types: recordTypes(pgModule.types),
    });
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

  async copyRows(table: string, columns: readonly string[], rows: CopyInput): Promise<void> {
    const { text, count } = copyInput(rows);
    if (count === 0) return;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw classify(err);
    }
    let broken = false;
    try {
      await copyIn(client, copySql(table, columns, 'STDIN'), text);
    } catch (err) {
      broken = !isSqlError(err);
      throw classify(err);
    } finally {
      client.release(broken);
    }
  }

  async transaction<T>(fn: (tx: RecordQueryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw classify(err);
    }
    const run = async <R extends object>(sql: string, params: readonly unknown[] = []) => {
      try {
        return (await client.query(sql, params as unknown[])).rows as R[];
      } catch (err) {
        throw classify(err);
      }
    };
    let broken = false;
    try {
      await run('BEGIN');
      const result = await fn({
        query: run,
        exec: async (sql: string) => {
          await run(sql);
        },
        copyRows: async (table, columns, rows) => {
          const { text, count } = copyInput(rows);
          if (count === 0) return;
          try {
            await copyIn(client, copySql(table, columns, 'STDIN'), text);
          } catch (err) {
            throw classify(err);
          }
        },
      });
      await run('COMMIT');
      return result;
    } catch (err) {
      // A connection that cannot even roll back is discarded rather than returned to the pool mid-transaction.
      await client.query('ROLLBACK').catch(() => (broken = true));
      // The caller's own error (a 409, a 412) passes through as it is: only the database's errors are classified.
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  /** Ends the pool; closing again is harmless, as it is on PGlite. */
  async close(): Promise<void> {
    if (this.pool.ending || this.pool.ended) return;
    await this.pool.end();
  }
}

function isSqlError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * `COPY … FROM STDIN` on one client through pg's submittable interface (what pg-copy-streams does, without the
 * stream): the statement, one CopyData message with all rows, CopyDone; settled at ReadyForQuery.
 */
function copyIn(client: pg.PoolClient, sql: string, text: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const submittable = {
      submit(connection: CopyConnection) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: CopyConnection) {
        connection.sendCopyFromChunk(
          typeof text === 'string'
            ? Buffer.from(text, 'utf8')
            : Buffer.from(text.buffer, text.byteOffset, text.byteLength),
        );
        connection.endCopyFrom();
      },
      // pg drops the active query on an error: ReadyForQuery then no longer reaches it, so settle here.
      handleError(err: unknown) {
        reject(err);
      },
      handleReadyForQuery() {
        resolve();
      },
      handleCommandComplete: () => undefined,
      handleRowDescription: () => undefined,
      handleDataRow: () => undefined,
      handleEmptyQuery: () => undefined,
      handlePortalSuspended: () => undefined,
      handleCopyData: () => undefined,
    };
    // A submittable's errors arrive through handleError; the connection's own failure ends the client.
    (client as unknown as { query(s: unknown): void }).query(submittable);
  });
}

interface CopyConnection {
  query(sql: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** Connection-level failures are retryable store outages; SQL errors (with a SQLSTATE) pass through as they are. */
function classify(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08')) return err;
  return storeUnavailable(`PostgreSQL: ${(err as Error).message}`, err);
}
