import type { RequestHandler } from 'express';
import { GreenopsError, badRequest, type Logger } from '../../core/index.js';
import { looksLikeApiKey, type OidcVerifier, type Principal } from '../../access/index.js';
import { setCredentialProblem, setPrincipal } from './request-context.js';

/** Verifies API keys (e.g. `ApiKeyStore`). */
export interface KeyVerifier {
  verify(key: string): Promise<Principal | undefined>;
}

export interface AuthenticateOptions {
  keys: KeyVerifier;
  /** Without it, only API keys are accepted. */
  oidc?: OidcVerifier | undefined;
  logger: Logger;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Establishes who is calling from `Authorization: Bearer …` (RFC 6750 §2.1): an API key by its prefix, else an
 * OIDC token when an issuer is configured. Without a valid credential the request goes on without a principal,
 * noting what was wrong; the route's guard then answers 401 unless the route is public (`/health*`).
 */
export function authenticate({ keys, oidc, logger }: AuthenticateOptions): RequestHandler {
  return async (req, _res, next) => {
    // Node keeps only the first of repeated Authorization headers (req.headers); two credentials in one request
    // are ambiguous (which one acts?), so it is refused rather than decided by their order.
    let count = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      if (req.rawHeaders[i]?.toLowerCase() === 'authorization') count += 1;
    const header = req.header('authorization');
    // …and two joined into one field by a proxy (RFC 9110 §5.3) read "Bearer a, Bearer b".
    if (count > 1 || (header !== undefined && /,\s*bearer\s/i.test(header)))
      return next(
        badRequest('Authorization', 'send one Authorization header with one credential, not several'),
      );
    if (header === undefined) return next();
    const token = BEARER.exec(header)?.[1];
    const refuse = (problem: string | GreenopsError) => {
      setCredentialProblem(req, problem);
      next();
    };
    if (token === undefined) return refuse('the Authorization header must be "Bearer <credential>"');
    try {
      if (looksLikeApiKey(token)) {
        const principal = await keys.verify(token);
        if (!principal) {
          logger.info({ url: req.originalUrl }, 'refused an unknown, revoked or expired API key');
          return refuse('the API key is unknown, revoked or expired');
        }
        setPrincipal(req, principal);
        return next();
      }
      if (!oidc) return refuse('the credential is not a greenops API key (gok_…)');
      const result = await oidc.verify(token);
      if ('refused' in result) {
        logger.info({ url: req.originalUrl, reason: result.refused }, 'refused a bearer token');
        return refuse(`the bearer token is not valid: ${result.refused}`);
      }
      setPrincipal(req, result.principal);
      next();
    } catch (err) {
      // The key store or the identity provider failed: a protected route answers with it, /health still works.
      logger.warn({ err, url: req.originalUrl }, 'could not check a credential');
      refuse(
        err instanceof GreenopsError
          ? err
          : new GreenopsError('INTERNAL', 'the credential could not be checked', { cause: err }),
      );
    }
  };
}
