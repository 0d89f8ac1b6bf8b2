import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { REVIEW_CONFIDENCE, TextClassifier, trainClassifier } from './classifier.js';
import { CORPUS_CATEGORIES, CORPUS_VERSION, buildCorpus } from './corpus.js';
import {
  estimateLine,
  estimateLines,
  estimateTotals,
  invoiceLineId,
  recurringLineKey,
  type EstimateContext,
} from './estimate.js';
import { DEFAULT_FACTOR_TABLE as table, validateFactorTable } from './factor-table.js';
import type { InvoiceLine } from './invoice-line.js';
import { estimateInvoiceFiles, monthlyPoints } from './use-cases.js';

const line = (over: Partial<InvoiceLine>): InvoiceLine => ({
  file: 'f.xml',
  sourceLine: 10,
  format: 'PEPPOL-BIS-3',
  documentId: 'D1',
  documentType: 'invoice',
  issueDate: '2023-05-31',
  supplier: { name: 'Leverandøren ApS', id: 'DK1' },
  lineId: '1',
  description: 'Diverse',
  quantity: undefined,
  unitCode: undefined,
  amount: 1000,
  currency: 'DKK',
  unspsc: undefined,
  ...over,
});
const fixture = (name: string) => ({
  name,
  text: readFileSync(new URL(`../../test/fixtures/invoices/${name}`, import.meta.url), 'utf8'),
});

describe('line estimates', () => {
  let context: EstimateContext;

  beforeAll(async () => {
    const { train } = buildCorpus();
    const artifacts = await trainClassifier(
      train,
      CORPUS_CATEGORIES,
      { corpusVersion: CORPUS_VERSION, corrections: 0 },
      [],
      // A small network: these tests need a classifier, not its best accuracy (trains in seconds on a busy machine).
      { epochs: 3, hidden: 16 },
    );
    context = { table, classifier: new TextClassifier(artifacts) };
  }, 180_000);

  it('is activity-based when the line has a quantity in a unit the factor fits, with the factor provenance', () => {
    const e = estimateLine(line({ unspsc: '83101801', quantity: 2, unitCode: 'MWH', amount: 4000 }), context);
    const factor = table.activity.electricity!;
    expect(e).toMatchObject({
      category: 'electricity',
      method: 'activity',
      scope: factor.scope,
      review: false,
    });
    expect(e.classification).toMatchObject({ by: 'unspsc', confidence: 1, model: null });
    expect(e.kgCo2e).toBeCloseTo(2000 * factor.perKwh!, 9);
    expect(e.range![0]).toBeCloseTo(e.kgCo2e! * factor.range[0], 9);
    expect(e.range![1]).toBeCloseTo(e.kgCo2e! * factor.range[1], 9);
    expect(e.factor).toMatchObject({
      key: 'electricity',
      source: factor.source,
      year: factor.year,
      tableVersion: table.version,
    });
  });

  it('counts an energy line repeated word for word once, and flags it as possibly billed twice', () => {
    const el = { description: 'Elforbrug Rådhuset jan', quantity: 48_250, unitCode: 'KWH', amount: 96_500 };
    const [first, second] = estimateLines(
      [line({ lineId: '1', ...el }), line({ lineId: '7', ...el })],
      context,
    );
    expect(first).toMatchObject({ category: 'electricity', method: 'activity' });
    expect(second).toMatchObject({ kgCo2e: 0, review: true });
    expect(second?.notes.join(' ')).toMatch(/identical to line 1/);
  });

  it('a tax stated on the same kWh keeps its kind and names the energy line; an invoice fee names none', () => {
    const [gas, tax, fee] = estimateLines(
      [
        line({
          lineId: '1',
          description: 'Erdgas Arbeitspreis',
          quantity: 12_000,
          unitCode: 'KWH',
          amount: 1_100,
        }),
        line({
          lineId: '2',
          description: 'Energiesteuer Erdgas',
          quantity: 12_000,
          unitCode: 'KWH',
          amount: 66,
        }),
        line({ lineId: '3', description: 'Rykkergebyr', quantity: 1, unitCode: 'EA', amount: 100 }),
      ],
      context,
    );
    expect(gas).toMatchObject({ category: 'natural_gas', method: 'activity' });
    expect(tax).toMatchObject({ kgCo2e: 0, excluded: { kind: 'tax', energyLine: '1' } });
    expect(fee).toMatchObject({ kgCo2e: 0, excluded: { kind: 'admin_fee' } });
    expect(fee?.excluded?.energyLine).toBeNull();
  });

  it('reads GJ on a heat line as gigajoules, as Danish heat suppliers write it', () => {
    const [heat] = estimateLines(
      [line({ description: 'Fjernvarme, forbrug 2024', quantity: 410, unitCode: 'GJ', amount: 60_000 })],
      context,
    );
    expect(heat).toMatchObject({ category: 'district_heating', method: 'activity' });
    expect(heat?.kgCo2e).toBeCloseTo(410 * 277.7778 * table.activity.district_heating!.perKwh!, 3);
  });

  it("uses the supplier's own factor first (GHG Protocol supplier-specific), matching its company id in any spelling", () => {
    const own = {
      ...table.activity.district_heating!,
      perKwh: 0.03,
      source: 'Fjernvarme Syd, varedeklaration 2025',
      year: 2025,
      status: 'source-checked' as const,
    };
    const withSupplier = validateFactorTable(
      {
        ...structuredClone(table),
        suppliers: { 'DK 12 34 56 78': { name: 'Fjernvarme Syd I/S', activity: { district_heating: own } } },
      },
      'mine.json',
    );
    const heat = (id: string) =>
      estimateLine(
        line({
          supplier: { name: 'Fjernvarme Syd I/S', id },
          description: 'Fjernvarme januar',
          quantity: 10,
          unitCode: 'MWH',
        }),
        {
          ...context,
          table: withSupplier,
          reviews: {
            byLine: new Map(),
            byText: new Map([
              [recurringLineKey('Fjernvarme Syd I/S', 'Fjernvarme januar'), 'district_heating'],
            ]),
          },
        },
      );
    expect(heat('12345678')).toMatchObject({
      method: 'supplier',
      factor: { key: 'supplier:DK 12 34 56 78:district_heating', value: 0.03, year: 2025 },
    });
    expect(heat('12345678').kgCo2e).toBeCloseTo(10_000 * 0.03, 9);
    expect(heat('DK99999999')).toMatchObject({ method: 'activity', factor: { key: 'district_heating' } });
    expect(() =>
      validateFactorTable(
        { ...structuredClone(table), suppliers: { X: { name: 'x', activity: { steam: own } } } },
        'mine.json',
      ),
    ).toThrow(/\/suppliers\/X\/activity\/steam: no activity "steam" to replace/);
  });

  it('falls back to spend when the unit does not fit, and says why; spend is in price-year DKK', () => {
    const e = estimateLine(
      line({ unspsc: '15101505', quantity: 3, unitCode: 'EA', amount: 746.04, currency: 'EUR' }),
      context,
    );
    expect(e.method).toBe('spend');
    expect(e.notes.join()).toMatch(/unit EA does not fit the diesel factor/);
    const index = table.priceIndex.values;
    const expected =
      746.04 *
      7.4604 *
      (index[String(table.priceYear)]! / index['2023']!) *
      table.categories.diesel!.kgPerDkk;
    expect(e.kgCo2e).toBeCloseTo(expected, 6);
    expect(e.scope).toBe(table.categories.diesel!.scope);
  });

  it('counts credit notes negative with an ordered range', () => {
    const e = estimateLine(
      line({
        unspsc: '15101505',
        documentType: 'credit-note',
        quantity: -100,
        unitCode: 'LTR',
        amount: -1500,
      }),
      context,
    );
    expect(e.kgCo2e).toBeLessThan(0);
    expect(e.range![0]).toBeLessThan(e.range![1]);
    expect(e.range![0]).toBeLessThanOrEqual(e.kgCo2e!);
  });

  it('leaves a line without an exchange rate unestimated and flagged, and totals count it apart', () => {
    const e = estimateLine(line({ unspsc: '44121600', currency: 'JPY' }), context);
    expect(e).toMatchObject({ kgCo2e: null, range: null, review: true });
    expect(e.notes.join()).toMatch(/no exchange rate for JPY/);
    const totals = estimateTotals([e, estimateLine(line({ unspsc: '44121600', lineId: '2' }), context)]);
    expect(totals).toMatchObject({ lines: 1, unestimatedLines: 1, reviewLines: 1 });
  });

  it('classifies text by the lexicon, leaves placeholders unknown, flags what is unsure, and keeps the estimate inside its range', () => {
    const texts: [string, string, string][] = [
      ['Printerpapir A4', 'lexicon', 'office_supplies'],
      ['Diverse', 'placeholder', 'unknown'],
      ['Hotelophold Aarhus', 'lexicon', 'travel'],
      ['xq zzv 17', 'classifier', ''],
      ['Dieselolie til traktor', 'lexicon', 'diesel'],
      ['Service og dæk', 'lexicon', 'vehicle_service'],
    ];
    for (const [i, [description, by, category]] of texts.entries()) {
      const e = estimateLine(line({ description, lineId: String(i) }), context);
      expect(e.classification.by, description).toBe(by);
      if (category) expect(e.category, description).toBe(category);
      expect(e.review).toBe(e.classification.confidence < REVIEW_CONFIDENCE);
      if (by === 'classifier') {
        // The network alone never clears a line: real lines are far from its generated corpus.
        expect(e.review).toBe(true);
        expect(e.classification.model).toBe(context.classifier.version);
      }
      if (by === 'placeholder') expect(e).toMatchObject({ review: true, factor: { key: 'spend:average' } });
      // The range covers the estimate under each alternative category.
      for (const alt of e.classification.alternatives) {
        if (!table.categories[alt.category]) continue;
        const l = line({ description, lineId: String(i) });
        const forced = estimateLine(l, {
          ...context,
          reviews: { byLine: new Map([[invoiceLineId(l), alt.category]]), byText: new Map() },
        });
        expect(forced.kgCo2e!).toBeGreaterThanOrEqual(e.range![0] - 1e-9);
        expect(forced.kgCo2e!).toBeLessThanOrEqual(e.range![1] + 1e-9);
      }
      expect(e.range![0]).toBeLessThanOrEqual(e.kgCo2e!);
      expect(e.range![1]).toBeGreaterThanOrEqual(e.kgCo2e!);
      expect(e.kgAtStake).toBeCloseTo(e.range![1] - e.range![0], 9);
    }
  });

  it('a reviewer correction wins over the UNSPSC code and the classifier, for the line and its recurrences', () => {
    const l = line({ unspsc: '15101505', description: 'Dæk' });
    const reviews = {
      byLine: new Map([[invoiceLineId(l), 'vehicle_service']]),
      byText: new Map<string, string>(),
    };
    const e = estimateLine(l, { ...context, reviews });
    expect(e).toMatchObject({ category: 'vehicle_service', classification: { by: 'review', confidence: 1 } });

    const october = line({ description: 'Frokostordning oktober 2025, 230 kuverter', lineId: '7' });
    const byText = new Map([[recurringLineKey(october.supplier.name, october.description), 'food_catering']]);
    const november = line({ description: 'Frokostordning november 2025, 214 kuverter', documentId: 'D2' });
    expect(estimateLine(november, { ...context, reviews: { byLine: new Map(), byText } })).toMatchObject({
      category: 'food_catering',
      classification: { by: 'review-recurring', confidence: 1 },
    });
    const otherSupplier = { ...november, supplier: { name: 'Andet Køkken ApS', id: 'DK9' } };
    expect(
      estimateLine(otherSupplier, { ...context, reviews: { byLine: new Map(), byText } }).classification.by,
    ).not.toMatch(/^review/);
  });

  it('a reviewer can mark a line non-emitting: 0 kg, listed apart, and it stays so for the recurring line', () => {
    const l = line({ description: 'Kontingent 2025', lineId: '9' });
    const reviews = {
      byLine: new Map([[invoiceLineId(l), 'non_emitting']]),
      byText: new Map([[recurringLineKey(l.supplier.name, l.description), 'non_emitting']]),
    };
    const e = estimateLine(l, { ...context, reviews });
    expect(e).toMatchObject({ category: 'non_emitting', method: 'excluded', kgCo2e: 0, review: false });
    expect(e.excluded?.kind).toBe('reviewed');
    const next = estimateLine(line({ description: 'Kontingent 2026', documentId: 'D7' }), {
      ...context,
      reviews,
    });
    expect(next).toMatchObject({ category: 'non_emitting', classification: { by: 'review-recurring' } });
    expect(estimateTotals([e, next]).nonEmitting).toMatchObject({
      lines: 2,
      byKind: { reviewed: { lines: 2 } },
    });
  });

  it('reproduces the account for the same inputs and updates only what a new factor table version changes', () => {
    const files = ['peppol-bis3-invoice.xml', 'oioubl-21-invoice.xml', 'export.csv'].map(fixture);
    const first = estimateInvoiceFiles(files, context);
    expect(estimateInvoiceFiles(files, context)).toEqual(first);
    expect(first.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^export\.csv:5: date/)]);
    const next = validateFactorTable(
      {
        ...structuredClone(table),
        version: '2027.1',
        activity: { ...table.activity, electricity: { ...table.activity.electricity!, perKwh: 0.06 } },
      },
      'next.json',
    );
    const second = estimateInvoiceFiles(files, { ...context, table: next });
    second.lines.forEach((l, i) => {
      const before = first.lines[i]!;
      expect(l.factor.tableVersion).toBe('2027.1');
      if (l.factor.key === 'electricity') expect(l.kgCo2e).toBeCloseTo(before.kgCo2e! / 2, 9);
      else expect(l.kgCo2e).toBe(before.kgCo2e);
    });
  });

  it('totals add up by every grouping, and the monthly points carry them to the store', () => {
    const doc = estimateInvoiceFiles(['peppol-bis3-invoice.xml', 'export.csv'].map(fixture), context);
    const t = doc.totals;
    const sum = (g: Record<string, { kgCo2e: number }>) => Object.values(g).reduce((s, x) => s + x.kgCo2e, 0);
    for (const group of [t.byScope, t.byCategory, t.bySupplier, t.byMonth, t.byMethod])
      expect(sum(group)).toBeCloseTo(t.kgCo2e, 6);
    expect(t.kgCo2e).toBeCloseTo(
      doc.lines.reduce((s, l) => s + (l.kgCo2e ?? 0), 0),
      6,
    );
    const { points, keys } = monthlyPoints('demo', doc.lines);
    expect(points.reduce((s, p) => s + (p.fields.kg_co2e as number), 0)).toBeCloseTo(t.kgCo2e, 6);
    expect(points.every((p) => new Date(p.timeMs).getUTCDate() === 1)).toBe(true);
    // A cell that empties is written as zero once, then forgotten.
    const again = monthlyPoints('demo', doc.lines.slice(0, 1), keys);
    expect(again.points.length).toBe(points.length);
    expect(again.points.filter((p) => p.fields.kg_co2e === 0).length).toBe(points.length - 1);
    expect(again.keys.size).toBe(1);
  });
});
