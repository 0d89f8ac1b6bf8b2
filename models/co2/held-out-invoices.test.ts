import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier, trainClassifier } from './classifier.js';
import { CORPUS_CATEGORIES, CORPUS_VERSION, buildCorpus } from './corpus.js';
import type { EstimateContext } from './estimate.js';
import { DEFAULT_FACTOR_TABLE as table } from './factor-table.js';
import { HELD_OUT_INVOICES, heldOutFiles } from './held-out-invoices.js';
import { estimateInvoiceFiles } from './use-cases.js';

/**
 * The held-out check on invoices composed for greenops in Danish (OIOUBL 2.1 and 3), Dutch, Norwegian, Swedish and
 * English (Peppol BIS 3): categories, non-emitting lines, activity costing and unflagged accuracy.
 */
describe('held-out invoices in five languages', () => {
  let context: EstimateContext;

  beforeAll(async () => {
    const { train } = buildCorpus();
    const artifacts = await trainClassifier(
      train,
      CORPUS_CATEGORIES,
      { corpusVersion: CORPUS_VERSION, corrections: 0 },
      [],
      { epochs: 3, hidden: 16 },
    );
    context = { table, classifier: new TextClassifier(artifacts) };
  }, 180_000);

  it('covers every language and format it claims to', () => {
    const names = HELD_OUT_INVOICES.map((i) => i.name.slice(0, 3));
    for (const prefix of ['dk-', 'nl-', 'no-', 'se-', 'uk-']) expect(names).toContain(prefix);
    expect(new Set(HELD_OUT_INVOICES.map((i) => i.format))).toEqual(
      new Set(['oioubl-2', 'oioubl-3', 'peppol']),
    );
  });

  it('puts ≥ 90 % of lines in their category, unflagged ones ≥ 95 %, and costs energy by activity', () => {
    const { files, truth } = heldOutFiles();
    const doc = estimateInvoiceFiles(files, context);
    expect(doc.errors).toEqual([]);
    expect(doc.lines.length).toBe(truth.size);
    let right = 0;
    let unflagged = 0;
    let unflaggedRight = 0;
    const wrong: string[] = [];
    for (const l of doc.lines) {
      const t = truth.get(`${l.file}#${l.lineId}`)!;
      const ok = l.category === t.category;
      if (ok) right++;
      else wrong.push(`${l.description}: ${l.category} (want ${t.category})`);
      if (!l.review) {
        unflagged++;
        if (ok) unflaggedRight++;
      }
      if (t.category === 'non_emitting') expect(l.kgCo2e, l.description).toBe(0);
      if (t.activity) expect(l.method, l.description).toBe('activity');
      if (t.category === 'unknown') expect(l.review, l.description).toBe(true);
    }
    expect(right / doc.lines.length, wrong.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(unflaggedRight / unflagged, wrong.join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('counts the same kWh once: grid tariff and tax on it name the line carrying the energy', () => {
    const { files } = heldOutFiles();
    const doc = estimateInvoiceFiles(
      files.filter((f) => f.name === 'dk-el.xml'),
      context,
    );
    const [energy, grid, tax] = doc.lines;
    expect(energy).toMatchObject({
      category: 'electricity',
      method: 'activity',
      basis: { quantity: 16_000 },
    });
    for (const charge of [grid, tax]) {
      expect(charge).toMatchObject({ category: 'non_emitting', kgCo2e: 0, method: 'excluded' });
      expect(charge!.excluded?.energyLine).toBe(energy!.lineId);
    }
    expect(doc.totals.kgCo2e).toBeCloseTo(energy!.kgCo2e!, 6);
    expect(doc.totals.nonEmitting.lines).toBe(4);
  });

  it('a line repeating the same energy quantity is not counted twice', () => {
    const { files } = heldOutFiles();
    const file = files.find((f) => f.name === 'dk-el.xml')!;
    // A second supply line of the same 16,000 kWh in other words (a supplier splitting energy and transport).
    const text = file.text.replace('Nettarif C, lavlast og spidslast', 'Levering af el, transport');
    const doc = estimateInvoiceFiles([{ name: 'dk-el-twice.xml', text }], context);
    const counted = doc.lines.filter((l) => l.method === 'activity');
    expect(counted.length).toBe(1);
    expect(doc.lines[1]).toMatchObject({ kgCo2e: 0, excluded: { kind: 'same_energy', energyLine: '1' } });
  });

  it('keeps every total non-negative and credit notes subtract', () => {
    const { files } = heldOutFiles();
    const doc = estimateInvoiceFiles(files, context);
    const t = doc.totals;
    for (const entry of [t, ...Object.values(t.byCategory), ...Object.values(t.bySupplier)])
      if (entry.kgCo2e > 0) expect(entry.low).toBeGreaterThanOrEqual(0);
    const credit = doc.lines.find((l) => l.documentType === 'credit-note')!;
    expect(credit.kgCo2e).toBeLessThan(0);
    const kontor = doc.totals.bySupplier['Kontorland ApS']!;
    const kontorLines = doc.lines.filter((l) => l.supplier.name === 'Kontorland ApS');
    expect(kontor.kgCo2e).toBeCloseTo(
      kontorLines.reduce((s, l) => s + (l.kgCo2e ?? 0), 0),
      9,
    );
  });
});
