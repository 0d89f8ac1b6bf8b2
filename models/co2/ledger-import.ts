import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/index.js';
import type { RecordQueryable, RecordStore } from '../../store/index.js';
import { bumpRevision, insertCorrection, upsertLines, type Correction, type StoredLine } from './ledger.js';

/** Files of the JSONL ledger that earlier greenops versions kept under `<dataDir>/co2/<tenant>/`. */
const LEDGER_FILES = ['lines.jsonl', 'corrections.jsonl'] as const;

export interface LedgerImport {
  tenant: string;
  lines: number;
  corrections: number;
  /** Torn or unreadable lines of the files (a crash mid-append), skipped as they were before. */
  skipped: number;
  /** Where each imported file was kept. */
  backups: string[];
}

/**
 * Imports the JSONL ledgers under `dir` (`<tenant>/lines.jsonl` and `corrections.jsonl`) into the records store
 * once, then renames each file to `<name>.imported` as a backup: nothing is ever deleted. Each tenant is imported
 * in one transaction that also records each file's SHA-256, so a crash mid-import leaves nothing behind and a
 * crash between commit and rename does not import the file twice on the next start (it is only renamed).
 */
export async function importJsonlLedgers(
  records: RecordStore,
  dir: string,
  logger: Logger,
): Promise<LedgerImport[]> {
  if (!existsSync(dir)) return [];
  const done: LedgerImport[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const tenant = entry.name;
    const files = LEDGER_FILES.map((name) => join(dir, tenant, name)).filter((p) => existsSync(p));
    if (files.length === 0) continue;
    const result = await importTenant(records, tenant, files);
    const backups = files.map(keepAsBackup);
    const report = { tenant, ...result, backups };
    logger.info(report, 'invoice ledger imported from JSONL into the records store');
    if (report.skipped > 0)
      logger.warn({ tenant, skipped: report.skipped }, 'unreadable JSONL ledger lines skipped (torn writes)');
    done.push(report);
  }
  return done;
}

async function importTenant(
  records: RecordStore,
  tenant: string,
  files: string[],
): Promise<{ lines: number; corrections: number; skipped: number }> {
  return records.transaction(async (tx) => {
    // Replicas starting together on one PostgreSQL with one data dir: the second waits, then finds it done.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('greenops invoices import ' || $1))", [tenant]);
    const counts = { lines: 0, corrections: 0, skipped: 0 };
    let changed = false;
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      const sha256 = createHash('sha256').update(text).digest('hex');
      const file = path.endsWith('lines.jsonl') ? 'lines.jsonl' : 'corrections.jsonl';
      const seen = await tx.query(
        'SELECT 1 FROM invoice_ledger_imports WHERE tenant = $1 AND file = $2 AND sha256 = $3',
        [tenant, file, sha256],
      );
      if (seen.length > 0) continue;
      const { records: parsed, skipped } = parseJsonl(text);
      counts.skipped += skipped;
      const n =
        file === 'lines.jsonl'
          ? await importLines(tx, tenant, parsed as StoredLine[])
          : await importCorrections(tx, tenant, parsed as Correction[]);
      counts[file === 'lines.jsonl' ? 'lines' : 'corrections'] += n;
      await tx.query(
        'INSERT INTO invoice_ledger_imports (tenant, file, sha256, records) VALUES ($1, $2, $3, $4)',
        [tenant, file, sha256, n],
      );
      changed = true;
    }
    if (changed) await bumpRevision(tx, tenant);
    return counts;
  });
}

/** Lines in file order; a later copy of a line replaces the earlier one, as the JSONL ledger read them. */
async function importLines(tx: RecordQueryable, tenant: string, lines: StoredLine[]): Promise<number> {
  const valid = lines.filter((l) => typeof l.id === 'string' && typeof l.issueDate === 'string');
  const latest = [...new Map(valid.map((l) => [l.id, l])).values()];
  await upsertLines(tx, tenant, latest);
  return latest.length;
}

/** Every correction in file order, each one version of its line, as if it had been made through the API. */
async function importCorrections(
  tx: RecordQueryable,
  tenant: string,
  corrections: Correction[],
): Promise<number> {
  for (const c of corrections) {
    const [row] = await tx.query<{ version: number }>(
      'UPDATE invoice_lines SET version = version + 1 WHERE tenant = $1 AND id = $2 RETURNING version',
      [tenant, c.lineId],
    );
    // A correction of a line that is not in the ledger still belongs to the history (and to training).
    await insertCorrection(tx, tenant, c, row ? Number(row.version) : 1);
  }
  return corrections.length;
}

function parseJsonl(text: string): { records: unknown[]; skipped: number } {
  const records: unknown[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      // A torn last line from a crash mid-append: the record was never acknowledged, so it is skipped.
      skipped++;
    }
  }
  return { records, skipped };
}

/** Renames `path` to `path.imported` (or `.imported.1`, … when an earlier backup has that name). */
function keepAsBackup(path: string): string {
  let target = `${path}.imported`;
  for (let n = 1; existsSync(target); n++) target = `${path}.imported.${n}`;
  renameSync(path, target);
  return target;
}
