import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcVerifier } from '../../access/index.js';
import { startAccessApi, type AccessApi } from '../harness/access-api.js';
import { freePort } from '../harness/free-port.js';

/** A tiny identity provider: OpenID Connect discovery and a JWKS, served by the test itself. */
async function startIssuer(publicJwk: Record<string, unknown>) {
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration')
      res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/keys` }));
    else if (req.url === '/keys') res.end(JSON.stringify({ keys: [publicJwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('OIDC bearer tokens verified against a JWKS served by the test', () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let api: AccessApi;
  let signing: CryptoKey;
  let stranger: CryptoKey;
  const now = () => Math.floor(Date.now() / 1000);

  const token = (claims: JWTPayload, key: CryptoKey = signing, header: { iss?: string; aud?: string } = {}) =>
    new SignJWT({ greenops_tenant: 'aarhus', roles: ['viewer'], exp: now() + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(header.iss ?? issuer.base)
      .setAudience(header.aud ?? 'greenops')
      .setSubject('user-17')
      .setIssuedAt()
      .sign(key);

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signing = pair.privateKey;
    stranger = (await generateKeyPair('RS256')).privateKey;
    issuer = await startIssuer({ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' });
    api = await startAccessApi({
      oidc: new OidcVerifier({
        issuer: issuer.base,
        audience: 'greenops',
        tenantClaim: 'greenops_tenant',
        rolesClaim: 'roles',
        clockSkewSeconds: 60,
      }),
    });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await issuer?.close();
  });

  it('accepts a valid token, found through discovery, as the subject with the tenant and roles of its claims', async () => {
    const res = await api.call('GET', '/api/v1/whoami', await token({ name: 'Ada' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: 'oidc',
      id: 'user-17',
      name: 'Ada',
      tenant: 'aarhus',
      roles: ['viewer'],
    });
    expect(issuer.requests).toContain('/.well-known/openid-configuration');
    const devices = await api.call('GET', '/api/v1/streams/energy/devices', await token({}));
    expect(devices.body).toMatchObject({ tenant: 'aarhus', devices: [{ device: 'aarhus-meter' }] });
    expect(
      (await api.call('GET', '/api/v1/streams/energy/devices?tenant=odense', await token({}))).status,
    ).toBe(403);
  });

  it('reads roles from a space-separated claim, ignoring names that are not greenops roles', async () => {
    const res = await api.call(
      'GET',
      '/api/v1/whoami',
      await token({ roles: 'climate Domain.Users device viewer' }),
    );
    expect(res.body).toMatchObject({ roles: ['climate', 'viewer'] });
  });

  it('accepts a platform-admin token without a tenant claim', async () => {
    const res = await api.call(
      'GET',
      '/api/v1/whoami',
      await token({ roles: ['platform-admin'], greenops_tenant: undefined }),
    );
    expect(res.body).toMatchObject({ tenant: null, roles: ['platform-admin'] });
  });

  it('accepts a token expired within the clock skew', async () => {
    expect((await api.call('GET', '/api/v1/whoami', await token({ exp: now() - 30 }))).status).toBe(200);
  });

  it.each<[string, () => Promise<string>]>([
    ['a bad signature', () => token({}, stranger)],
    ['an expired token', () => token({ exp: now() - 120 })],
    ['a token not valid yet', () => token({ nbf: now() + 600 })],
    ['a wrong audience', () => token({}, signing, { aud: 'someone-else' })],
    ['a wrong issuer', () => token({}, signing, { iss: 'https://idp.example.invalid' })],
    ['a missing tenant claim', () => token({ greenops_tenant: undefined })],
    ['a tenant claim that is no tenant', () => token({ greenops_tenant: 'Aarhus Kommune' })],
    ['a token that is not a JWT', () => Promise.resolve('not.a.jwt')],
  ])('refuses %s with 401 invalid_token', async (_case, make) => {
    const res = await api.call('GET', '/api/v1/whoami', await make());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="greenops", error="invalid_token"');
  });

  it('uses GREENOPS_OIDC_JWKS_URL without discovery when it is set', async () => {
    const before = issuer.requests.length;
    const direct = new OidcVerifier({
      issuer: issuer.base,
      audience: 'greenops',
      jwksUrl: `${issuer.base}/keys`,
      tenantClaim: 'greenops_tenant',
      rolesClaim: 'roles',
      clockSkewSeconds: 0,
    });
    expect(await direct.verify(await token({}))).toMatchObject({
      principal: { id: 'user-17', tenant: 'aarhus' },
    });
    expect(issuer.requests.slice(before)).toEqual(['/keys']);
  });

  it('answers 503 while the identity provider cannot be reached, and still serves /health', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const down = await startAccessApi({
      oidc: new OidcVerifier({
        issuer: unreachable,
        audience: 'greenops',
        tenantClaim: 'greenops_tenant',
        rolesClaim: 'roles',
        clockSkewSeconds: 60,
        timeoutMs: 1000,
      }),
    });
    try {
      const jwt = await token({}, signing, { iss: unreachable });
      const res = await down.call('GET', '/api/v1/whoami', jwt);
      expect(res.status).toBe(503);
      expect(String((res.body.error as { message: string }).message)).toContain('OIDC discovery');
      expect((await down.call('GET', '/health/live', jwt)).status).toBe(200);
    } finally {
      await down.stop();
    }
  });
});
