import type { Router } from 'express';
import { badRequest, isTenant } from '../../core/index.js';
import { citizenPage, type PageLanguage, type TransparencyService } from '../../models/index.js';
import { GuardedRouter } from '../auth/guarded-router.js';

/**
 * The citizen transparency page, public by design (AI Act Art. 50, the duty to inform): Danish at /transparency,
 * English at /transparency/en. `tenant=` picks a municipality on a shared platform; nothing on it is confidential.
 */
export function transparencyPageRoutes(options: {
  transparency: TransparencyService | undefined;
  defaultTenant: string;
  now: () => number;
}): Router {
  const router = new GuardedRouter('');
  const page = (lang: PageLanguage) =>
    router.get(lang === 'da' ? '/transparency' : '/transparency/en', async (req, res) => {
      const raw = (req.query as Record<string, unknown>).tenant;
      if (raw !== undefined && (typeof raw !== 'string' || !isTenant(raw)))
        throw badRequest('tenant', `"${String(raw)}" is not a valid tenant`);
      const tenant = (raw as string | undefined) ?? options.defaultTenant;
      const svc = options.transparency;
      const cards = svc ? await svc.cards(tenant) : [];
      res
        .type('html')
        .set('Content-Language', lang)
        .send(
          citizenPage({
            lang,
            cards,
            organisation: svc ? svc.organisationFor(tenant) : tenant,
            contact: svc?.contact,
            retention: svc?.retention ?? [],
            generatedAt: new Date(options.now()).toISOString(),
          }),
        );
    });
  page('da');
  page('en');
  return router.router;
}
