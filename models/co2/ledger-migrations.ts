import type { MigrationSet } from '../../store/index.js';

/**
 * The invoice ledger's tables in the records store. Lines keep the parsed line as jsonb beside the columns the
 * API filters on; corrections are append-only (every correction is a row, the latest per line wins) so the
 * history stays for the audit trail; `version` per line is the optimistic-concurrency token (the ETag); the
 * per-tenant revision tells every replica's cache that the ledger changed.
 */
export const INVOICE_MIGRATIONS: MigrationSet = {
  component: 'invoices',
  // One statement per step: PGlite runs a migration as one prepared statement, which holds one command.
  migrations: [
    {
      version: 1,
      name: 'invoice lines, the parsed line as jsonb beside the columns filtered on',
      sql: `CREATE TABLE invoice_lines (
        tenant text NOT NULL,
        id text NOT NULL,
        line jsonb NOT NULL,
        issue_date text NOT NULL,
        supplier_name text NOT NULL,
        supplier_id text,
        uploaded_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1,
        PRIMARY KEY (tenant, id)
      )`,
    },
    {
      version: 2,
      name: 'invoice lines by tenant and issue date',
      sql: `CREATE INDEX invoice_lines_tenant_issue_date ON invoice_lines (tenant, issue_date)`,
    },
    {
      version: 3,
      name: 'invoice corrections, append-only',
      sql: `CREATE TABLE invoice_corrections (
        seq bigserial PRIMARY KEY,
        tenant text NOT NULL,
        line_id text NOT NULL,
        category text NOT NULL,
        previous_category text NOT NULL,
        corrected_by text,
        corrected_at timestamptz NOT NULL,
        line_version integer NOT NULL,
        correction jsonb NOT NULL
      )`,
    },
    {
      version: 4,
      name: 'invoice corrections by tenant and line',
      sql: `CREATE INDEX invoice_corrections_tenant_line ON invoice_corrections (tenant, line_id, seq)`,
    },
    {
      version: 5,
      name: 'invoice ledger revision per tenant',
      sql: `CREATE TABLE invoice_ledger_revisions (
        tenant text PRIMARY KEY,
        revision bigint NOT NULL
      )`,
    },
    {
      version: 6,
      name: 'JSONL ledger files imported, by content hash',
      sql: `CREATE TABLE invoice_ledger_imports (
        tenant text NOT NULL,
        file text NOT NULL,
        sha256 text NOT NULL,
        records integer NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, file, sha256)
      )`,
    },
  ],
};
