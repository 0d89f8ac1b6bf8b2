import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, wcagViolations } from '../harness/browser.js';
import { roadMessages, startRoadApi, type RoadApi } from '../harness/road-api.js';

/** The road console in real (Debian) Chromium against the real API, records store and ingest. */
describe('the road console in Chromium', () => {
  let road: RoadApi;
  let browser: Browser;
  let page: Page;
  let key: string;
  /** Every request the console sends that is not a read, and every uncaught error or unhandled rejection. */
  const writes: string[] = [];
  const pageErrors: string[] = [];
  /** Queue loads (GET /api/v1/road/defects?…). */
  const queueLoads: string[] = [];

  beforeAll(async () => {
    // The default tile server (OpenStreetMap), its tiles refused below: the page must work without them.
    road = await startRoadApi(roadMessages({ days: 2, cameras: 2, seed: 8 }), {
      consoleTileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    });
    key = await road.api.access.key('roads', 'aarhus');
    browser = await launchChromium();
    // axe-core is injected as an inline script, which the console's CSP (script-src 'self') rightly refuses.
    page = await browser.newPage({ bypassCSP: true });
    page.on('request', (r) => {
      if (r.method() !== 'GET') writes.push(`${r.method()} ${r.url()}`);
      else if (r.url().includes('/api/v1/road/defects?')) queueLoads.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.route('https://tile.openstreetmap.org/**', (route) => route.abort());
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await road?.stop();
  });

  const selectedId = () =>
    page.locator('#queue-table tbody tr[data-id][aria-selected="true"]').getAttribute('data-id');
  /** The row panel (messages, reject reasons, work-order form) sits right below the selected row. */
  const panelAfterSelectedRow = () =>
    page.locator('#queue-table tbody tr[data-id][aria-selected="true"] + tr#row-panel').isVisible();
  const statusOf = async (id: string) =>
    (await road.api.call('GET', `/api/v1/road/defects/${id}`, key)).body.status as string;

  it('logs in with an API key and shows the defects seen on several drives by priority, with no WCAG 2.1 AA violations', async () => {
    await page.goto(`${road.api.base}/console/`);
    expect(await wcagViolations(page)).toEqual([]);
    await page.getByLabel('API-nøgle eller OIDC-token').fill(key);
    // By default the queue lists only the defects seen on several drives (the README's promise).
    await Promise.all([
      page.waitForResponse(
        (r) => r.url().includes('/road/defects?') && r.url().includes('corroborated=true'),
      ),
      page.keyboard.press('Enter'),
    ]);
    await page.locator('#queue-table tbody tr[data-id]').first().waitFor();
    await page.waitForFunction('!document.body.dataset.loading');
    expect(await page.getByLabel('Kun set på flere kørsler').isChecked()).toBe(true);
    expect(await page.locator('#queue-caption').textContent()).toBe(
      'Skader set på flere kørsler, efter prioritet',
    );
    const priorities = await page.locator('#queue-table tbody tr[data-id] td:nth-child(4)').allTextContents();
    expect(priorities.length).toBeGreaterThan(3);
    expect(priorities.map(Number)).toEqual([...priorities.map(Number)].sort((a, b) => b - a));
    expect(
      new Set(await page.locator('#queue-table tbody tr[data-id] td:nth-child(6)').allTextContents()),
    ).toEqual(new Set(['✓ ja']));
    expect(await page.locator('#map circle').count()).toBe(priorities.length);
    // OpenStreetMap's tiles need its attribution, linked, even when they fail to load.
    const osm = page.getByRole('link', { name: 'OpenStreetMap-bidragydere' });
    expect(await osm.isVisible()).toBe(true);
    expect(await osm.getAttribute('href')).toBe('https://www.openstreetmap.org/copyright');
    expect(await page.locator('#who').textContent()).toContain('Logget ind som');
    expect(await wcagViolations(page)).toEqual([]);
  });

  it('acts on single-key shortcuts only in the queue, and not at all when they are switched off (WCAG 2.1.4)', async () => {
    const id = (await selectedId()) as string;
    const before = writes.length;
    for (const where of ['#logout', '#tab-orders', '#f-corr', '#lang']) {
      await page.locator(where).focus();
      await page.keyboard.press('c');
      await page.keyboard.press('r');
      await page.keyboard.press('w');
    }
    expect(await page.locator('#app').isVisible()).toBe(true);
    expect(await page.locator('#reject').isHidden()).toBe(true);
    expect(await page.locator('#order').isHidden()).toBe(true);
    // The toggle, persisted for the next visit.
    await page.getByLabel('Tastaturgenveje til/fra').uncheck();
    expect(await page.evaluate("localStorage.getItem('greenops.shortcuts')")).toBe('off');
    await page.locator('#queue-table tbody tr[data-id][aria-selected="true"]').focus();
    await page.keyboard.press('c');
    await page.keyboard.press('w');
    expect(await page.locator('#order').isHidden()).toBe(true);
    await page.getByLabel('Tastaturgenveje til/fra').check();
    expect(writes.length).toBe(before);
    expect(await statusOf(id)).toBe('new');
    // `w` on a new defect says at once, in Danish, that work orders are for confirmed defects.
    await page.locator('#queue-table tbody tr[data-id][aria-selected="true"]').focus();
    await page.keyboard.press('w');
    await page
      .locator('#row-msg')
      .filter({ hasText: 'Kun bekræftede skader kan få en arbejdsordre' })
      .waitFor();
    // The message sits right below the current row.
    expect(await panelAfterSelectedRow()).toBe(true);
    expect(writes.length).toBe(before);
  });

  it('confirms by keyboard (c), rejects with a reason (r, 1) and moves on', async () => {
    await page.locator('#queue-table tbody tr[data-id][aria-selected="true"]').focus();
    const first = (await selectedId()) as string;
    await page.keyboard.press('c');
    await expect.poll(() => statusOf(first)).toBe('confirmed');
    await page.keyboard.press('j');
    const second = (await selectedId()) as string;
    expect(second).not.toBe(first);
    await page.keyboard.press('r');
    await page.locator('#reject').waitFor({ state: 'visible' });
    // The reasons open next to the current row, each button its key and name once: "1 Fejlregistrering".
    expect(await page.locator('#reasons button').first().textContent()).toBe('1 Fejlregistrering');
    expect(await panelAfterSelectedRow()).toBe(true);
    await page.keyboard.press('1');
    await expect.poll(() => statusOf(second)).toBe('rejected');
    const history = (await road.api.call('GET', `/api/v1/road/defects/${second}`, key)).body.history as {
      reason: string;
    }[];
    expect(history.at(-1)?.reason).toBe('false_positive');
  });

  it('orders work for a confirmed defect by keyboard and shows the audit entry on its page', async () => {
    await page.selectOption('#f-status', 'confirmed');
    await page.locator('#filters button[type="submit"]').click();
    await page.locator('#queue-table tbody tr[data-id]').first().waitFor();
    await page.locator('#queue-table tbody tr[data-id][aria-selected="true"]').focus();
    const id = (await selectedId()) as string;
    await page.keyboard.press('w');
    await page.getByLabel('Ansvarlig').first().fill('Vejdrift hold 2');
    // The date picker starts at today in Denmark (the API refuses a past due date).
    const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Copenhagen' }).format(new Date());
    expect(await page.locator('#o-due').getAttribute('min')).toBe(today);
    await page.keyboard.press('Enter');
    await expect.poll(() => statusOf(id)).toBe('work_ordered');
    await page.selectOption('#f-status', 'work_ordered');
    await page.locator('#filters button[type="submit"]').click();
    await page.locator(`#queue-table tbody tr[data-id="${id}"]`).click();
    await page.keyboard.press('Enter');
    await page.locator('#detail-history li.audit').first().waitFor();
    expect(await page.locator('#detail-history').textContent()).toContain('road.work-order');
    // History in Danish: action and status names translated.
    expect(await page.locator('#detail-history').textContent()).toContain('bekræftet');
    expect(await page.locator('#detail-history').textContent()).not.toContain('work_ordered');
    // The ÅDT's source in Danish, not the API's code; the history shows no empty status change.
    const facts = (await page.locator('#detail-facts').textContent()) as string;
    expect(facts).toContain('vejklasse (standard)');
    expect(facts).not.toContain('road-class');
    expect(await page.locator('#detail-history').textContent()).not.toMatch(/·\s*→\s*·/);
    // The position with 6 decimals and a link to OpenStreetMap centred on it.
    const osm = await page.locator('#detail-facts a').getAttribute('href');
    expect(osm).toMatch(/^https:\/\/www\.openstreetmap\.org\/\?mlat=-?\d+\.\d{6}&mlon=-?\d+\.\d{6}#map=19\//);
    expect(await page.locator('#detail-sightings img').count()).toBe(0);
    // No frame server is configured: frame references are text, not links that 404.
    expect(await page.locator('#detail-sightings a').count()).toBe(0);
    expect(await wcagViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    expect(await page.locator('#detail').isHidden()).toBe(true);
  });

  it('changes a work order’s status from the work-order list, and switches to English', async () => {
    await page.locator('#tab-orders').click();
    const select = page.locator('#orders-table tbody select').first();
    await select.waitFor();
    const orders = async () => (await road.api.call('GET', '/api/v1/road/work-orders', key)).body.workOrders;
    // Choosing by keyboard (arrows) saves nothing (WCAG 3.2.2): only "Gem" does.
    const before = writes.length;
    await select.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await select.selectOption('done');
    expect(writes.length).toBe(before);
    expect(await orders()).toEqual([expect.objectContaining({ status: 'open' })]);
    await page.locator('#orders-table tbody button', { hasText: 'Gem' }).first().click();
    await expect.poll(orders).toEqual([expect.objectContaining({ status: 'done' })]);
    await page.locator('#lang').click();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toBe('Road inspection');
    expect(await page.locator('#who').textContent()).toContain('Signed in as');
    expect(await wcagViolations(page)).toEqual([]);
    // The area filter: an extent with no defects empties the queue.
    await page.locator('#tab-queue').click();
    await page.selectOption('#f-status', '');
    await page.getByLabel('Area (west,south,east,north)').fill('0,0,1,1');
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('bbox=0%2C0%2C1%2C1')),
      page.locator('#filters button[type="submit"]').click(),
    ]);
    await page.waitForFunction('!document.body.dataset.loading');
    expect(await page.locator('#queue-table tbody tr[data-id]').count()).toBe(0);
    expect(await page.locator('#empty').textContent()).toContain('at least three drives');
    // A wrong extent is refused with a message next to the field, not silently ignored.
    const sent = queueLoads.length;
    await page.getByLabel('Area (west,south,east,north)').fill('10.2,56.1,10.1');
    await page.locator('#filters button[type="submit"]').click();
    expect(await page.locator('#area-error').textContent()).toContain('four numbers');
    await page.getByLabel('Area (west,south,east,north)').fill('');
    await page.getByLabel('First seen within (days)').fill('0');
    await page.locator('#filters button[type="submit"]').click();
    expect(await page.locator('#age-error').textContent()).toContain('from 1 to 3650');
    await page.getByLabel('First seen within (days)').fill('');
    // Neither was sent to the API.
    expect(queueLoads.length).toBe(sent);
    expect(pageErrors).toEqual([]);
  });

  it('says in the page’s language, next to the row, why a request failed, with no unhandled rejection', async () => {
    // The page is in English now. Someone else confirms the selected defect meanwhile: `c` here gets a 409.
    await page.getByLabel('Area (west,south,east,north)').fill('');
    await page.selectOption('#f-status', 'new');
    await page.locator('#filters button[type="submit"]').click();
    await page.locator('#queue-table tbody tr[data-id]').first().waitFor();
    await page.waitForFunction('!document.body.dataset.loading');
    await page.locator('#queue-table tbody tr[data-id][aria-selected="true"]').focus();
    const id = (await selectedId()) as string;
    const other = await road.api.call('POST', `/api/v1/road/defects/${id}/decision`, key, {
      decision: 'confirm',
    });
    expect(other.status).toBe(200);
    await page.keyboard.press('c');
    await page
      .locator('#row-msg')
      .filter({ hasText: 'This action does not fit the defect’s status' })
      .waitFor();
    expect(await page.locator('#row-msg').getAttribute('aria-live')).toBe('polite');
    expect(pageErrors).toEqual([]);
  });

  it('shows a viewer no decision controls; c, r and w send nothing and say why, in Danish', async () => {
    const viewerKey = await road.api.access.key('viewer', 'aarhus');
    const viewer = await browser.newPage({ bypassCSP: true });
    const viewerWrites: string[] = [];
    const viewerErrors: string[] = [];
    viewer.on('request', (r) => {
      if (r.method() !== 'GET') viewerWrites.push(r.url());
    });
    viewer.on('pageerror', (e) => viewerErrors.push(e.message));
    try {
      await viewer.goto(`${road.api.base}/console/`);
      await viewer.getByLabel('API-nøgle eller OIDC-token').fill(viewerKey);
      await viewer.keyboard.press('Enter');
      await viewer.locator('#queue-table tbody tr[data-id]').first().waitFor();
      expect(await viewer.locator('#keys-help').textContent()).not.toContain('bekræft');
      await viewer.locator('#queue-table tbody tr[data-id][aria-selected="true"]').focus();
      const id = (await viewer
        .locator('#queue-table tbody tr[data-id][aria-selected="true"]')
        .getAttribute('data-id')) as string;
      for (const k of ['c', 'r', 'w']) await viewer.keyboard.press(k);
      await viewer.locator('#row-msg').filter({ hasText: 'kun vejafdelingen og administratorer' }).waitFor();
      expect(await viewer.locator('#reject').isHidden()).toBe(true);
      expect(await viewer.locator('#order').isHidden()).toBe(true);
      await viewer.locator('#tab-orders').click();
      await viewer.locator('#orders-table tbody tr').first().waitFor();
      expect(await viewer.locator('#orders-table select, #orders-table tbody button').count()).toBe(0);
      expect(await viewer.locator('#th-change').isHidden()).toBe(true);
      expect(viewerWrites).toEqual([]);
      expect(viewerErrors).toEqual([]);
      expect(await statusOf(id)).not.toBe('confirmed');
      expect(await wcagViolations(viewer)).toEqual([]);
    } finally {
      await viewer.close();
    }
  });
});
