import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbDatabase, DuckDbDeadLetterStore, DuckDbStore } from '../../store/index.js';

export interface TempDuckDb {
  dir: string;
  path: string;
  db: DuckDbDatabase;
  store: DuckDbStore;
  deadLetters: DuckDbDeadLetterStore;
  /** Closes the database; the file stays until remove(). */
  close(): Promise<void>;
  remove(): void;
}

/** A real DuckDB file in a fresh temporary folder. */
export async function openTempDuckDb(
  dir = mkdtempSync(join(tmpdir(), 'greenops-test-')),
): Promise<TempDuckDb> {
  const path = join(dir, 'greenops.duckdb');
  const db = await DuckDbDatabase.open(path);
  return {
    dir,
    path,
    db,
    store: await DuckDbStore.create(db),
    deadLetters: await DuckDbDeadLetterStore.create(db),
    close: () => db.close(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
