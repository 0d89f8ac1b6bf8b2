import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { storeUnavailable } from '../../core/index.js';
import { lockFolder } from './folder-lock.js';
import { copyInput, copySql, type CopyInput } from './copy-text.js';
import type { RecordQueryable, RecordStore } from './record-store.js';
import { PGLITE_PARSERS } from './record-types.js';

/**
 * The embedded records store: PGlite (PostgreSQL in WebAssembly) in a folder, so `npm start` needs no database
 * server. One process owns the folder; replicas use {@link PostgresRecordStore}.
 */
export class PgliteRecordStore implements RecordStore {
  readonly kind = 'pglite' as const;

  private constructor(
    private readonly db: PGlite,
    private readonly unlock: () => void,
  ) {}

  /**
   * Opens (creating) the database in `dir`; `memory://` keeps it in memory. A folder is locked for this process
   * (`<dir>/.greenops.lock`): a second process opening it is refused, naming the holder's pid and, as
   * `whenLocked`, what to do instead (a command names its API route).
   */
  static async open(dir: string, options: { whenLocked?: string } = {}): Promise<PgliteRecordStore> {
    const inMemory = dir.startsWith('memory://');
    if (!inMemory) mkdirSync(dir, { recursive: true });
    const unlock = inMemory ? () => undefined : lockFolder(dir, options.whenLocked);
    try {
      // Loaded on first open: processes without an embedded records store never load the WebAssembly build.
      const { PGlite: Pglite } = await import('@electric-sql/pglite');
      const db = await Pglite.create(dir, { parsers: PGLITE_PARSERS });
      return new PgliteRecordStore(db, unlock);
    } catch (err) {
      unlock();
      throw storeUnavailable(`records store ${dir}: cannot open: ${(err as Error).message}`, err);
    }
  }

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(sql, params as unknown[])).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async copyRows(table: string, columns: readonly string[], rows: CopyInput): Promise<void> {
    await copyVia(this.db, table, columns, rows);
  }

  transaction<T>(fn: (tx: RecordQueryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      fn({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<R>(sql, params as unknown[])).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
        copyRows: (table, columns, rows) => copyVia(tx, table, columns, rows),
      }),
    );
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async close(): Promise<void> {
    try {
      if (!this.db.closed) await this.db.close();
    } finally {
      this.unlock();
    }
  }
}

/** COPY rows in through PGlite's virtual file, on the database or inside a transaction. */
async function copyVia(
  db: Pick<PGlite, 'query'>,
  table: string,
  columns: readonly string[],
  rows: CopyInput,
): Promise<void> {
  const { text, count } = copyInput(rows);
  if (count === 0) return;
  await db.query(copySql(table, columns, "'/dev/blob'"), [], { blob: new Blob([text]) });
}
