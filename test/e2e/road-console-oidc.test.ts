import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { OidcVerifier } from '../../access/index.js';
import { launchChromium, wcagViolations } from '../harness/browser.js';
import { roadMessages, startRoadApi, type RoadApi } from '../harness/road-api.js';
import { startTestIdp, type TestIdp } from '../harness/test-idp.js';

const CLIENT_ID = 'greenops-console';
const AUDIENCE = 'greenops-api';

/**
 * The road console's OIDC login in real (Debian) Chromium: authorization code + PKCE against a real (small) OpenID
 * provider over HTTP, the API verifying the access token through the provider's discovery and JWKS.
 */
describe('the road console logs in at the municipality’s IdP (OIDC, code + PKCE) in Chromium', () => {
  let idp: TestIdp;
  let road: RoadApi;
  let browser: Browser;

  beforeAll(async () => {
    idp = await startTestIdp({
      clientId: CLIENT_ID,
      audience: AUDIENCE,
      user: {
        sub: 'u-4711',
        name: 'Vejinspektør Test',
        claims: { greenops_tenant: 'aarhus', roles: ['roads'] },
      },
      redirectUris: () => [`${road.api.base}/console/`],
    });
    road = await startRoadApi(roadMessages({ days: 1, cameras: 1, seed: 8 }), {
      oidc: new OidcVerifier({
        issuer: idp.issuer,
        audience: AUDIENCE,
        tenantClaim: 'greenops_tenant',
        rolesClaim: 'roles',
        clockSkewSeconds: 5,
      }),
      consoleOidc: { issuer: idp.issuer, clientId: CLIENT_ID, scopes: 'openid' },
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await road?.stop();
    await idp?.stop();
  });

  it('publishes the login settings (no secrets) and lets the console’s CSP reach the issuer', async () => {
    const config = await road.api.call('GET', '/api/v1/console/config');
    expect(config.status).toBe(200);
    expect(config.body).toEqual({ oidc: { issuer: idp.issuer, clientId: CLIENT_ID, scopes: 'openid' } });
    const page = await fetch(`${road.api.base}/console/`);
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${idp.issuer};`);
  });

  it('logs in by keyboard through the IdP, lands back in the console and loads the review queue', async () => {
    // The real CSP (no bypass): discovery and the token request must be allowed by connect-src.
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) cspErrors.push(m.text());
    });
    page.on('pageerror', (err) => cspErrors.push(String(err)));
    await page.goto(`${road.api.base}/console/`);
    const login = page.getByRole('button', { name: 'Log ind med din kommune (OIDC)' });
    await login.focus();
    await Promise.all([page.waitForURL(/\/console\/$/), page.keyboard.press('Enter')]);
    await page.locator('#queue-table tbody tr[data-id]').first().waitFor();
    expect(await page.locator('#who').textContent()).toContain('Vejinspektør Test (roads)');
    // The single-use code is gone from the address bar; the access token is the tab's bearer credential.
    expect(new URL(page.url()).search).toBe('');
    const token = await page.evaluate<string | null>(`sessionStorage.getItem('greenops.key')`);
    expect(token?.split('.')).toHaveLength(3);
    expect((await road.api.call('GET', '/api/v1/whoami', token!)).body).toMatchObject({
      kind: 'oidc',
      id: 'u-4711',
      tenant: 'aarhus',
      roles: ['roads'],
    });
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('greenops.oidc.pending')`)).toBeNull();
    expect(cspErrors).toEqual([]);
    expect(idp.refused).toEqual([]);

    // Log out: the token is dropped and the login form is back.
    await page.locator('#logout').click();
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('greenops.key')`)).toBeNull();
    await page.reload();
    expect(await page.locator('#app').isHidden()).toBe(true);
    await context.close();
  });

  it('refuses a return whose state this tab did not send', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${road.api.base}/console/?code=stolen&state=forged`);
    await expect
      .poll(() => page.locator('#login-error').textContent())
      .toContain('Login hos kommunen mislykkedes');
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(new URL(page.url()).search).toBe('');
    await context.close();
  });

  it('shows the OIDC button on a login page with no WCAG 2.1 AA violations', async () => {
    const context = await browser.newContext({ bypassCSP: true }); // axe is injected inline
    const page = await context.newPage();
    await page.goto(`${road.api.base}/console/`);
    await page.locator('#oidc-button').waitFor({ state: 'visible' });
    expect(await wcagViolations(page)).toEqual([]);
    await page.locator('#lang').click();
    expect(await page.locator('#oidc-button').textContent()).toBe('Log in with your municipality (OIDC)');
    await context.close();
  });

  it('the test IdP really checks PKCE: a wrong verifier is refused, the right one gets a token the API accepts', async () => {
    const redirectUri = `${road.api.base}/console/`;
    const authorize = async (verifier: string) => {
      const url = new URL(`${idp.issuer}/authorize`);
      const params = {
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: redirectUri,
        scope: 'openid',
        state: 's',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      return new URL(res.headers.get('location')!).searchParams.get('code')!;
    };
    const exchange = (code: string, verifier: string) =>
      fetch(`${idp.issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: CLIENT_ID,
          code_verifier: verifier,
        }),
      });
    const verifier = randomBytes(32).toString('base64url');
    const wrong = await exchange(await authorize(verifier), randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'PKCE verification failed',
    });

    const code = await authorize(verifier);
    const right = await exchange(code, verifier);
    expect(right.status).toBe(200);
    const { access_token: token, id_token: idToken } = (await right.json()) as Record<string, string>;
    expect((await road.api.call('GET', '/api/v1/road/defects', token)).status).toBe(200);
    // The code was single-use.
    expect((await exchange(code, verifier)).status).toBe(400);
    // The ID token (its audience is the console, not the API) is no credential for the API.
    expect((await road.api.call('GET', '/api/v1/whoami', idToken)).status).toBe(401);
  });
});
