/**
 * npm run docs:road-screenshots — the README's road-console screenshots, taken in real (Debian) Chromium against
 * the real API with three simulated days of three cameras: the review queue with its map, the reject reasons below
 * the current row, a defect's page, and the work orders. Writes docs/screenshots/road-console-*.png.
 */
import { launchChromium } from '../test/harness/browser.js';
import { roadMessages, startRoadApi } from '../test/harness/road-api.js';

const road = await startRoadApi(roadMessages({ days: 3, cameras: 3, seed: 4 }));
const browser = await launchChromium();
try {
  const key = await road.api.access.key('roads', 'aarhus');
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.goto(`${road.api.base}/console/`);
  await page.getByLabel('API-nøgle eller OIDC-token').fill(key);
  await page.keyboard.press('Enter');
  await page.locator('#queue-table tbody tr[data-id]').first().waitFor();
  await page.locator('#queue-table tbody tr[data-id][aria-selected="true"]').focus();
  await page.keyboard.press('c');
  await page.locator('#status-msg').filter({ hasText: 'Bekræftet' }).waitFor();
  await page.screenshot({ path: 'docs/screenshots/road-console-queue.png' });
  // The reject reasons open right below the current row.
  await page.keyboard.press('j');
  await page.keyboard.press('r');
  await page.locator('#reject').waitFor({ state: 'visible' });
  await page.screenshot({ path: 'docs/screenshots/road-console-reject.png' });
  await page.keyboard.press('Escape');
  await page.locator('#reject').waitFor({ state: 'hidden' });
  await page.keyboard.press('Enter');
  await page.locator('#detail-sightings li').first().waitFor();
  await page.locator('#detail').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'docs/screenshots/road-console-defect.png', fullPage: true });
  await page.selectOption('#f-status', 'confirmed');
  await page.locator('#filters button[type="submit"]').click();
  await page.locator('#queue-table tbody tr[data-id]').first().waitFor();
  await page.locator('#queue-table tbody tr[data-id][aria-selected="true"]').focus();
  await page.keyboard.press('w');
  await page.getByLabel('Ansvarlig').first().fill('Vejdrift hold 2');
  // Two weeks ahead: a past due date is refused.
  await page
    .getByLabel('Frist')
    .first()
    .fill(new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10));
  await page.keyboard.press('Enter');
  await page.locator('#status-msg').filter({ hasText: 'Arbejdsordre' }).waitFor();
  await page.locator('#lang').click();
  await page.locator('#tab-orders').click();
  await page.locator('#orders-table tbody tr').first().waitFor();
  await page.screenshot({ path: 'docs/screenshots/road-console-work-orders.png' });
  console.log('wrote docs/screenshots/road-console-{queue,reject,defect,work-orders}.png');
} finally {
  await browser.close();
  await road.stop();
}
