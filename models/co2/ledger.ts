import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
}

function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A torn last line from a crash mid-append: the record was never acknowledged, so it is skipped.
    }
  }
  return out;
}

function appendDurably(path: string, records: readonly unknown[]): void {
  if (records.length === 0) return;
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A tenant's uploaded invoice lines and reviewers' corrections, as append-only JSON Lines files under
 * `<dir>/<tenant>/` (lines.jsonl, corrections.jsonl), synced before a call returns. Append-only keeps every
 * correction for the audit trail; the latest one per line wins. A line uploaded again replaces the earlier copy.
 */
export class InvoiceLedger {
  private readonly linesById = new Map<string, StoredLine>();
  private readonly correctionsById = new Map<string, Correction>();
  private readonly linesPath: string;
  private readonly correctionsPath: string;
  private changes = 0;

  constructor(
    dir: string,
    readonly tenant: string,
  ) {
    const tenantDir = join(dir, tenant);
    this.linesPath = join(tenantDir, 'lines.jsonl');
    this.correctionsPath = join(tenantDir, 'corrections.jsonl');
    for (const l of readJsonl<StoredLine>(this.linesPath)) this.linesById.set(l.id, l);
    for (const c of readJsonl<Correction>(this.correctionsPath)) this.correctionsById.set(c.lineId, c);
  }

  addLines(
    lines: readonly InvoiceLine[],
    now = new Date(),
  ): { added: number; replaced: number; ids: string[] } {
    const stored = lines.map((l) => ({ ...l, id: invoiceLineId(l), uploadedAt: now.toISOString() }));
    appendDurably(this.linesPath, stored);
    let replaced = 0;
    this.changes++;
    for (const l of stored) {
      if (this.linesById.has(l.id)) replaced++;
      this.linesById.set(l.id, l);
    }
    return { added: stored.length - replaced, replaced, ids: stored.map((l) => l.id) };
  }

  lines(): StoredLine[] {
    return [...this.linesById.values()];
  }

  line(id: string): StoredLine | undefined {
    return this.linesById.get(id);
  }

  correct(correction: Correction): void {
    appendDurably(this.correctionsPath, [correction]);
    this.correctionsById.set(correction.lineId, correction);
    this.changes++;
  }

  /** Counts changes since the ledger was opened, so estimates can be cached until the next one. */
  get revision(): number {
    return this.changes;
  }

  /** The latest correction per line. */
  corrections(): Correction[] {
    return [...this.correctionsById.values()];
  }

  /** The reviewed categories, by line and by recurring wording (latest correction wins). */
  reviews(): Reviews {
    const byLine = new Map<string, string>();
    const byText = new Map<string, string>();
    const oldestFirst = [...this.correctionsById.values()].sort((a, b) =>
      a.correctedAt < b.correctedAt ? -1 : 1,
    );
    for (const c of oldestFirst) {
      byLine.set(c.lineId, c.category);
      byText.set(recurringLineKey(c.supplier, c.description), c.category);
    }
    return { byLine, byText };
  }
}
