import type { Router } from 'express';
import { isTenant } from '../../core/index.js';
import {
  citizenErrorPage,
  citizenPage,
  type PageLanguage,
  type TransparencyService,
} from '../../models/index.js';
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
      const error = (status: number, kind: 'not-found' | 'bad-tenant') =>
        res
          .status(status)
          .type('html')
          .set('Content-Language', lang)
          .send(citizenErrorPage(lang, kind, String(raw)));
      // A bad or unknown tenant= gets an error page in the page's language, never JSON or another town's page.
      if (raw !== undefined && (typeof raw !== 'string' || !isTenant(raw))) return error(400, 'bad-tenant');
      const tenant = (raw as string | undefined) ?? options.defaultTenant;
      const svc = options.transparency;
      if (svc && !(await svc.knowsTenant(tenant, options.defaultTenant))) return error(404, 'not-found');
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
            tenantParam: raw as string | undefined,
            retention: svc?.retention ?? [],
            generatedAt: new Date(options.now()).toISOString(),
          }),
        );
    });
  page('da');
  page('en');
  return router.router;
}
