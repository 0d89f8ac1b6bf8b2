import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, retentionRules } from '../../core/index.js';
import {
  ClassifierStore,
  DEFAULT_FACTOR_TABLE,
  DEFAULT_POWER_MODEL,
  FOOTPRINT_MIGRATIONS,
  FileModelRegistry,
  FootprintLog,
  INVOICE_MIGRATIONS,
  InvoiceAccounts,
  MODEL_IDS,
  OVERSIGHT_MIGRATIONS,
  OversightLog,
  SUMMARY_MAX_CHARS,
  TransparencyService,
  cardProblems,
  type TransparencyCard,
} from '../../models/index.js';
import { DuckDbPersonalData, migrate } from '../../store/index.js';
import { startAccessApi, type AccessApi } from '../harness/access-api.js';
import { waitFor } from '../harness/wait-for.js';
import { launchChromium, wcagViolations } from '../harness/browser.js';
import { requireServer } from '../harness/debian-packages.js';

const invoice = readFileSync(
  new URL('../fixtures/invoices/peppol-bis3-invoice.xml', import.meta.url),
  'utf8',
);

describe('model cards, oversight, register exports and the citizen page through the real API', () => {
  let api: AccessApi;
  let dir: string;
  let footprint: FootprintLog;
  let accounts: InvoiceAccounts;
  const keys = { climate: '', roads: '', facility: '', viewer: '' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenops-transparency-'));
    api = await startAccessApi(async ({ access, db }) => {
      await migrate(access.records, [INVOICE_MIGRATIONS, OVERSIGHT_MIGRATIONS, FOOTPRINT_MIGRATIONS]);
      const logger = createMemoryLogger().logger;
      footprint = new FootprintLog({
        records: access.records,
        power: { ...DEFAULT_POWER_MODEL, cpuTdpWatts: 85 },
        gridKgPerKwh: 0.12,
        logger,
      });
      footprint.start();
      accounts = new InvoiceAccounts({
        records: access.records,
        classifiers: new ClassifierStore(join(dir, 'classifiers')),
        table: DEFAULT_FACTOR_TABLE,
        store: db.store,
        logger,
        train: { epochs: 2, hidden: 16 },
      });
      const oversight = new OversightLog(access.records);
      return {
        transparency: new TransparencyService({
          energyModels: new FileModelRegistry(join(dir, 'energy')),
          invoices: accounts,
          store: db.store,
          personal: new DuckDbPersonalData(db.db),
          oversight,
          footprint,
          grid: { kgPerKwh: 0.12, source: 'test factor' },
          organisation: 'Aarhus <Kommune> & Co',
          contact: 'dpo@aarhus.example',
          retention: retentionRules({ 'fleet.driver': 14 }),
        }),
        invoiceAccounts: accounts,
        oversight,
        footprint,
      };
    });
    for (const role of ['climate', 'roads', 'facility', 'viewer'] as const)
      keys[role] = await api.access.key(role, 'aarhus');
  }, 120_000);

  afterAll(async () => {
    await accounts?.stop();
    await footprint?.stop();
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a card for every model in one format, each fit to publish in a register', async () => {
    const res = await api.call('GET', '/api/v1/models', keys.viewer);
    expect(res.status).toBe(200);
    const cards = res.body.models as TransparencyCard[];
    expect(cards.map((c) => c.id)).toEqual([...MODEL_IDS]);
    for (const card of cards) {
      expect(card.format).toBe('greenops-model-card/2');
      expect(cardProblems(card)).toEqual([]);
      expect([...card.summary.da].length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
      expect(card.aiAct.reasoning.length).toBeGreaterThan(20);
    }
    // Untrained models say so instead of inventing a version.
    expect(cards.find((c) => c.id === 'energy-forecaster')).toMatchObject({
      status: 'not-trained',
      version: 'none',
    });
    expect((await api.call('GET', '/api/v1/models/no-such-model', keys.viewer)).status).toBe(404);
  });

  it('labels model outputs, records who overturned them and shows the training footprint on the card', async () => {
    const upload = await fetch(`${api.base}/api/v1/invoices?filename=peppol.xml`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.climate}`, 'content-type': 'application/xml' },
      body: invoice,
    });
    // 201 with the estimates, or 202 while the first classifier trains in its worker (then reads wait for it).
    expect([201, 202]).toContain(upload.status);
    const lines = await waitFor('the estimated lines', async () => {
      const res = await api.call('GET', '/api/v1/invoices/lines', keys.climate);
      return res.status === 200 ? res : undefined;
    });
    const version = accounts.currentClassifier('aarhus')?.version as string;
    expect(lines.body.ai).toMatchObject({ model: 'invoice-classifier', version, estimate: true });
    expect(lines.headers.get('greenops-ai-model')).toBe(`invoice-classifier; version=${version}; estimate`);
    const all = lines.body.lines as { id: string; category: string }[];
    const line = all[0] as { id: string; category: string };
    const other = line.category === 'cleaning' ? 'furniture' : 'cleaning';
    expect(
      (await api.call('PATCH', `/api/v1/invoices/lines/${line.id}`, keys.climate, { category: other }))
        .status,
    ).toBe(200);

    const oversight = await api.call('GET', '/api/v1/models/invoice-classifier/oversight', keys.viewer);
    expect(oversight.body.summary).toMatchObject({
      outputs: all.length,
      checked: 1,
      overturned: 1,
      checkedShare: 1 / all.length,
      overturnedShare: 1,
    });
    expect((oversight.body.decisions as { outputId: string; decision: string }[])[0]).toMatchObject({
      outputId: line.id,
      decision: 'overturned',
    });

    // The training ran in a worker thread; its footprint reaches the card of the version it made.
    const card = await waitFor('the training footprint and a day of inference on the card', async () => {
      const c = (await api.call('GET', '/api/v1/models/invoice-classifier', keys.viewer))
        .body as unknown as TransparencyCard;
      return c.energy?.training && c.energy.inferencePerDay.length > 0 ? c : undefined;
    });
    expect(card.version).toBe(version);
    expect(card.energy?.training?.kwh).toBeGreaterThan(0);
    expect(card.energy?.training?.cpuSeconds).toBeGreaterThan(0);
    expect(card.energy?.training?.co2eKg).toBeCloseTo((card.energy?.training?.kwh ?? 0) * 0.12, 12);
    expect(card.energy?.inferencePerDay[0]?.calls).toBeGreaterThanOrEqual(1);
    expect(card.humanOversight.oversight).toMatchObject({ checked: 1, overturned: 1 });
  }, 120_000);

  it("records a person's decision on a road detection, with the domain's role, in the audit trail", async () => {
    const post = (key: string, body: unknown) =>
      api.call('POST', '/api/v1/models/road-damage-detector/oversight', key, body);
    // The detection as the road stream stores it, naming the supplier's detector version.
    await api.db.store.write([
      {
        measurement: 'road',
        tags: { tenant: 'aarhus', device: 'cam-1', damage: 'D40' },
        fields: { detection_id: 'det-1', confidence: 0.8, model_version: 'rdd-yolo-7' },
        timeMs: Date.now() - 60_000,
      },
      {
        measurement: 'road',
        tags: { tenant: 'aarhus', device: 'cam-1', damage: 'D00' },
        fields: { detection_id: 'det-2', confidence: 0.6, model_version: 'rdd-yolo-7' },
        timeMs: Date.now() - 50_000,
      },
    ]);
    // Decisions on outputs that do not exist, or versions they did not come from, are refused naming the field.
    expect(await post(keys.roads, { outputId: 'det-made-up', decision: 'confirmed' })).toMatchObject({
      status: 404,
      body: { error: { field: 'outputId' } },
    });
    expect(
      await post(keys.roads, { outputId: 'det-1', decision: 'confirmed', version: 'v999-fake' }),
    ).toMatchObject({ status: 422, body: { error: { field: 'version' } } });
    const energy = (model: string, body: unknown) =>
      api.call('POST', `/api/v1/models/${model}/oversight`, keys.facility, body);
    expect(await energy('energy-forecaster', { outputId: 'v999-fake', decision: 'confirmed' })).toMatchObject(
      { status: 404, body: { error: { field: 'outputId' } } },
    );
    expect(
      await energy('energy-seasonal-naive', { outputId: 'anything', decision: 'confirmed' }),
    ).toMatchObject({ status: 422, body: { error: { field: 'id' } } });
    expect(
      await api.call('POST', '/api/v1/models/traffic-aadt/oversight', keys.roads, {
        outputId: 'no-counter/2026',
        decision: 'confirmed',
      }),
    ).toMatchObject({ status: 404, body: { error: { field: 'outputId' } } });
    const first = await post(keys.roads, { outputId: 'det-1', decision: 'confirmed' });
    expect(first.status).toBe(201);
    // The review is recorded against the version that made the detection, not a method placeholder.
    expect(first.body).toMatchObject({ outputId: 'det-1', modelVersion: 'rdd-yolo-7' });
    // Served detections say each point carries its own version, not a method placeholder.
    const series = await api.call(
      'GET',
      '/api/v1/streams/road/series?device=cam-1&field=model_version&from=-1h',
      keys.roads,
    );
    expect(series.headers.get('greenops-ai-model')).toBe(
      'road-damage-detector; version=per-detection; estimate',
    );
    expect(series.body.points).toEqual([
      expect.objectContaining({ value: 'rdd-yolo-7' }),
      expect.objectContaining({ value: 'rdd-yolo-7' }),
    ]);
    expect((await post(keys.roads, { outputId: 'det-2', decision: 'confirmed' })).status).toBe(201);
    const overturned = await post(keys.roads, {
      outputId: 'det-2',
      decision: 'overturned',
      note: 'a shadow',
    });
    expect(overturned.status).toBe(201);
    expect(overturned.body).toMatchObject({ decision: 'overturned', note: 'a shadow', outputId: 'det-2' });
    const refused = await post(keys.facility, { outputId: 'det-3', decision: 'confirmed' });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('roads');
    const bad = await post(keys.roads, { outputId: 'det-3', decision: 'maybe' });
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'decision' } } });
    expect(
      (
        await api.call('POST', '/api/v1/models/invoice-classifier/oversight', keys.roads, {
          outputId: 'x',
          decision: 'confirmed',
        })
      ).status,
    ).toBe(400);

    const page = await api.call('GET', '/api/v1/models/road-damage-detector/oversight', keys.viewer);
    // The latest decision on an output counts: det-2 was overturned after being confirmed.
    expect(page.body.summary).toMatchObject({ checked: 2, overturned: 1, overturnedShare: 0.5 });
    const card = (await api.call('GET', '/api/v1/models/road-damage-detector', keys.viewer))
      .body as unknown as TransparencyCard;
    expect(card.evaluation[0]?.metrics[0]).toMatchObject({
      name: 'precision (confirmed ÷ reviewed)',
      value: 50,
    });
    expect(card.version).toBe('rdd-yolo-7');
    const audit = await api.access.audit.list({ tenant: 'aarhus', action: 'models.oversight', limit: 10 });
    expect(audit.map((a) => a.object.id)).toEqual([
      'road-damage-detector/det-2',
      'road-damage-detector/det-2',
      'road-damage-detector/det-1',
    ]);
  });

  it('fills each register format from the cards', async () => {
    const landkort = await api.call('GET', '/api/v1/transparency/export?format=ai-landkort', keys.viewer);
    const projects = landkort.body.projekter as Record<string, string>[];
    // Only AI models: the statistics and fixed rules the cards class as not AI are no AI projects.
    expect(projects.map((p) => p.titel)).toHaveLength(3);
    expect(projects[0]).toMatchObject({ kommune: 'Aarhus <Kommune> & Co', kontakt: 'dpo@aarhus.example' });
    for (const p of projects)
      for (const key of ['titel', 'beskrivelse', 'fagomraade', 'status']) expect(p[key]).toBeTruthy();

    const nl = await api.call('GET', '/api/v1/transparency/export?format=nl-register', keys.viewer);
    for (const a of nl.body.algorithms as Record<string, string>[]) {
      expect([...(a.description_short as string)].length).toBeLessThanOrEqual(150);
      for (const key of [
        'name',
        'organization',
        'status',
        'goal_and_impact',
        'human_intervention',
        'legal_basis',
        'source_data',
      ])
        expect(a[key], key).toBeTruthy();
    }
    const uk = await api.call('GET', '/api/v1/transparency/export?format=atrs', keys.viewer);
    const record = (
      uk.body.records as { tier_1: Record<string, string>; tier_2: Record<string, unknown> }[]
    )[0];
    expect(record?.tier_1.name).toBeTruthy();
    expect(Object.keys(record?.tier_2 ?? {})).toEqual([
      'owner_and_responsibility',
      'description_and_rationale',
      'decision_making_process',
      'data',
      'technical_specification',
      'risks',
    ]);
    const bad = await api.call('GET', '/api/v1/transparency/export?format=csv', keys.viewer);
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'format' } } });
  });

  it('serves the citizen page without a credential, Danish first and English, structured for assistive technology', async () => {
    for (const [path, lang, other] of [
      ['/transparency', 'da', '/transparency/en'],
      ['/transparency/en', 'en', '/transparency'],
    ] as const) {
      const res = await fetch(api.base + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain(`href="${other}" hreflang="${lang === 'da' ? 'en' : 'da'}"`);
      expect(html.match(/<h1[ >]/g)).toHaveLength(1);
      expect(html).toContain('<main id="main">');
      expect(html).toContain('href="#main"');
      // Every model has its section, named in the page's language.
      const cards = (await api.call('GET', '/api/v1/models', keys.viewer)).body.models as TransparencyCard[];
      for (const c of cards)
        expect(html).toContain(`<h3 id="${c.id}">${c.name[lang].replace(/&/g, '&#38;')}</h3>`);
      // Retention periods as configured, shortest first; the organisation is escaped, never markup.
      expect(html).toMatch(
        new RegExp(
          `<tbody><tr><th scope="row">[^<]+</th><td class="period">14 ${lang === 'da' ? 'dage' : 'days'}</td>`,
        ),
      );
      expect(html).toContain('Aarhus &#60;Kommune&#62; &#38; Co');
      expect(html).not.toContain('<Kommune>');
      expect(html).toContain('dpo@aarhus.example');
    }
    // A bad tenant= gets an HTML error in the page's language, an unknown one 404, never another town's page.
    const bad = await fetch(`${api.base}/transparency?tenant=Not%20a%20tenant`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('text/html');
    expect(await bad.text()).toContain('<html lang="da">');
    const unknown = await fetch(`${api.base}/transparency?tenant=nosuchtown`);
    expect(unknown.status).toBe(404);
    const unknownHtml = await unknown.text();
    expect(unknownHtml).toContain('Siden findes ikke');
    expect(unknownHtml).not.toContain('Aarhus');
    const unknownEn = await fetch(`${api.base}/transparency/en?tenant=nosuchtown`);
    expect(unknownEn.status).toBe(404);
    expect(await unknownEn.text()).toContain('Page not found');
    const named = await (await fetch(`${api.base}/transparency?tenant=aarhus`)).text();
    expect(named).toContain('hreflang="en" href="/transparency/en?tenant=aarhus"');
  });

  it.runIf(requireServer('chromium'))(
    'renders the citizen page in real Chromium with no WCAG 2.1 A/AA violation, keyboard first',
    async () => {
      const browser = await launchChromium();
      try {
        for (const [path, lang] of [
          ['/transparency', 'da'],
          ['/transparency/en', 'en'],
        ] as const) {
          // The page's Content-Security-Policy forbids inline scripts, as it should; the test injects axe-core anyway.
          const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
          const response = await page.goto(api.base + path);
          expect(response?.status()).toBe(200);
          expect(await page.getAttribute('html', 'lang')).toBe(lang);
          expect(await page.locator('h1').count()).toBe(1);
          // The first Tab reaches the skip link, and following it lands in the main content.
          await page.keyboard.press('Tab');
          expect(
            await page.evaluate<string | null>("document.activeElement?.getAttribute('href') ?? null"),
          ).toBe('#main');
          const violations = await wcagViolations(page);
          expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
          // Readable at 200 % zoom without sideways scrolling (WCAG 1.4.10 reflow, 320 CSS px).
          await page.setViewportSize({ width: 320, height: 640 });
          expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
            320,
          );
          await page.close();
        }
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
