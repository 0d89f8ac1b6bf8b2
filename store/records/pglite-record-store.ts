import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { storeUnavailable } from '../../core/index.js';
import type { RecordQueryable, RecordStore } from './record-store.js';

/**
 * The embedded records store: PGlite (PostgreSQL in WebAssembly) in a folder, so `npm start` needs no database
 * server. One process owns the folder; replicas use {@link PostgresRecordStore}.
 */
export class PgliteRecordStore implements RecordStore {
  readonly kind = 'pglite' as const;

  private constructor(private readonly db: PGlite) {}

  /** Opens (creating) the database in `dir`; `memory://` keeps it in memory. */
  static async open(dir: string): Promise<PgliteRecordStore> {
    if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
    try {
      const db = await PGlite.create(dir);
      return new PgliteRecordStore(db);
    } catch (err) {
      throw storeUnavailable(`records store ${dir}: cannot open: ${(err as Error).message}`, err);
    }
  }

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(sql, params as unknown[])).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  transaction<T>(fn: (tx: RecordQueryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      fn({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<R>(sql, params as unknown[])).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
