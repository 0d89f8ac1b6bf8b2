import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/index.js';
import { PgliteRecordStore, migrate, type RecordStore } from '../../store/index.js';
import { invoiceLineId } from './estimate.js';
import type { InvoiceLine } from './invoice-line.js';
import { InvoiceLedger, type Correction, type StoredLine } from './ledger.js';
import { importJsonlLedgers } from './ledger-import.js';
import { INVOICE_MIGRATIONS } from './ledger-migrations.js';

const line = (lineId: string, amount = 1000): StoredLine => {
  const l: InvoiceLine = {
    file: 'f.csv',
    sourceLine: 2,
    format: 'CSV',
    documentId: 'INV-7',
    documentType: 'invoice',
    issueDate: '2026-02-10',
    supplier: { name: 'Q8 Danmark', id: 'DK11111111' },
    lineId,
    description: `Diesel ${lineId}`,
    quantity: 100,
    unitCode: 'LTR',
    amount,
    currency: 'DKK',
    unspsc: undefined,
  };
  return { ...l, id: invoiceLineId(l), uploadedAt: '2026-02-11T08:00:00.000Z', version: 1 };
};

const correction = (l: StoredLine, category: string, at: string): Correction => ({
  lineId: l.id,
  category,
  description: l.description,
  supplier: l.supplier.name,
  unitCode: l.unitCode,
  previousCategory: 'diesel',
  correctedBy: 'anna',
  correctedAt: at,
});

const jsonl = (records: unknown[], torn = '') => records.map((r) => `${JSON.stringify(r)}\n`).join('') + torn;

/** Writes a JSONL ledger as greenops before the records store kept it: two lines (one uploaded twice), two corrections. */
function writeLedger(dir: string, tenant: string): { a: StoredLine; b: StoredLine } {
  const a = line('1');
  const b = line('2');
  mkdirSync(join(dir, tenant), { recursive: true });
  // The torn last line is a crash mid-append: it was never acknowledged and is skipped, as before.
  writeFileSync(join(dir, tenant, 'lines.jsonl'), jsonl([a, b, { ...a, amount: 1500 }], '{"id":"to'));
  writeFileSync(
    join(dir, tenant, 'corrections.jsonl'),
    jsonl([
      correction(a, 'heating_oil', '2026-02-12T09:00:00Z'),
      correction(a, 'petrol', '2026-02-13T09:00:00Z'),
    ]),
  );
  return { a, b };
}

/** The real store, with every statement that matches `failOn` failing: a crash in the middle of an import. */
function failing(records: RecordStore, failOn: RegExp): RecordStore {
  return {
    kind: records.kind,
    query: (sql, params) => records.query(sql, params),
    exec: (sql) => records.exec(sql),
    copyRows: (table, columns, rows) => records.copyRows(table, columns, rows),
    transaction: (fn) =>
      records.transaction((tx) =>
        fn({
          query: (sql, params) => {
            if (failOn.test(sql)) return Promise.reject(new Error('power cut'));
            return tx.query(sql, params);
          },
          exec: (sql) => tx.exec(sql),
          copyRows: (table, columns, rows) => tx.copyRows(table, columns, rows),
        }),
      ),
    ping: () => records.ping(),
    close: () => records.close(),
  };
}

describe('one-time import of JSONL invoice ledgers into the records store', () => {
  let records: PgliteRecordStore;
  const dir = mkdtempSync(join(tmpdir(), 'greenops-ledger-import-'));
  beforeAll(async () => {
    records = await PgliteRecordStore.open('memory://');
    await migrate(records, [INVOICE_MIGRATIONS]);
  }, 60_000);
  afterAll(async () => {
    await records?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports lines and every correction, keeps the files as backups, logs the counts, and imports nothing on the next start', async () => {
    const co2 = join(dir, 'plain');
    const { a, b } = writeLedger(co2, 'aarhus');
    const { logger, lines: logged } = createMemoryLogger();
    const [report] = await importJsonlLedgers(records, co2, logger);
    expect(report).toMatchObject({ tenant: 'aarhus', lines: 2, corrections: 2, skipped: 1 });
    expect(existsSync(join(co2, 'aarhus', 'lines.jsonl'))).toBe(false);
    expect(existsSync(join(co2, 'aarhus', 'lines.jsonl.imported'))).toBe(true);
    expect(existsSync(join(co2, 'aarhus', 'corrections.jsonl.imported'))).toBe(true);
    expect(logged()).toContainEqual(
      expect.objectContaining({
        tenant: 'aarhus',
        lines: 2,
        corrections: 2,
        msg: expect.stringMatching(/imported/),
      }),
    );

    const ledger = new InvoiceLedger(records, 'aarhus');
    expect(await ledger.line(a.id)).toMatchObject({ amount: 1500, version: 3 });
    expect(await ledger.line(b.id)).toMatchObject({ amount: 1000, version: 1 });
    expect((await ledger.history(a.id)).map((c) => [c.category, c.version])).toEqual([
      ['heating_oil', 2],
      ['petrol', 3],
    ]);
    expect((await ledger.reviews()).byLine.get(a.id)).toBe('petrol');
    expect(await ledger.revision()).toBeGreaterThan(0);

    expect(await importJsonlLedgers(records, co2, logger)).toEqual([]);
    expect(await ledger.history(a.id)).toHaveLength(2);
  });

  it('leaves nothing behind when it fails mid-import, and the next start imports everything once', async () => {
    const co2 = join(dir, 'crash');
    const { a } = writeLedger(co2, 'odense');
    const broken = failing(records, /INSERT INTO invoice_corrections/);
    await expect(importJsonlLedgers(broken, co2, createMemoryLogger().logger)).rejects.toThrow(/power cut/);
    const ledger = new InvoiceLedger(records, 'odense');
    expect(await ledger.lines()).toEqual([]);
    expect(await ledger.revision()).toBe(0);
    expect(existsSync(join(co2, 'odense', 'lines.jsonl'))).toBe(true);
    expect(existsSync(join(co2, 'odense', 'corrections.jsonl'))).toBe(true);

    const [report] = await importJsonlLedgers(records, co2, createMemoryLogger().logger);
    expect(report).toMatchObject({ lines: 2, corrections: 2 });
    expect(await ledger.history(a.id)).toHaveLength(2);
    expect(await ledger.line(a.id)).toMatchObject({ version: 3 });
  });

  it('does not import a file twice when the process stopped after the commit but before the rename', async () => {
    const co2 = join(dir, 'rename');
    const { a } = writeLedger(co2, 'vejle');
    await importJsonlLedgers(records, co2, createMemoryLogger().logger);
    // As if the rename had not happened: the same files are back under their old names.
    for (const f of ['lines.jsonl', 'corrections.jsonl'])
      copyFileSync(join(co2, 'vejle', `${f}.imported`), join(co2, 'vejle', f));
    const [again] = await importJsonlLedgers(records, co2, createMemoryLogger().logger);
    expect(again).toMatchObject({ lines: 0, corrections: 0 });
    expect(again?.backups.map((p) => p.split('/').pop())).toEqual([
      'lines.jsonl.imported.1',
      'corrections.jsonl.imported.1',
    ]);
    const ledger = new InvoiceLedger(records, 'vejle');
    expect(await ledger.history(a.id)).toHaveLength(2);
    expect(await ledger.line(a.id)).toMatchObject({ version: 3 });
  });

  it('imports a ledger file that differs from the one imported before instead of dropping it', async () => {
    const co2 = join(dir, 'later');
    const { a } = writeLedger(co2, 'horsens');
    await importJsonlLedgers(records, co2, createMemoryLogger().logger);
    writeFileSync(
      join(co2, 'horsens', 'corrections.jsonl'),
      jsonl([correction(a, 'diesel', '2026-02-14T09:00:00Z')]),
    );
    const [later] = await importJsonlLedgers(records, co2, createMemoryLogger().logger);
    expect(later).toMatchObject({ lines: 0, corrections: 1 });
    expect((await new InvoiceLedger(records, 'horsens').reviews()).byLine.get(a.id)).toBe('diesel');
  });
});
