import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GreenopsError } from '../../core/index.js';
import { PgliteRecordStore, migrate } from '../../store/index.js';
import { invoiceLineId, recurringLineKey } from './estimate.js';
import type { InvoiceLine } from './invoice-line.js';
import { InvoiceLedger, type Correction } from './ledger.js';
import { INVOICE_MIGRATIONS } from './ledger-migrations.js';

const line = (over: Partial<InvoiceLine>): InvoiceLine => ({
  file: 'f.xml',
  sourceLine: 10,
  format: 'PEPPOL-BIS-3',
  documentId: 'INV-1',
  documentType: 'invoice',
  issueDate: '2026-03-15',
  supplier: { name: 'Kontorhuset ApS', id: 'DK11223344' },
  lineId: '1',
  description: 'Kontorstole marts 2026',
  quantity: 4,
  unitCode: 'EA',
  amount: 12000,
  currency: 'DKK',
  unspsc: undefined,
  ...over,
});

const correctionOf = (l: InvoiceLine, category: string, correctedAt: string): Correction => ({
  lineId: invoiceLineId(l),
  category,
  description: l.description,
  supplier: l.supplier.name,
  unitCode: l.unitCode,
  previousCategory: 'office_supplies',
  correctedBy: 'anna',
  correctedAt,
});

describe('invoice ledger in the records store (PGlite in memory)', () => {
  let records: PgliteRecordStore;
  // One database (opening PGlite takes seconds on a busy machine); each test has its own tenant.
  beforeAll(async () => {
    records = await PgliteRecordStore.open('memory://');
    await migrate(records, [INVOICE_MIGRATIONS]);
  }, 60_000);
  afterAll(async () => {
    await records?.close();
  });

  it('counts added and replaced lines; a re-upload (also within one upload) replaces the earlier copy', async () => {
    const ledger = new InvoiceLedger(records, 'uploads');
    const a = line({});
    expect(await ledger.addLines([a, line({ lineId: '2' })])).toMatchObject({ added: 2, replaced: 0 });
    const changed = { ...a, amount: 13000 };
    const again = await ledger.addLines([a, changed, line({ lineId: '3' })]);
    expect(again).toMatchObject({ added: 1, replaced: 2 });
    expect(again.ids).toEqual([invoiceLineId(a), invoiceLineId(a), invoiceLineId(line({ lineId: '3' }))]);
    const lines = await new InvoiceLedger(records, 'uploads').lines();
    expect(lines.length).toBe(3);
    expect(lines.find((l) => l.id === invoiceLineId(a))).toMatchObject({ amount: 13000, version: 1 });
    expect(await new InvoiceLedger(records, 'uploads-other').lines()).toEqual([]);
  });

  it('keeps every correction, lets the latest win, and increments the line version with each', async () => {
    const ledger = new InvoiceLedger(records, 'corrections');
    const a = line({});
    await ledger.addLines([a]);
    const id = invoiceLineId(a);
    expect(await ledger.correct(correctionOf(a, 'furniture', '2026-11-22T10:00:00Z'))).toMatchObject({
      version: 2,
    });
    expect(await ledger.correct(correctionOf(a, 'office_supplies', '2026-11-22T11:00:00Z'))).toMatchObject({
      version: 3,
    });
    const reopened = new InvoiceLedger(records, 'corrections');
    expect(await reopened.line(id)).toMatchObject({ version: 3 });
    expect((await reopened.corrections()).map((c) => c.category)).toEqual(['office_supplies']);
    expect((await reopened.reviews()).byLine.get(id)).toBe('office_supplies');
    expect((await reopened.reviews()).byText.get(recurringLineKey(a.supplier.name, a.description))).toBe(
      'office_supplies',
    );
    expect((await reopened.history(id)).map((c) => [c.category, c.version])).toEqual([
      ['furniture', 2],
      ['office_supplies', 3],
    ]);
    // A re-upload of the line replaces its data but keeps its corrections and version.
    await reopened.addLines([a]);
    expect(await reopened.line(id)).toMatchObject({ version: 3 });
    expect((await reopened.reviews()).byLine.get(id)).toBe('office_supplies');
  });

  it('refuses a correction conditioned on a stale version, naming the current one, and changes nothing', async () => {
    const ledger = new InvoiceLedger(records, 'stale');
    const a = line({});
    await ledger.addLines([a]);
    expect(await ledger.correct(correctionOf(a, 'furniture', '2026-11-22T10:00:00Z'), [1])).toMatchObject({
      version: 2,
    });
    const stale = ledger.correct(correctionOf(a, 'cleaning', '2026-11-22T10:01:00Z'), [1]);
    await expect(stale).rejects.toBeInstanceOf(GreenopsError);
    await expect(stale).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', status: 412 });
    await expect(stale).rejects.toThrow(/at version "2", not "1"/);
    expect(await ledger.line(invoiceLineId(a))).toMatchObject({ version: 2 });
    expect(await ledger.history(invoiceLineId(a))).toHaveLength(1);
    expect(
      await ledger.correct(correctionOf(line({ lineId: 'nope' }), 'cleaning', '2026-11-22T10:02Z')),
    ).toBe(undefined);
  });

  it('applies exactly one of several concurrent corrections conditioned on the same version', async () => {
    const ledger = new InvoiceLedger(records, 'concurrent');
    const a = line({});
    await ledger.addLines([a]);
    const outcomes = await Promise.allSettled(
      ['furniture', 'cleaning', 'clothing', 'office_supplies'].map((category) =>
        new InvoiceLedger(records, 'concurrent').correct(
          correctionOf(a, category, '2026-11-22T10:00:00Z'),
          [1],
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(
      outcomes.filter(
        (o) => o.status === 'rejected' && (o.reason as GreenopsError).code === 'PRECONDITION_FAILED',
      ),
    ).toHaveLength(3);
    expect(await ledger.line(invoiceLineId(a))).toMatchObject({ version: 2 });
  });

  it("moves the tenant's revision on every change, so another process's snapshot is read again", async () => {
    // Two ledgers on one store stand for two API replicas on one PostgreSQL.
    const mine = new InvoiceLedger(records, 'replicas');
    const theirs = new InvoiceLedger(records, 'replicas');
    expect(await theirs.revision()).toBe(0);
    const a = line({});
    expect((await mine.addLines([a])).revision).toBe(1);
    const before = await theirs.snapshot();
    expect(before.lines.length).toBe(1);
    expect(await theirs.snapshot()).toBe(before);
    expect((await mine.correct(correctionOf(a, 'furniture', '2026-11-22T10:00:00Z')))?.revision).toBe(2);
    const after = await theirs.snapshot();
    expect(after).not.toBe(before);
    expect(after.revision).toBe(2);
    expect(after.reviews.byLine.get(invoiceLineId(a))).toBe('furniture');
    expect(await new InvoiceLedger(records, 'replicas-other').revision()).toBe(0);
  });
});
