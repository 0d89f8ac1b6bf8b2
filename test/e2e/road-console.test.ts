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

  beforeAll(async () => {
    road = await startRoadApi(roadMessages({ days: 2, cameras: 2, seed: 8 }));
    key = await road.api.access.key('roads', 'aarhus');
    browser = await launchChromium();
    // axe-core is injected as an inline script, which the console's CSP (script-src 'self') rightly refuses.
    page = await browser.newPage({ bypassCSP: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await road?.stop();
  });

  const selectedId = () =>
    page.locator('#queue-table tbody tr[aria-selected="true"]').getAttribute('data-id');
  const statusOf = async (id: string) =>
    (await road.api.call('GET', `/api/v1/road/defects/${id}`, key)).body.status as string;

  it('logs in with an API key and shows the queue ordered by priority, with no WCAG 2.1 AA violations', async () => {
    await page.goto(`${road.api.base}/console/`);
    expect(await wcagViolations(page)).toEqual([]);
    await page.getByLabel('API-nøgle eller OIDC-token').fill(key);
    await page.keyboard.press('Enter');
    await page.locator('#queue-table tbody tr').first().waitFor();
    // Corroborated defects come first; among them, by priority.
    await page.getByLabel('Kun bekræftede af flere kørsler').check();
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('corroborated=true')),
      page.locator('#filters button[type="submit"]').click(),
    ]);
    await page.waitForFunction('!document.body.dataset.loading');
    const priorities = await page.locator('#queue-table tbody tr td:nth-child(4)').allTextContents();
    expect(priorities.length).toBeGreaterThan(3);
    expect(priorities.map(Number)).toEqual([...priorities.map(Number)].sort((a, b) => b - a));
    expect(await page.locator('#map circle').count()).toBe(priorities.length);
    expect(await wcagViolations(page)).toEqual([]);
  });

  it('confirms by keyboard (c), rejects with a reason (r, 1) and moves on', async () => {
    await page.locator('#queue-table tbody tr[aria-selected="true"]').focus();
    const first = (await selectedId()) as string;
    await page.keyboard.press('c');
    await expect.poll(() => statusOf(first)).toBe('confirmed');
    await page.keyboard.press('j');
    const second = (await selectedId()) as string;
    expect(second).not.toBe(first);
    await page.keyboard.press('r');
    await page.locator('#reject').waitFor({ state: 'visible' });
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
    await page.locator('#queue-table tbody tr').first().waitFor();
    await page.locator('#queue-table tbody tr[aria-selected="true"]').focus();
    const id = (await selectedId()) as string;
    await page.keyboard.press('w');
    await page.getByLabel('Ansvarlig').first().fill('Vejdrift hold 2');
    await page.keyboard.press('Enter');
    await expect.poll(() => statusOf(id)).toBe('work_ordered');
    await page.selectOption('#f-status', 'work_ordered');
    await page.locator('#filters button[type="submit"]').click();
    await page.locator(`#queue-table tbody tr[data-id="${id}"]`).click();
    await page.keyboard.press('Enter');
    await page.locator('#detail-history li.audit').first().waitFor();
    expect(await page.locator('#detail-history').textContent()).toContain('road.work-order');
    expect(await page.locator('#detail-sightings img').count()).toBe(0);
    expect(await wcagViolations(page)).toEqual([]);
  });

  it('changes a work order’s status from the work-order list, and switches to English', async () => {
    await page.locator('#tab-orders').click();
    const select = page.locator('#orders-table tbody select').first();
    await select.waitFor();
    await select.selectOption('done');
    await expect
      .poll(async () => (await road.api.call('GET', '/api/v1/road/work-orders', key)).body.workOrders)
      .toEqual([expect.objectContaining({ status: 'done' })]);
    await page.locator('#lang').click();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toBe('Road inspection');
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
    expect(await page.locator('#queue-table tbody tr').count()).toBe(0);
  });
});
