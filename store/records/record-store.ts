import type { CopyInput } from './copy-text.js';

/**
 * The records port: relational records with history (API keys, device credentials, the audit trail, the invoice
 * ledger, reviews). One SQL dialect, PostgreSQL's, runs on both adapters: PGlite (PostgreSQL compiled to
 * WebAssembly, the embedded default) and a PostgreSQL server through `pg` (production, shared by replicas).
 *
 * Both adapters return the same JavaScript values (test/contract/record-store.contract.ts): text[] as string[],
 * jsonb parsed, timestamptz as Date, int8 as number (bigint beyond 2^53), date as 'YYYY-MM-DD', numeric as string.
 * Pass jsonb parameters as JSON text (`JSON.stringify(value)`): `pg` sends a JavaScript array as a PostgreSQL array
 * literal, not JSON. Use timestamptz, not timestamp: a timestamp without zone is read in the process's time zone.
 * SQL errors carry their SQLSTATE in `code` (23505: unique violation, for a 409).
 */
export interface RecordQueryable {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs one or more statements without parameters (schema migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Appends rows to a table with COPY (PostgreSQL: `FROM STDIN`; PGlite: `FROM '/dev/blob'`): the bulk path for
   * append-only logs. All or nothing like any statement; a duplicate key fails the whole COPY with 23505. Rows
   * may come rendered ahead ({@link prepareCopy}), so that the rendering is not part of the write.
   */
  copyRows(table: string, columns: readonly string[], rows: CopyInput): Promise<void>;
}

export interface RecordStore extends RecordQueryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws (and
   * the error rethrown as it is). Inside `fn` use only `tx`: PGlite has one connection, so `store.query` would wait
   * for the transaction to end.
   */
  transaction<T>(fn: (tx: RecordQueryable) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One forward-only schema step. Versions of a component are applied in order, each exactly once. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations one component (access, invoices, …) owns; components are migrated independently. */
export interface MigrationSet {
  component: string;
  migrations: readonly Migration[];
}
