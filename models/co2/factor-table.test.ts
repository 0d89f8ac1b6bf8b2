import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FACTOR_TABLE as table,
  activityEmission,
  categoryForUnspsc,
  spendInPriceYear,
  validateFactorTable,
} from './factor-table.js';
import { CORPUS_CATEGORIES } from './corpus.js';
import { loadFactorTable } from './use-cases.js';

describe('factor table', () => {
  it('ships a valid table: every category priced, every classifier category present, every source named', () => {
    expect(Object.keys(table.categories).sort()).toEqual(CORPUS_CATEGORIES);
    for (const f of Object.values(table.activity)) {
      expect(f.source.length).toBeGreaterThan(10);
      expect(['source-checked', 'illustrative', 'approximate']).toContain(f.status);
    }
    expect(table.spend.status).toBe('illustrative');
  });

  it('refuses a bad table naming the key', () => {
    const bad = structuredClone(table) as unknown as Record<string, Record<string, Record<string, unknown>>>;
    (bad.categories as Record<string, Record<string, unknown>>).diesel!.kgPerDkk = -1;
    expect(() => validateFactorTable(bad, 'mine.json')).toThrow(/mine\.json: \/categories\/diesel\/kgPerDkk/);
    const dangling = structuredClone(table);
    dangling.categories.diesel!.activity = 'biodiesel';
    expect(() => validateFactorTable(dangling, 'mine.json')).toThrow(
      /categories\/diesel\/activity: no activity factor "biodiesel"/,
    );
    const range = structuredClone(table);
    range.spend.range = [1.2, 2];
    expect(() => validateFactorTable(range, 'mine.json')).toThrow(
      /\/spend\/range: \[1.2, 2\] must bracket 1/,
    );
  });

  it('maps UNSPSC codes by the longest prefix', () => {
    expect(categoryForUnspsc(table, '15101505')).toBe('diesel');
    expect(categoryForUnspsc(table, '78181500')).toBe('vehicle_service'); // family 7818 beats segment 78
    expect(categoryForUnspsc(table, '78101800')).toBe('transport_services');
    expect(categoryForUnspsc(table, '99999999')).toBeUndefined();
  });

  it('converts Rec 20 units to the factor basis', () => {
    const el = table.activity.electricity!;
    expect(activityEmission(el, 2, 'MWH')?.kg).toBeCloseTo(2000 * el.perKwh!, 9);
    expect(activityEmission(el, 3.6, 'GV')?.quantity).toBeCloseTo(1000, 2); // 3.6 GJ = 1 MWh
    const diesel = table.activity.diesel!;
    expect(activityEmission(diesel, 1.5, 'MTQ')).toMatchObject({ quantity: 1500, unit: 'L' });
    const gas = table.activity.natural_gas!;
    expect(activityEmission(gas, 100, 'MTQ')?.kg).toBeCloseTo(100 * gas.perM3!, 9);
    expect(activityEmission(gas, 1000, 'KWH')?.kg).toBeCloseTo(1000 * gas.perKwh!, 9);
    expect(activityEmission(diesel, 10, 'KWH')).toBeUndefined();
    expect(activityEmission(diesel, 10, 'EA')).toBeUndefined();
  });

  it('turns spend into DKK of the price year: exchange rate of the invoice year, then the price index', () => {
    const index = table.priceIndex.values;
    const dkk = spendInPriceYear(table, 1000, 'DKK', 2023);
    expect(dkk?.priceYearDkk).toBeCloseTo((1000 * index[String(table.priceYear)]!) / index['2023']!, 9);
    const eur = spendInPriceYear(table, 100, 'EUR', 2023);
    expect(eur?.dkk).toBeCloseTo(100 * 7.4604, 9); // nearest year's rate
    expect(spendInPriceYear(table, 100, 'XYZ', 2023)).toBeUndefined();
    // A year after the last index uses the last one rather than guessing inflation.
    const last = Math.max(...Object.keys(index).map(Number));
    expect(spendInPriceYear(table, 100, 'DKK', last + 3)?.deflator).toBeCloseTo(
      index[String(table.priceYear)]! / index[String(last)]!,
      12,
    );
  });

  it('loads a custom table only when it prices every category the classifier can answer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-factors-'));
    try {
      expect(loadFactorTable(undefined)).toBe(table);
      const partial = structuredClone(table);
      delete partial.categories.travel;
      delete partial.categories.waste;
      const file = join(dir, 'partial.json');
      writeFileSync(file, JSON.stringify(partial));
      expect(() => loadFactorTable(file)).toThrow(
        /partial\.json: categories missing from the factor table: travel, waste/,
      );
      writeFileSync(file, JSON.stringify({ ...table, version: '2027.1' }));
      expect(loadFactorTable(file).version).toBe('2027.1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
