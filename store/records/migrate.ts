import { GreenopsError } from '../../core/index.js';
import type { MigrationSet, RecordStore } from './record-store.js';

/** Key of the advisory lock that serialises migrations of replicas starting together. */
export const MIGRATION_LOCK_KEY = 7_361_905_211;

export interface MigrationReport {
  applied: { component: string; version: number; name: string }[];
}

/**
 * Applies every migration not yet recorded, in one transaction under a transaction-level advisory lock, so that
 * replicas starting together apply each step once and the second waits for the first. A database that has a
 * version this code does not know (a newer greenops ran on it) is refused: migrations only go forward.
 */
export async function migrate(store: RecordStore, sets: readonly MigrationSet[]): Promise<MigrationReport> {
  for (const set of sets) checkSet(set);
  return store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version)
    )`);
    const rows = await tx.query<{ component: string; version: number }>(
      'SELECT component, version FROM schema_migrations',
    );
    const applied: MigrationReport['applied'] = [];
    for (const set of sets) {
      const done = new Set(rows.filter((r) => r.component === set.component).map((r) => Number(r.version)));
      const known = new Set(set.migrations.map((m) => m.version));
      const unknown = [...done].filter((v) => !known.has(v));
      if (unknown.length > 0)
        throw new GreenopsError(
          'INVALID_CONFIG',
          `records store: ${set.component} has schema version ${Math.max(...unknown)}, which this greenops does not know; a newer greenops has migrated it`,
        );
      for (const m of [...set.migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await tx.exec(m.sql);
        await tx.query('INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)', [
          set.component,
          m.version,
          m.name,
        ]);
        applied.push({ component: set.component, version: m.version, name: m.name });
      }
    }
    return { applied };
  });
}

function checkSet(set: MigrationSet): void {
  const seen = new Set<number>();
  for (const m of set.migrations) {
    if (!Number.isInteger(m.version) || m.version < 1 || seen.has(m.version))
      throw new Error(`migrations of ${set.component}: version ${m.version} is not a new positive integer`);
    seen.add(m.version);
  }
}
