import { GreenopsError } from '../../core/index.js';
import type { RecordQueryable, RecordStore } from '../../store/index.js';
import { invoiceLineId, recurringLineKey, type Reviews } from './estimate.js';
import type { InvoiceLine } from './invoice-line.js';

export interface Correction {
  lineId: string;
  category: string;
  /** What the classifier learns from: the line's text, supplier and unit at the time of the correction. */
  description: string;
  supplier: string;
  unitCode: string | undefined;
  previousCategory: string;
  correctedBy: string | undefined;
  correctedAt: string;
}

export interface StoredLine extends InvoiceLine {
  id: string;
  uploadedAt: string;
  /** 1 when uploaded, +1 on every correction: the optimistic-concurrency token (the line's ETag). */
  version: number;
}

/** The ledger of one tenant as of one revision: what estimates are computed from. */
export interface LedgerSnapshot {
  revision: number;
  lines: readonly StoredLine[];
  byId: ReadonlyMap<string, StoredLine>;
  /** The latest correction per line. */
  corrections: readonly Correction[];
  reviews: Reviews;
}

/**
 * Lines per INSERT statement (one jsonb array parameter each) and per page when reading the ledger. PGlite runs on
 * the event loop, so each statement holds it: 2,000 lines took about 160 ms, 500 take about 40 (issue 18).
 */
const INSERT_CHUNK = 500;
const READ_PAGE = 2000;

/**
 * Lets timers and I/O run between two statements. PGlite answers its promises without a turn of the event loop,
 * so a transaction of many statements would otherwise hold the loop from its first to its last.
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A tenant's uploaded invoice lines and reviewers' corrections in the records store. A line uploaded again
 * replaces the earlier copy (its corrections and version stay). Every correction is kept (the audit trail); the
 * latest per line wins. Each change increments the tenant's revision in the same transaction, so a cache keyed by
 * it is invalidated when any replica on the same PostgreSQL changes the ledger.
 */
export class InvoiceLedger {
  private cached: LedgerSnapshot | undefined;

  constructor(
    private readonly records: RecordStore,
    readonly tenant: string,
  ) {}

  async addLines(
    lines: readonly InvoiceLine[],
    now = new Date(),
  ): Promise<{ added: number; replaced: number; ids: string[]; revision: number }> {
    const uploadedAt = now.toISOString();
    // Ids are hashes: 50,000 of them in one go held the event loop for most of a second.
    const stored: Omit<StoredLine, 'version'>[] = [];
    for (let i = 0; i < lines.length; i += READ_PAGE) {
      if (i > 0) await yieldToEventLoop();
      for (const l of lines.slice(i, i + READ_PAGE)) stored.push({ ...l, id: invoiceLineId(l), uploadedAt });
    }
    const ids = stored.map((l) => l.id);
    if (stored.length === 0) return { added: 0, replaced: 0, ids, revision: await this.revision() };
    // The last copy of a line in one upload wins, as it would over an earlier upload.
    const unique = [...new Map(stored.map((l) => [l.id, l])).values()];
    return this.records.transaction(async (tx) => {
      const existing = await upsertLines(tx, this.tenant, unique);
      const replaced = existing + (stored.length - unique.length);
      return {
        added: stored.length - replaced,
        replaced,
        ids,
        revision: await bumpRevision(tx, this.tenant),
      };
    });
  }

  /**
   * Appends a correction and increments the line's version, unless `ifMatch` lists versions and the line is at
   * none of them (someone corrected it since the caller read it): then PRECONDITION_FAILED naming the current
   * version. Undefined when the tenant has no such line.
   */
  async correct(
    correction: Correction,
    ifMatch?: readonly number[],
  ): Promise<{ version: number; revision: number } | undefined> {
    // A stale version is answered rather than thrown inside the transaction: nothing was written yet, and an
    // adapter may wrap whatever its transaction callback throws as a store failure.
    const outcome = await this.records.transaction(async (tx) => {
      const [row] = await tx.query<{ version: number }>(
        'SELECT version FROM invoice_lines WHERE tenant = $1 AND id = $2 FOR UPDATE',
        [this.tenant, correction.lineId],
      );
      if (!row) return undefined;
      const current = Number(row.version);
      if (ifMatch && !ifMatch.includes(current)) return { stale: current };
      await insertCorrection(tx, this.tenant, correction, current + 1);
      await tx.query('UPDATE invoice_lines SET version = $3 WHERE tenant = $1 AND id = $2', [
        this.tenant,
        correction.lineId,
        current + 1,
      ]);
      return { version: current + 1, revision: await bumpRevision(tx, this.tenant) };
    });
    if (outcome?.stale !== undefined) throw staleVersion(correction.lineId, outcome.stale, ifMatch ?? []);
    return outcome && { version: outcome.version, revision: outcome.revision };
  }

  /** Counts the tenant's changes (in every process sharing the records store); 0 before the first. */
  async revision(): Promise<number> {
    return revisionOf(this.records, this.tenant);
  }

  /**
   * Lines, latest corrections and reviews as of the current revision; read again only when the revision moved.
   * The revision is read first, so the rows are at least that new: a change landing in between makes the next
   * call read again, never serve stale rows.
   */
  async snapshot(): Promise<LedgerSnapshot> {
    const revision = await this.revision();
    if (this.cached?.revision === revision) return this.cached;
    // Read in pages (keyset on the primary key), so no single statement holds PGlite's event loop for long; one
    // REPEATABLE READ transaction keeps the pages and the revision consistent with each other.
    this.cached = await this.records.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const at = await revisionOf(tx, this.tenant);
      const lines: StoredLine[] = [];
      for (let after = ''; ;) {
        const page = await tx.query<{ id: string; line: Omit<StoredLine, 'version'>; version: number }>(
          `SELECT id, line, version FROM invoice_lines WHERE tenant = $1 AND id > $2
           ORDER BY id LIMIT ${READ_PAGE}`,
          [this.tenant, after],
        );
        for (const r of page) lines.push({ ...r.line, version: Number(r.version) });
        if (page.length < READ_PAGE) break;
        await yieldToEventLoop();
        after = (page[page.length - 1] as { id: string }).id;
      }
      // The listing order (issue date, then id), as the ledger has always answered.
      lines.sort((a, b) =>
        a.issueDate === b.issueDate ? (a.id < b.id ? -1 : 1) : a.issueDate < b.issueDate ? -1 : 1,
      );
      const corrections = (
        await tx.query<{ correction: Correction }>(
          `SELECT DISTINCT ON (line_id) correction FROM invoice_corrections
           WHERE tenant = $1 ORDER BY line_id, seq DESC`,
          [this.tenant],
        )
      ).map((r) => r.correction);
      return {
        revision: at,
        lines,
        byId: new Map(lines.map((l) => [l.id, l])),
        corrections,
        reviews: reviewsOf(corrections),
      };
    });
    return this.cached;
  }

  async lines(): Promise<readonly StoredLine[]> {
    return (await this.snapshot()).lines;
  }

  async line(id: string): Promise<StoredLine | undefined> {
    return (await this.snapshot()).byId.get(id);
  }

  /** The latest correction per line. */
  async corrections(): Promise<readonly Correction[]> {
    return (await this.snapshot()).corrections;
  }

  /** Every correction of a line, oldest first, with the version each one made. */
  async history(lineId: string): Promise<(Correction & { version: number })[]> {
    const rows = await this.records.query<{ correction: Correction; line_version: number }>(
      'SELECT correction, line_version FROM invoice_corrections WHERE tenant = $1 AND line_id = $2 ORDER BY seq',
      [this.tenant, lineId],
    );
    return rows.map((r) => ({ ...r.correction, version: Number(r.line_version) }));
  }

  /** The reviewed categories, by line and by recurring wording (latest correction wins). */
  async reviews(): Promise<Reviews> {
    return (await this.snapshot()).reviews;
  }
}

/**
 * Inserts lines (`uploadedAt` in each), replacing stored copies of the same id; answers how many were stored
 * already. Ids must be unique within `lines`.
 */
export async function upsertLines(
  tx: RecordQueryable,
  tenant: string,
  lines: readonly Omit<StoredLine, 'version'>[],
): Promise<number> {
  let existing = 0;
  for (let i = 0; i < lines.length; i += INSERT_CHUNK) {
    if (i > 0) await yieldToEventLoop();
    const json = JSON.stringify(lines.slice(i, i + INSERT_CHUNK));
    const [found] = await tx.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM invoice_lines
       WHERE tenant = $1 AND id IN (SELECT jsonb_array_elements($2::jsonb)->>'id')`,
      [tenant, json],
    );
    existing += Number(found?.n ?? 0);
    await tx.query(
      `INSERT INTO invoice_lines (tenant, id, line, issue_date, supplier_name, supplier_id, uploaded_at)
       SELECT $1, l->>'id', l, l->>'issueDate', l#>>'{supplier,name}', l#>>'{supplier,id}',
         (l->>'uploadedAt')::timestamptz
       FROM jsonb_array_elements($2::jsonb) AS l
       ON CONFLICT (tenant, id) DO UPDATE SET line = EXCLUDED.line, issue_date = EXCLUDED.issue_date,
         supplier_name = EXCLUDED.supplier_name, supplier_id = EXCLUDED.supplier_id,
         uploaded_at = EXCLUDED.uploaded_at`,
      [tenant, json],
    );
  }
  return existing;
}

/** Appends one correction row; `version` is the line version it makes. */
export async function insertCorrection(
  tx: RecordQueryable,
  tenant: string,
  c: Correction,
  version: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO invoice_corrections
       (tenant, line_id, category, previous_category, corrected_by, corrected_at, line_version, correction)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8::jsonb)`,
    [
      tenant,
      c.lineId,
      c.category,
      c.previousCategory,
      c.correctedBy ?? null,
      c.correctedAt,
      version,
      JSON.stringify(c),
    ],
  );
}

export async function bumpRevision(tx: RecordQueryable, tenant: string): Promise<number> {
  const [row] = await tx.query<{ revision: string | number }>(
    `INSERT INTO invoice_ledger_revisions (tenant, revision) VALUES ($1, 1)
     ON CONFLICT (tenant) DO UPDATE SET revision = invoice_ledger_revisions.revision + 1
     RETURNING revision`,
    [tenant],
  );
  return Number(row?.revision);
}

async function revisionOf(db: RecordQueryable, tenant: string): Promise<number> {
  const [row] = await db.query<{ revision: string | number }>(
    'SELECT revision FROM invoice_ledger_revisions WHERE tenant = $1',
    [tenant],
  );
  return row ? Number(row.revision) : 0;
}

function staleVersion(lineId: string, current: number, ifMatch: readonly number[]): GreenopsError {
  const given =
    ifMatch.length > 0 ? `not ${ifMatch.map((v) => `"${v}"`).join(', ')}` : 'which If-Match does not name';
  return new GreenopsError(
    'PRECONDITION_FAILED',
    `invoice line ${lineId} is at version "${current}", ${given}: it was corrected since you read it; read it again and repeat the correction if it still applies`,
    { field: 'If-Match' },
  );
}

function reviewsOf(corrections: readonly Correction[]): Reviews {
  const byLine = new Map<string, string>();
  const byText = new Map<string, string>();
  const oldestFirst = [...corrections].sort((a, b) => (a.correctedAt < b.correctedAt ? -1 : 1));
  for (const c of oldestFirst) {
    byLine.set(c.lineId, c.category);
    byText.set(recurringLineKey(c.supplier, c.description), c.category);
  }
  return { byLine, byText };
}
