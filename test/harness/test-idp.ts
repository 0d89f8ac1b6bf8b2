import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

export interface TestIdpUser {
  sub: string;
  name: string;
  claims: Record<string, unknown>;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  audience: string;
  /** Token requests the IdP refused, with the OAuth error it answered. */
  refused: string[];
  stop(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
}

/**
 * A small, spec-conformant OpenID provider for browser tests: discovery (OIDC Discovery 1.0), an authorize endpoint
 * that logs in one fixed user at once and redirects back with a single-use code (RFC 6749 §4.1), a token endpoint
 * for a public client that checks the PKCE verifier (RFC 7636 §4.6, S256 only) and the redirect URI, and issues an
 * ES256-signed JWT access token for `audience` (RFC 9068) and an ID token, and the JWKS. CORS is open on discovery,
 * token and JWKS as a browser-facing IdP has it.
 */
export async function startTestIdp(options: {
  clientId: string;
  audience: string;
  user: TestIdpUser;
  /** Redirect URIs registered for the client (exact match). */
  redirectUris: () => string[];
}): Promise<TestIdp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-1', alg: 'ES256', use: 'sig' };
  const codes = new Map<string, PendingCode>();
  const refused: string[] = [];
  let issuer = '';

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'access-control-allow-origin': '*',
    });
    res.end(JSON.stringify(body));
  };
  const oauthError = (res: ServerResponse, error: string, description: string) => {
    refused.push(`${error}: ${description}`);
    json(res, 400, { error, error_description: description });
  };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  };

  const authorize = (url: URL, res: ServerResponse) => {
    const p = url.searchParams;
    const redirectUri = p.get('redirect_uri') ?? '';
    // An unknown client or redirect URI is never redirected to (RFC 6749 §4.1.2.1).
    if (p.get('client_id') !== options.clientId || !options.redirectUris().includes(redirectUri)) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client_id or redirect_uri');
      return;
    }
    const back = new URL(redirectUri);
    const state = p.get('state');
    if (state !== null) back.searchParams.set('state', state);
    back.searchParams.set('iss', issuer);
    const challenge = p.get('code_challenge') ?? '';
    const scope = p.get('scope') ?? '';
    let error: string | undefined;
    if (p.get('response_type') !== 'code') error = 'unsupported_response_type';
    else if (p.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))
      error = 'invalid_request';
    else if (!scope.split(' ').includes('openid')) error = 'invalid_scope';
    if (error) {
      back.searchParams.set('error', error);
    } else {
      const code = randomBytes(24).toString('base64url');
      codes.set(code, { clientId: options.clientId, redirectUri, challenge, scope });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.href }).end();
  };

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const p = await readBody(req);
    if (p.get('grant_type') !== 'authorization_code')
      return oauthError(res, 'unsupported_grant_type', 'only authorization_code');
    const code = p.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code); // single use, whatever the outcome
    if (!pending) return oauthError(res, 'invalid_grant', 'unknown or used code');
    if (p.get('client_id') !== pending.clientId)
      return oauthError(res, 'invalid_client', 'client_id differs');
    if (p.get('redirect_uri') !== pending.redirectUri)
      return oauthError(res, 'invalid_grant', 'redirect_uri differs from the authorization request');
    const verifier = p.get('code_verifier') ?? '';
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
      return oauthError(res, 'invalid_request', 'code_verifier missing or malformed');
    if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge)
      return oauthError(res, 'invalid_grant', 'PKCE verification failed');
    const now = Math.floor(Date.now() / 1000);
    const { sub, name, claims } = options.user;
    const accessToken = await new SignJWT({
      ...claims,
      name,
      scope: pending.scope,
      client_id: pending.clientId,
    })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(options.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(randomBytes(8).toString('hex'))
      .sign(privateKey);
    const idToken = await new SignJWT({ name })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(pending.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
    json(res, 200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 300,
      id_token: idToken,
      scope: pending.scope,
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const route = `${req.method} ${url.pathname}`;
    if (req.method === 'OPTIONS') {
      res
        .writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'content-type',
        })
        .end();
      return;
    }
    if (route === 'GET /.well-known/openid-configuration')
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
        scopes_supported: ['openid'],
        authorization_response_iss_parameter_supported: true,
      });
    if (route === 'GET /jwks') return json(res, 200, { keys: [jwk] });
    if (route === 'GET /authorize') return authorize(url, res);
    if (route === 'POST /token')
      return void token(req, res).catch((err: unknown) => json(res, 500, { error: String(err) }));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    clientId: options.clientId,
    audience: options.audience,
    refused,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
