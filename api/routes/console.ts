import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { notFound } from '../../core/index.js';
import { GuardedRouter } from '../auth/guarded-router.js';

/** The console's files, from the repository's console/ folder (beside dist/ in a build). */
const FILES: Record<string, string> = {
  'console.js': 'application/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

function consoleDir(): string {
  // api/routes/ (tsx) and dist/api/routes/ (build) both sit two or three levels below the repository root.
  for (const up of ['../../console/', '../../../console/']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    try {
      readFileSync(`${dir}index.html`);
      return dir;
    } catch {
      // try the next
    }
  }
  throw new Error('console/ not found beside the API');
}

/** What the console needs to log in at the municipality's IdP (authorization code + PKCE): all public. */
export interface ConsoleOidc {
  issuer: string;
  /** A public client: the console holds no secret. */
  clientId: string;
  /** Space-separated, with `openid`. */
  scopes: string;
}

/**
 * The web console at /console/: static, public by design (it holds no data), served with a CSP that allows only
 * its own script and style, the configured tile server's images and, with OIDC, calls to the issuer (discovery and
 * the token endpoint). Its data calls carry the user's credential.
 */
export function consoleRoutes({
  tileUrl,
  oidc,
}: {
  tileUrl: string | undefined;
  oidc?: ConsoleOidc | undefined;
}): GuardedRouter {
  const dir = consoleDir();
  const cache = new Map<string, string>();
  const read = (name: string) => {
    let text = cache.get(name);
    if (text === undefined) cache.set(name, (text = readFileSync(`${dir}${name}`, 'utf8')));
    return text;
  };
  const tileOrigin = tileUrl ? new URL(tileUrl.replace(/[{}]/g, '')).origin : undefined;
  const csp = [
    "default-src 'self'",
    `img-src 'self' data:${tileOrigin ? ` ${tileOrigin}` : ''}`,
    "style-src 'self'",
    "script-src 'self'",
    `connect-src 'self'${oidc ? ` ${new URL(oidc.issuer).origin}` : ''}`,
    "frame-ancestors 'none'",
  ].join('; ');
  const router = new GuardedRouter('');
  // Public by design: the issuer, the public client id and the scopes are what any login redirect shows anyway.
  router.get('/api/v1/console/config', (_req, res) => {
    res.setHeader('cache-control', 'no-cache').json({ oidc: oidc ? { ...oidc } : null });
  });
  router.get('/console', (req, res) => {
    // The query survives: the IdP sends the user back to /console/?code=…&state=….
    const [path, query] = req.originalUrl.split(/\?(.*)/s, 2);
    if (!path!.endsWith('/')) {
      res.redirect(301, `/console/${query ? `?${query}` : ''}`);
      return;
    }
    res
      .type('text/html; charset=utf-8')
      .setHeader('content-security-policy', csp)
      .send(read('index.html').replace('%TILE_URL%', tileUrl ?? ''));
  });
  router.get('/console/:file', (req, res) => {
    const type = FILES[req.params.file];
    if (!type) throw notFound(`no console file ${req.params.file}`);
    res.type(type).setHeader('content-security-policy', csp).send(read(req.params.file));
  });
  return router;
}
