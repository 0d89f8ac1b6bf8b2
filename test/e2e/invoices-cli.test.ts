import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { EstimateDocument } from '../../models/index.js';
import { runCli } from '../harness/cli-process.js';

const fixtures = [
  'peppol-bis3-invoice.xml',
  'oioubl-21-invoice.xml',
  'oioubl-21-creditnote.xml',
  'broken.xml',
  'order.xml',
  'export.csv',
].map((f) => `test/fixtures/invoices/${f}`);

/**
 * Runs the CLI and keeps its stdout apart from stderr, so a JSON document can be parsed. The classifier trains
 * for 2 epochs instead of 10: these tests are about the command, and a full training takes 35 s on a busy 2-core
 * machine.
 */
async function run(args: string[]): Promise<{ code: number | null; stdout: string; all: string }> {
  const cli = runCli(args, { GREENOPS_CO2_TRAIN_EPOCHS: '2' });
  let stdout = '';
  cli.child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await cli.exited;
  return { code, stdout, all: cli.output() };
}

describe('greenops invoices estimate (real CLI process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-invoices-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON document for good files, names each bad file and line, exits 1, and repeats itself exactly', async () => {
    // A data folder of its own: it checks that the first run trains, whatever the other tests trained before.
    const own = mkdtempSync(join(tmpdir(), 'greenops-invoices-first-'));
    onTestFinished(() => rmSync(own, { recursive: true, force: true }));
    const first = await run(['invoices', 'estimate', '--json', '--data-dir', own, ...fixtures]);
    expect(first.code).toBe(1);
    const doc = JSON.parse(first.stdout) as EstimateDocument;
    expect(doc.errors.map((e) => [e.file.split('/').pop(), e.line])).toEqual([
      ['broken.xml', 5],
      ['order.xml', 1],
      ['export.csv', 5],
    ]);
    expect(first.all).toMatch(
      /error: test\/fixtures\/invoices\/order\.xml:1: not a UBL Invoice or CreditNote/,
    );
    expect(doc.lines.length).toBe(8);
    expect(doc.files.find((f) => f.file.endsWith('export.csv'))).toMatchObject({ lines: 3, errors: 1 });
    for (const l of doc.lines) {
      expect(l.factor.tableVersion).toBe(doc.factorTable.version);
      expect([1, 2, 3]).toContain(l.scope);
    }
    expect(doc.lines.find((l) => l.unitCode === 'LTR')).toMatchObject({
      category: 'diesel',
      method: 'activity',
      scope: 1,
    });
    expect(doc.totals.byScope['1']!.kgCo2e).toBeGreaterThan(0);
    expect(first.all).toMatch(/training the invoice classifier: epoch 1/);

    // The classifier trained on first use is kept: the next run does not train and prints the same document.
    const second = await run(['invoices', 'estimate', '--json', '--data-dir', own, ...fixtures]);
    expect(second.all).not.toMatch(/training the invoice classifier/);
    expect(second.stdout).toBe(first.stdout);
  }, 90_000);

  it('prints a readable account with totals by scope, category, supplier and month', async () => {
    const text = await run(['invoices', 'estimate', '--data-dir', dir, fixtures[0] as string]);
    expect(text.code).toBe(0);
    for (const heading of ['by scope', 'by category', 'by supplier', 'by month'])
      expect(text.stdout).toContain(heading);
    expect(text.stdout).toMatch(/peppol-bis3-invoice\.xml:48 .*diesel/);
  }, 60_000);

  it('refuses a bad factor table naming the file and key', async () => {
    const bad = join(dir, 'factors.json');
    const table = JSON.parse(readFileSync('models/co2/reference/factors-2026.1.json', 'utf8')) as {
      categories: Record<string, Record<string, unknown>>;
    };
    table.categories.diesel!.kgPerDkk = 'a lot';
    writeFileSync(bad, JSON.stringify(table));
    const result = await run([
      'invoices',
      'estimate',
      '--factors',
      bad,
      '--data-dir',
      dir,
      fixtures[0] as string,
    ]);
    expect(result.code).toBe(2);
    expect(result.all).toMatch(
      new RegExp(
        `${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: /categories/diesel/kgPerDkk: Expected number`,
      ),
    );
  }, 60_000);

  it('retrains on request and reports held-out accuracy, recall and confusions; --json prints the manifest', async () => {
    const text = await run(['invoices', 'train', '--epochs', '2', '--data-dir', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/classifier [0-9a-f]{12} for demo: \d+ examples \(0 reviewed lines\)/);
    expect(text.stdout).toMatch(/held-out accuracy \d+\.\d % on \d+ lines/);
    expect(text.stdout).toMatch(/^electricity\s+\d+ %\s+\d+ %/m);
    const json = await run(['invoices', 'train', '--epochs', '2', '--json', '--data-dir', dir]);
    const manifest = JSON.parse(json.stdout) as {
      epochs: number;
      evaluation: { confusion: Record<string, unknown> };
    };
    expect(manifest.epochs).toBe(2);
    expect(Object.keys(manifest.evaluation.confusion).length).toBe(24);
    expect((await run(['invoices', 'train', '--epochs', '0', '--data-dir', dir])).all).toMatch(
      /--epochs: must be a positive/,
    );
  }, 90_000);

  it('trains on the reviewed lines of the records store, importing an old JSONL ledger once and keeping it as a backup', async () => {
    const own = mkdtempSync(join(tmpdir(), 'greenops-invoices-records-'));
    try {
      mkdirSync(join(own, 'co2', 'demo'), { recursive: true });
      const correction = {
        lineId: '0123456789abcdef',
        category: 'vehicle_service',
        description: 'Nye vinterhjul skraldebil',
        supplier: 'Hjulmageren ApS',
        unitCode: 'EA',
        previousCategory: 'vehicles',
        correctedBy: 'anna',
        correctedAt: '2026-03-03T09:00:00.000Z',
      };
      writeFileSync(join(own, 'co2', 'demo', 'corrections.jsonl'), `${JSON.stringify(correction)}\n`);
      const first = await run(['invoices', 'train', '--epochs', '1', '--data-dir', own]);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/for demo: \d+ examples \(1 reviewed lines\)/);
      expect(first.all).toMatch(/invoice ledger imported from JSONL/);
      expect(existsSync(join(own, 'co2', 'demo', 'corrections.jsonl.imported'))).toBe(true);
      expect(existsSync(join(own, 'co2', 'demo', 'corrections.jsonl'))).toBe(false);
      // The correction now lives in the records store alone.
      const second = await run(['invoices', 'train', '--epochs', '1', '--data-dir', own]);
      expect(second.stdout).toMatch(/\(1 reviewed lines\)/);
      expect(second.all).not.toMatch(/imported from JSONL/);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  }, 180_000);
});
