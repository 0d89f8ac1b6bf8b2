import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../api/index.js';
import { createMemoryLogger } from '../../core/index.js';
import {
  CORPUS_CATEGORIES,
  CORPUS_VERSION,
  ClassifierStore,
  DEFAULT_FACTOR_TABLE,
  INVOICE_MIGRATIONS,
  InvoiceAccounts,
  CO2_MEASUREMENT,
  buildCorpus,
  trainClassifier,
  type ClassifierArtifacts,
  type InvoiceAccountsOptions,
} from '../../models/index.js';
import { ACCESS_MIGRATIONS, AUDIT_MIGRATIONS, ApiKeyStore, RecordAuditLog } from '../../access/index.js';
import { PgliteRecordStore, migrate } from '../../store/index.js';
import { openTempDuckDb, type TempDuckDb } from '../harness/temp-duckdb.js';
import { waitFor } from '../harness/wait-for.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/invoices/${name}`, import.meta.url), 'utf8');

/**
 * A small network trains in a few seconds even on a busy 2-core machine (the default takes about 35 s there) and
 * still learns what these tests check: the corpus takes winter tyres for a vehicle, a reviewed line teaches it
 * vehicle parts and service.
 */
const FAST_TRAINING = { epochs: 3, hidden: 16 };

interface Line {
  id: string;
  version: number;
  description: string;
  category: string;
  review: boolean;
  kgCo2e: number;
  month: string;
  basis: unknown;
  kgAtStake: number;
  classification: { by: string; confidence: number; model: string | null };
}

type Body = Record<string, unknown> & { error?: { code: string; message: string; field?: string } };

describe('invoice CO2 API over HTTP, with the ledger in PGlite, a real DuckDB file and training in a worker thread', () => {
  let db: TempDuckDb;
  let records: PgliteRecordStore;
  let keys: ApiKeyStore;
  /** A climate officer's key that covers every tenant the tests make up: a platform-admin's. */
  let admin: string;
  let classifierDir: string;
  /** Trained once for the suite and given to each test's tenant, so only the tests about training train. */
  let trained: ClassifierArtifacts;
  const started: { api: ApiServer; accounts: InvoiceAccounts }[] = [];

  const accountsFor = (over: Partial<InvoiceAccountsOptions> = {}) =>
    new InvoiceAccounts({
      records,
      classifiers: new ClassifierStore(classifierDir),
      table: DEFAULT_FACTOR_TABLE,
      store: db.store,
      logger: createMemoryLogger().logger,
      train: FAST_TRAINING,
      ...over,
    });

  /** One API process over the shared records store; a second one stands for another replica. */
  async function startApi(): Promise<{ accounts: InvoiceAccounts; call: Call }> {
    const accounts = accountsFor();
    const api = new ApiServer({
      store: db.store,
      deadLetters: db.deadLetters,
      logger: createMemoryLogger().logger,
      defaultTenant: 'demo',
      port: 0,
      invoiceAccounts: accounts,
      keys,
      audit: new RecordAuditLog(records),
    });
    const base = await api.start();
    started.push({ api, accounts });
    const call: Call = async (method, path, body, headers = {}) => {
      const type = headers['content-type'] ?? 'application/json';
      const res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body === undefined ? {} : { 'content-type': type }),
          ...headers,
        },
        ...(body === undefined ? {} : { body }),
      });
      return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as Body };
    };
    return { accounts, call };
  }

  type Call = (
    method: string,
    path: string,
    body?: string,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; etag: string | null; body: Body }>;

  /** A tenant of its own for one test, with the suite's classifier already current. */
  const tenantWithClassifier = (tenant: string) => {
    new ClassifierStore(classifierDir).save(tenant, trained);
    return tenant;
  };

  const csv = (rows: string) =>
    `supplier,supplier_id,date,description,quantity,unit,amount,currency\n${rows}\n`;

  let app: { accounts: InvoiceAccounts; call: Call };

  beforeAll(async () => {
    db = await openTempDuckDb();
    classifierDir = join(db.dir, 'models', 'co2');
    records = await PgliteRecordStore.open('memory://');
    await migrate(records, [INVOICE_MIGRATIONS, ACCESS_MIGRATIONS, AUDIT_MIGRATIONS]);
    keys = new ApiKeyStore(records);
    admin = (await keys.create({ roles: ['platform-admin'], tenant: undefined, createdBy: 'test' })).secret;
    const { train, test } = buildCorpus();
    trained = await trainClassifier(
      train,
      CORPUS_CATEGORIES,
      { corpusVersion: CORPUS_VERSION, corrections: 0 },
      test,
      FAST_TRAINING,
    );
    app = await startApi();
  }, 120_000);

  afterAll(async () => {
    for (const { accounts, api } of started) {
      await accounts.stop();
      await api.stop();
    }
    await keys?.settle();
    await records?.close();
    await db?.close();
    db?.remove();
  });

  it('uploads a raw UBL invoice and a JSON batch with a bad file; answers estimates and names the bad file', async () => {
    const tenant = tenantWithClassifier('upload');
    const { call } = app;
    const uploadXml = (filename: string, name: string) =>
      call('POST', `/api/v1/invoices?tenant=${tenant}&filename=${filename}`, fixture(name), {
        'content-type': 'application/xml',
      });
    const raw = await uploadXml('peppol.xml', 'peppol-bis3-invoice.xml');
    expect(raw.status).toBe(201);
    expect(raw.body).toMatchObject({ added: 3, replaced: 0, errors: [] });
    expect((raw.body.lines as Line[]).every((l) => l.version === 1)).toBe(true);
    const batch = await call(
      'POST',
      `/api/v1/invoices?tenant=${tenant}`,
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
    const empty = await call('POST', `/api/v1/invoices?tenant=${tenant}`, JSON.stringify({ files: [] }));
    expect(empty).toMatchObject({ status: 400, body: { error: { field: 'files' } } });
  });

  it("accepts a JSON batch larger than other routes' 1 MB and keeps it apart from other tenants", async () => {
    const tenant = tenantWithClassifier('large');
    const { call } = app;
    const rows = Array.from(
      { length: 12_000 },
      (_, i) => `Kontorhuset ApS,DK11223344,2026-01-20,Printerpapir A4 parti ${i},40,EA,1890.50,DKK,14111500`,
    );
    const large = await call(
      'POST',
      `/api/v1/invoices?tenant=${tenant}`,
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
    const listed = await call('GET', `/api/v1/invoices/lines?tenant=${tenant}&limit=1`);
    expect(listed.body.total).toBe(12_000);
    expect((await call('GET', `/api/v1/invoices/lines?tenant=${tenant}-other`)).body.total).toBe(0);
  }, 120_000);

  it('reads an empty account without training a classifier or creating anything for the tenant', async () => {
    const { call } = app;
    expect((await call('GET', '/api/v1/invoices/lines?tenant=nobody')).body).toMatchObject({
      total: 0,
      lines: [],
    });
    expect((await call('GET', '/api/v1/invoices/totals?tenant=nobody')).body).toMatchObject({
      classifier: { version: null },
      totals: { lines: 0, kgCo2e: 0 },
    });
    expect((await call('GET', '/api/v1/invoices/classifier?tenant=nobody')).body).toMatchObject({
      model: null,
      current: null,
      corrections: 0,
      training: { queued: false, running: false },
    });
    expect(existsSync(join(classifierDir, 'nobody'))).toBe(false);
    expect(await app.accounts.ledger('nobody').revision()).toBe(0);
  });

  it('lists lines with filters, refuses bad filters naming the field, and totals by scope, category, supplier and month', async () => {
    const tenant = tenantWithClassifier('filters');
    const { call } = app;
    await call(
      'POST',
      `/api/v1/invoices?tenant=${tenant}`,
      JSON.stringify({
        files: ['peppol-bis3-invoice.xml', 'export.csv', 'oioubl-21-creditnote.xml'].map((name) => ({
          name,
          text: fixture(name),
        })),
      }),
    );
    const all = await call('GET', `/api/v1/invoices/lines?tenant=${tenant}`);
    expect(all.body.total).toBe(7);
    const electricity = await call('GET', `/api/v1/invoices/lines?tenant=${tenant}&category=electricity`);
    expect((electricity.body.lines as Line[]).length).toBeGreaterThan(0);
    expect((electricity.body.lines as Line[]).every((l) => l.category === 'electricity')).toBe(true);
    expect(
      (await call('GET', `/api/v1/invoices/lines?tenant=${tenant}&category=gold`)).body.error?.field,
    ).toBe('category');
    expect(
      (await call('GET', `/api/v1/invoices/lines?tenant=${tenant}&from=2026-13`)).body.error?.field,
    ).toBe('from');
    const totals = await call('GET', `/api/v1/invoices/totals?tenant=${tenant}`);
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
    // The review queue comes most kg CO2e at stake first; order=date keeps the oldest-first listing.
    await call(
      'POST',
      `/api/v1/invoices?tenant=${tenant}&filename=placeholders.csv`,
      csv(
        'Grossisten A/S,DK555,2026-03-03,Produkt 1,1,EA,400,DKK\nGrossisten A/S,DK555,2026-03-03,Vare 7,1,EA,90000,DKK',
      ),
      { 'content-type': 'text/csv' },
    );
    const queue = (await call('GET', `/api/v1/invoices/lines?tenant=${tenant}&review=true`)).body
      .lines as Line[];
    expect(queue.length).toBeGreaterThan(1);
    expect(queue.every((l) => l.review)).toBe(true);
    for (let i = 1; i < queue.length; i++)
      expect(queue[i - 1]!.kgAtStake).toBeGreaterThanOrEqual(queue[i]!.kgAtStake);
    expect(
      (await call('GET', `/api/v1/invoices/lines?tenant=${tenant}&review=true&order=size`)).body.error?.field,
    ).toBe('order');
  });

  it('writes the monthly account to the store as a series for dashboards', async () => {
    const tenant = tenantWithClassifier('monthly');
    const { call } = app;
    await call(
      'POST',
      `/api/v1/invoices?tenant=${tenant}`,
      JSON.stringify({
        files: ['peppol-bis3-invoice.xml', 'export.csv'].map((name) => ({ name, text: fixture(name) })),
      }),
    );
    const categories = await db.store.listDevices(CO2_MEASUREMENT, tenant);
    expect(categories.map((c) => c.device)).toContain('electricity');
    let stored = 0;
    for (const { device } of categories) {
      const rows = await db.store.querySeries({
        measurement: CO2_MEASUREMENT,
        tenant,
        field: 'kg_co2e',
        tags: { device },
        fromMs: Date.UTC(2026, 0, 1),
        toMs: Date.UTC(2026, 3, 1),
      });
      stored += rows.reduce((s, r) => s + Number(r.value), 0);
    }
    const totals = (await call('GET', `/api/v1/invoices/totals?tenant=${tenant}`)).body.totals as {
      kgCo2e: number;
    };
    expect(stored).toBeCloseTo(totals.kgCo2e, 3);
  });

  it('sends the line version as ETag, applies a PATCH whose If-Match is current, and refuses a stale one with 412 on either replica', async () => {
    const tenant = tenantWithClassifier('etag');
    const a = app.call;
    const b = (await startApi()).call;
    const upload = await a(
      'POST',
      `/api/v1/invoices?tenant=${tenant}&filename=chairs.csv`,
      csv('Kontorhuset ApS,DK11223344,2026-03-12,Kontorstole,4,EA,12000,DKK'),
      { 'content-type': 'text/csv' },
    );
    const id = (upload.body.lines as Line[])[0]!.id;
    const path = `/api/v1/invoices/lines/${id}?tenant=${tenant}`;
    const readByB = await b('GET', path);
    expect(readByB).toMatchObject({ status: 200, etag: '"1"', body: { version: 1 } });

    const byA = await a('PATCH', path, JSON.stringify({ category: 'furniture' }), {
      'if-match': '"1"',
    });
    expect(byA).toMatchObject({ status: 200, etag: '"2"', body: { version: 2, category: 'furniture' } });

    // B still holds version 1: its write is refused, naming the version it would have overwritten.
    const stale = await b('PATCH', path, JSON.stringify({ category: 'cleaning' }), {
      'if-match': readByB.etag!,
    });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(stale.body.error?.message).toMatch(/version "2"/);
    // A weak tag never matches (RFC 9110 strong comparison), and a malformed header is a bad request.
    expect(
      (await b('PATCH', path, JSON.stringify({ category: 'cleaning' }), { 'if-match': 'W/"2"' })).status,
    ).toBe(412);
    expect(
      (await b('PATCH', path, JSON.stringify({ category: 'cleaning' }), { 'if-match': '2' })).body.error
        ?.field,
    ).toBe('If-Match');

    // B's cached estimates are keyed by the ledger revision in the records store, so it sees A's correction.
    const reread = await b('GET', path);
    expect(reread).toMatchObject({
      etag: '"2"',
      body: { category: 'furniture', classification: { by: 'review' } },
    });
    const listed = (await b('GET', `/api/v1/invoices/lines?tenant=${tenant}`)).body.lines as Line[];
    expect(listed[0]).toMatchObject({ version: 2, category: 'furniture' });

    const matching = await b('PATCH', path, JSON.stringify({ category: 'cleaning' }), {
      'if-match': reread.etag!,
    });
    expect(matching).toMatchObject({ status: 200, etag: '"3"', body: { category: 'cleaning' } });
    const unconditional = await a('PATCH', path, JSON.stringify({ category: 'office_supplies' }));
    expect(unconditional).toMatchObject({ status: 200, etag: '"4"', body: { version: 4 } });
    const any = await a('PATCH', path, JSON.stringify({ category: 'furniture' }), { 'if-match': '*' });
    expect(any).toMatchObject({ status: 200, etag: '"5"' });
    expect((await a('GET', `/api/v1/invoices/classifier?tenant=${tenant}`)).body.corrections).toBe(1);
    expect(
      (
        await a(
          'PATCH',
          `/api/v1/invoices/lines/nope?tenant=${tenant}`,
          JSON.stringify({ category: 'furniture' }),
        )
      ).status,
    ).toBe(404);
  });

  it('stores a correction, re-estimates the line, and uses it in the next training, which runs off the event loop', async () => {
    const tenant = tenantWithClassifier('training');
    const { call } = app;
    const tyres = (date: string, description: string) =>
      call(
        'POST',
        `/api/v1/invoices?tenant=${tenant}&filename=tyres-${date}.csv`,
        csv(`Hjulmageren ApS,DK777,${date},${description},4,EA,9000,DKK`),
        { 'content-type': 'text/csv' },
      );
    const line = ((await tyres('2026-03-02', 'Nye vinterhjul skraldebil')).body.lines as Line[])[0]!;
    // The corpus alone takes winter tyres for a vehicle purchase; the reviewer says vehicle parts and service.
    expect(line.classification.by).toBe('classifier');
    expect(line.category).not.toBe('vehicle_service');
    const path = `/api/v1/invoices/lines/${line.id}?tenant=${tenant}`;
    expect((await call('PATCH', path, JSON.stringify({ category: 'gold' }))).body.error?.field).toBe(
      'category',
    );
    const corrected = await call('PATCH', path, JSON.stringify({ category: 'vehicle_service' }));
    expect(corrected.body).toMatchObject({ category: 'vehicle_service', classification: { by: 'review' } });

    const before = (await call('GET', `/api/v1/invoices/classifier?tenant=${tenant}`)).body as {
      current: { version: string };
    };
    expect(before).toMatchObject({ model: 'tenant' });
    expect((await call('POST', `/api/v1/invoices/classifier/train?tenant=${tenant}`)).status).toBe(202);
    expect((await call('POST', `/api/v1/invoices/classifier/train?tenant=${tenant}`)).status).toBe(409);
    // The API keeps answering while the worker trains: the state is read again at every finished epoch.
    const answeredWhileTraining = await waitForTraining(call, tenant);
    expect(answeredWhileTraining).toBeGreaterThanOrEqual(2);
    const after = (await call('GET', `/api/v1/invoices/classifier?tenant=${tenant}`)).body as {
      current: { version: string; training: { corrections: number } };
      training: { epochs: number; error: string | undefined };
      corrections: number;
    };
    expect(after.training).toMatchObject({ epochs: FAST_TRAINING.epochs });
    expect(after.training.error).toBeUndefined();
    expect(after.current.version).not.toBe(before.current.version);
    expect(after.current.training.corrections).toBe(1);
    // Next month's invoice with the same wording takes the reviewed category at once (a recurring line) …
    expect(((await tyres('2026-04-02', 'Nye vinterhjul skraldebil')).body.lines as Line[])[0]).toMatchObject({
      category: 'vehicle_service',
      classification: { by: 'review-recurring' },
    });
    // … and other wording is classified as the reviewer said by the retrained model.
    expect(
      ((await tyres('2026-05-04', 'Nye vinterhjul til skraldebilen')).body.lines as Line[])[0],
    ).toMatchObject({
      category: 'vehicle_service',
      classification: { by: 'classifier', model: after.current.version },
    });
  }, 300_000);

  it('after a restart, a correction that empties a month × category cell zeroes it in the store', async () => {
    const tenant = tenantWithClassifier('restart');
    const first = accountsFor();
    const [line] = (
      await first.upload(tenant, [
        {
          name: 'tyres.csv',
          text: csv('Hjulmageren ApS,DK777,2026-03-02,Nye vinterhjul skraldebil,4,EA,9000,DKK'),
        },
      ])
    ).lines;
    await first.correct(tenant, line!.id, 'vehicle_service', 'anna');
    const cell = async (category: string) =>
      (
        await db.store.querySeries({
          measurement: CO2_MEASUREMENT,
          tenant,
          field: 'kg_co2e',
          tags: { device: category, scope: '3' },
          fromMs: Date.UTC(2026, 2, 1),
          toMs: Date.UTC(2026, 2, 2),
        })
      )[0]?.value;
    expect(await cell('vehicle_service')).toBeGreaterThan(0);

    const restarted = accountsFor();
    const reread = (await restarted.estimates(tenant)).find((l) => l.id === line!.id);
    expect(reread).toMatchObject({
      category: 'vehicle_service',
      version: 2,
      classification: { by: 'review' },
    });
    await restarted.correct(tenant, line!.id, 'clothing', 'bo');
    expect(await cell('vehicle_service')).toBe(0);
    const spend = (reread!.basis as { priceYearDkk: number }).priceYearDkk;
    expect(await cell('clothing')).toBeCloseTo(spend * DEFAULT_FACTOR_TABLE.categories.clothing!.kgPerDkk, 6);
  });

  it('stops a running training at shutdown without saving half a model', async () => {
    const tenant = tenantWithClassifier('stopping');
    const classifiers = new ClassifierStore(classifierDir);
    const versions = classifiers.versions(tenant).length;
    const epochs = 200;
    const stopping = accountsFor({ classifiers, train: { ...FAST_TRAINING, epochs } });
    const t0 = Date.now();
    expect(stopping.startTraining(tenant)).toBe(true);
    // Stop while the worker is demonstrably training: after its first epoch, long before its last.
    await waitFor(
      'the first epoch',
      async () => (stopping.trainingState(tenant).epochs >= 1 ? true : undefined),
      120_000,
      20,
    );
    const epochMs = Date.now() - t0;
    const stoppedAt = Date.now();
    await stopping.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(Math.max(5000, 3 * epochMs));
    const state = stopping.trainingState(tenant);
    expect(state).toMatchObject({ running: false, error: expect.stringMatching(/stopping/) });
    expect(state.epochs).toBeLessThan(epochs);
    expect(classifiers.versions(tenant).length).toBe(versions);
  }, 180_000);
});

/**
 * Waits for the tenant's training to finish for as long as it makes progress: it fails only when no epoch has
 * finished for a minute, so a slow, busy machine is not mistaken for a hung training. Answers how many times the
 * API answered with a new epoch while the training ran.
 */
async function waitForTraining(
  call: (method: string, path: string) => Promise<{ body: Record<string, unknown> }>,
  tenant: string,
): Promise<number> {
  let seen = -1;
  let answers = 0;
  for (;;) {
    const epochs = await waitFor(
      'the retraining to finish another epoch',
      async () => {
        const training = (await call('GET', `/api/v1/invoices/classifier?tenant=${tenant}`)).body
          .training as {
          queued: boolean;
          running: boolean;
          epochs: number;
        };
        if (!training.running && !training.queued) return Infinity;
        return training.epochs > seen ? training.epochs : undefined;
      },
      60_000,
      50,
    );
    if (epochs === Infinity) return answers;
    seen = epochs;
    answers++;
  }
}
