import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../api/index.js';
import { createMemoryLogger } from '../../core/index.js';
import {
  ClassifierStore,
  DEFAULT_FACTOR_TABLE,
  InvoiceAccounts,
  CO2_MEASUREMENT,
} from '../../models/index.js';
import { openTempDuckDb, type TempDuckDb } from '../harness/temp-duckdb.js';
import { waitFor } from '../harness/wait-for.js';
import { bearer, openTestAccess, type TestAccess } from '../harness/access.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/invoices/${name}`, import.meta.url), 'utf8');

interface Line {
  id: string;
  description: string;
  category: string;
  review: boolean;
  kgCo2e: number;
  month: string;
  classification: { by: string; confidence: number; model: string | null };
}

describe('invoice CO2 API over HTTP, with a real DuckDB file and training in a worker thread', () => {
  let db: TempDuckDb;
  let api: ApiServer;
  let accounts: InvoiceAccounts;
  let base: string;
  let access: TestAccess;
  let admin: string;
  const call = async (method: string, path: string, body?: string, type = 'application/json') => {
    const res = await fetch(base + path, {
      method,
      headers: { ...bearer(admin), ...(body === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body }),
    });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown> & { error?: { message: string; field?: string } },
    };
  };

  const uploadXml = (filename: string, name: string) =>
    call('POST', `/api/v1/invoices?filename=${filename}`, fixture(name), 'application/xml');

  beforeAll(async () => {
    db = await openTempDuckDb();
    access = await openTestAccess();
    admin = await access.key('platform-admin');
    accounts = new InvoiceAccounts({
      ledgerDir: join(db.dir, 'co2'),
      classifiers: new ClassifierStore(join(db.dir, 'models', 'co2')),
      table: DEFAULT_FACTOR_TABLE,
      store: db.store,
      logger: createMemoryLogger().logger,
      train: { epochs: 6 },
    });
    api = new ApiServer({
      store: db.store,
      deadLetters: db.deadLetters,
      logger: createMemoryLogger().logger,
      defaultTenant: 'demo',
      port: 0,
      invoiceAccounts: accounts,
      keys: access.keys,
      audit: access.audit,
    });
    base = await api.start();
  }, 60_000);

  afterAll(async () => {
    await accounts?.idle();
    await api?.stop();
    await access?.close();
    await db?.close();
    db?.remove();
  });

  it('uploads a raw UBL invoice and a JSON batch with a bad file; answers estimates and names the bad file', async () => {
    const raw = await uploadXml('peppol.xml', 'peppol-bis3-invoice.xml');
    expect(raw.status).toBe(201);
    expect(raw.body).toMatchObject({ added: 3, replaced: 0, errors: [] });
    const batch = await call(
      'POST',
      '/api/v1/invoices',
      JSON.stringify({
        files: [
          { name: 'export.csv', text: fixture('export.csv') },
          { name: 'broken.xml', text: fixture('broken.xml') },
          { name: 'credit.xml', text: fixture('oioubl-21-creditnote.xml') },
        ],
      }),
    );
    expect(batch.status).toBe(201);
    expect((batch.body.errors as { file: string; line: number }[]).map((e) => [e.file, e.line])).toEqual([
      ['export.csv', 5],
      ['broken.xml', 5],
    ]);
    expect((batch.body.lines as Line[]).length).toBe(4);
    const again = await uploadXml('peppol.xml', 'peppol-bis3-invoice.xml');
    expect(again.body).toMatchObject({ added: 0, replaced: 3 });
    const bad = await uploadXml('x.xml', 'order.xml');
    expect(bad.status).toBe(422);
    expect(bad.body.error?.message).toMatch(/x\.xml:1: not a UBL Invoice or CreditNote/);
    // A JSON batch may be larger than the 1 MB other routes accept; another tenant's lines stay its own.
    const rows = Array.from(
      { length: 12_000 },
      (_, i) => `Kontorhuset ApS,DK11223344,2026-01-20,Printerpapir A4 parti ${i},40,EA,1890.50,DKK,14111500`,
    );
    const large = await call(
      'POST',
      '/api/v1/invoices?tenant=odense',
      JSON.stringify({
        files: [
          {
            name: 'large.csv',
            text: `supplier,supplier_id,date,description,quantity,unit,amount,currency,unspsc\n${rows.join('\n')}\n`,
          },
        ],
      }),
    );
    expect(large.status).toBe(201);
    expect(large.body.added).toBe(12_000);
    expect(
      ((await call('GET', '/api/v1/invoices/lines?tenant=odense&limit=1')).body as { total: number }).total,
    ).toBe(12_000);
    const empty = await call('POST', '/api/v1/invoices', JSON.stringify({ files: [] }));
    expect(empty).toMatchObject({ status: 400, body: { error: { field: 'files' } } });
  });

  it('reads an empty account without training a classifier or creating anything for the tenant', async () => {
    const started = Date.now();
    expect((await call('GET', '/api/v1/invoices/lines?tenant=nobody')).body).toMatchObject({
      total: 0,
      lines: [],
    });
    expect((await call('GET', '/api/v1/invoices/totals?tenant=nobody')).body).toMatchObject({
      classifier: { version: null },
      totals: { lines: 0, kgCo2e: 0 },
    });
    expect((await call('GET', '/api/v1/invoices/classifier?tenant=nobody')).body).toMatchObject({
      current: null,
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(existsSync(join(db.dir, 'co2', 'nobody'))).toBe(false);
    expect(existsSync(join(db.dir, 'models', 'co2', 'nobody'))).toBe(false);
  });

  it('lists lines with filters, refuses bad filters naming the field, and totals by scope, category, supplier and month', async () => {
    const all = await call('GET', '/api/v1/invoices/lines');
    expect(all.body.total).toBe(7);
    const electricity = await call('GET', '/api/v1/invoices/lines?category=electricity');
    expect((electricity.body.lines as Line[]).every((l) => l.category === 'electricity')).toBe(true);
    expect((await call('GET', '/api/v1/invoices/lines?category=gold')).body.error?.field).toBe('category');
    expect((await call('GET', '/api/v1/invoices/lines?from=2026-13')).body.error?.field).toBe('from');
    const totals = await call('GET', '/api/v1/invoices/totals');
    const t = totals.body.totals as {
      kgCo2e: number;
      byMonth: Record<string, unknown>;
      byScope: Record<string, unknown>;
    };
    expect(Object.keys(t.byMonth)).toEqual(
      [...new Set((all.body.lines as Line[]).map((l) => l.month))].sort(),
    );
    expect(Object.keys(t.byMonth).length).toBeGreaterThan(1);
    expect(Object.keys(t.byScope).sort()).toEqual(['1', '2', '3']);
    const sum = (all.body.lines as Line[]).reduce((s, l) => s + l.kgCo2e, 0);
    expect(t.kgCo2e).toBeCloseTo(sum, 6);
  });

  it('writes the monthly account to the store as a series for dashboards', async () => {
    const categories = await db.store.listDevices(CO2_MEASUREMENT, 'demo');
    expect(categories.map((c) => c.device)).toContain('electricity');
    let stored = 0;
    for (const { device } of categories) {
      const rows = await db.store.querySeries({
        measurement: CO2_MEASUREMENT,
        tenant: 'demo',
        field: 'kg_co2e',
        tags: { device },
        fromMs: Date.UTC(2026, 0, 1),
        toMs: Date.UTC(2026, 3, 1),
      });
      stored += rows.reduce((s, r) => s + Number(r.value), 0);
    }
    const totals = (await call('GET', '/api/v1/invoices/totals')).body.totals as { kgCo2e: number };
    expect(stored).toBeCloseTo(totals.kgCo2e, 3);
  });

  it('stores a correction, re-estimates the line, and uses it in the next training, which runs off the event loop', async () => {
    const upload = await call(
      'POST',
      '/api/v1/invoices?filename=tyres.csv',
      'supplier,supplier_id,date,description,quantity,unit,amount,currency\nHjulmageren ApS,DK777,2026-03-02,Nye vinterhjul skraldebil,4,EA,9000,DKK\n',
      'text/csv',
    );
    const line = (upload.body.lines as Line[])[0]!;
    // The corpus alone takes winter tyres for a vehicle purchase; the reviewer says vehicle parts and service.
    expect(line.classification.by).toBe('classifier');
    expect(line.category).not.toBe('vehicle_service');
    expect(
      (await call('PATCH', `/api/v1/invoices/lines/${line.id}`, JSON.stringify({ category: 'gold' }))).body
        .error?.field,
    ).toBe('category');
    expect(
      (await call('PATCH', '/api/v1/invoices/lines/nope', JSON.stringify({ category: 'vehicle_service' })))
        .status,
    ).toBe(404);
    const corrected = await call(
      'PATCH',
      `/api/v1/invoices/lines/${line.id}`,
      JSON.stringify({ category: 'vehicle_service', correctedBy: 'anna' }),
    );
    expect(corrected.body).toMatchObject({ category: 'vehicle_service', classification: { by: 'review' } });

    const before = (await call('GET', '/api/v1/invoices/classifier')).body as {
      current: { version: string };
    };
    const started = await call('POST', '/api/v1/invoices/classifier/train');
    expect(started.status).toBe(202);
    expect((await call('POST', '/api/v1/invoices/classifier/train')).status).toBe(409);
    // The event loop keeps ticking while the worker trains.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const t0 = Date.now();
    await waitFor(
      'the retraining to finish',
      async () =>
        ((await call('GET', '/api/v1/invoices/classifier')).body.training as { running: boolean }).running
          ? undefined
          : true,
      60_000,
    );
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(((Date.now() - t0) / 20) * 0.5);
    const after = (await call('GET', '/api/v1/invoices/classifier')).body as {
      current: { version: string; training: { corrections: number } };
      corrections: number;
    };
    expect(after.current.version).not.toBe(before.current.version);
    expect(after.current.training.corrections).toBe(1);
    // Next month's invoice with the same wording takes the reviewed category at once (a recurring line) …
    const csv = (date: string, description: string) =>
      call(
        'POST',
        `/api/v1/invoices?filename=tyres-${date}.csv`,
        `supplier,supplier_id,date,description,quantity,unit,amount,currency\nHjulmageren ApS,DK777,${date},${description},4,EA,9100,DKK\n`,
        'text/csv',
      );
    const recurring = await csv('2026-04-02', 'Nye vinterhjul skraldebil');
    expect((recurring.body.lines as Line[])[0]).toMatchObject({
      category: 'vehicle_service',
      classification: { by: 'review-recurring' },
    });
    // … and other wording is classified as the reviewer said by the retrained model.
    const reworded = await csv('2026-05-04', 'Nye vinterhjul til skraldebilen');
    expect((reworded.body.lines as Line[])[0]).toMatchObject({
      category: 'vehicle_service',
      classification: { by: 'classifier', model: after.current.version },
    });
  }, 90_000);

  it('after a restart, a correction that empties a month × category cell zeroes it in the store', async () => {
    const restarted = new InvoiceAccounts({
      ledgerDir: join(db.dir, 'co2'),
      classifiers: new ClassifierStore(join(db.dir, 'models', 'co2')),
      table: DEFAULT_FACTOR_TABLE,
      store: db.store,
      logger: createMemoryLogger().logger,
    });
    const line = (await restarted.estimates('demo')).find(
      (l) => l.description === 'Nye vinterhjul skraldebil' && l.month === '2026-03',
    );
    expect(line).toMatchObject({ category: 'vehicle_service', classification: { by: 'review' } });
    const cell = async (category: string) =>
      (
        await db.store.querySeries({
          measurement: CO2_MEASUREMENT,
          tenant: 'demo',
          field: 'kg_co2e',
          tags: { device: category, scope: '3' },
          fromMs: Date.UTC(2026, 2, 1),
          toMs: Date.UTC(2026, 2, 2),
        })
      )[0]?.value;
    expect(await cell('vehicle_service')).toBeGreaterThan(0);
    await restarted.correct('demo', line!.id, 'clothing', 'bo');
    expect(await cell('vehicle_service')).toBe(0);
    const spend = (line!.basis as { priceYearDkk: number }).priceYearDkk;
    expect(await cell('clothing')).toBeCloseTo(spend * DEFAULT_FACTOR_TABLE.categories.clothing!.kgPerDkk, 6);
  });

  it('stops a running training at shutdown without saving half a model', async () => {
    const classifiers = new ClassifierStore(join(db.dir, 'models', 'co2'));
    const versions = classifiers.versions('demo').length;
    const stopping = new InvoiceAccounts({
      ledgerDir: join(db.dir, 'co2'),
      classifiers,
      table: DEFAULT_FACTOR_TABLE,
      store: db.store,
      logger: createMemoryLogger().logger,
      train: { epochs: 200 },
    });
    expect(stopping.startTraining('demo')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const started = Date.now();
    await stopping.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stopping.trainingState('demo')).toMatchObject({
      running: false,
      error: expect.stringMatching(/stopping/),
    });
    expect(classifiers.versions('demo').length).toBe(versions);
  });
});
