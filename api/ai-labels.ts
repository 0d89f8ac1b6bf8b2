import type { RequestHandler } from 'express';
import type { Logger } from '../core/index.js';
import { startUsage, type FootprintLog, type ModelId, type TransparencyService } from '../models/index.js';
import { maybePrincipalOf, tenantOf } from './auth/request-context.js';

/** Routes whose answers are model outputs, and which model answers (for the tenant, now). */
const AI_OUTPUT_ROUTES: {
  method: string;
  path: RegExp;
  model: (svc: TransparencyService, tenant: string) => ModelId;
}[] = [
  {
    method: 'GET',
    path: /^\/api\/v1\/energy\/forecast$/,
    model: (svc, tenant) => svc.servingEnergyModel(tenant),
  },
  { method: 'GET', path: /^\/api\/v1\/energy\/savings$/, model: () => 'energy-towt' },
  {
    method: 'GET',
    path: /^\/api\/v1\/invoices\/(lines|lines\/[^/]+|totals)$/,
    model: () => 'invoice-classifier',
  },
  { method: 'PATCH', path: /^\/api\/v1\/invoices\/lines\/[^/]+$/, model: () => 'invoice-classifier' },
  { method: 'POST', path: /^\/api\/v1\/invoices$/, model: () => 'invoice-classifier' },
  { method: 'GET', path: /^\/api\/v1\/traffic\/aadt$/, model: () => 'traffic-aadt' },
  {
    method: 'GET',
    path: /^\/api\/v1\/fleet\/(ev-suitability|right-sizing)$/,
    model: () => 'fleet-planner',
  },
  { method: 'GET', path: /^\/api\/v1\/streams\/road\/series$/, model: () => 'road-damage-detector' },
];

export const AI_NOTICE =
  'An estimate made by a model, not a measurement or a decision; see the model card for what it is fit for.';

/**
 * Labels model outputs (EU AI Act Art. 50's spirit: say when something comes from AI): a JSON answer of such a route
 * gets `ai: { model, version, estimate: true, card, notice }` and the header `Greenops-AI-Model`; the CPU the
 * request used is added to the model's inference footprint of the day.
 */
export function aiOutputLabels(options: {
  transparency: TransparencyService | undefined;
  footprint: FootprintLog | undefined;
  defaultTenant: string;
  logger: Logger;
}): RequestHandler {
  return (req, res, next) => {
    const svc = options.transparency;
    const route = svc && AI_OUTPUT_ROUTES.find((r) => r.method === req.method && r.path.test(req.path));
    if (!svc || !route) return next();
    const usage = startUsage();
    let label: { model: ModelId; tenant: string; version: string } | undefined;
    const resolve = () => {
      if (label || !maybePrincipalOf(req)) return label;
      try {
        const tenant = tenantOf(req, options.defaultTenant);
        const model = route.model(svc, tenant);
        label = { model, tenant, version: svc.version(tenant, model) };
      } catch {
        // the route itself answers for a bad tenant
      }
      return label;
    };
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const l = res.statusCode < 300 ? resolve() : undefined;
      if (l && body !== null && typeof body === 'object' && !Array.isArray(body)) {
        res.setHeader('Greenops-AI-Model', `${l.model}; version=${l.version}; estimate`);
        return json({
          ...body,
          ai: {
            model: l.model,
            version: l.version,
            estimate: true,
            card: `/api/v1/models/${l.model}`,
            notice: AI_NOTICE,
          },
        });
      }
      return json(body);
    };
    res.on('finish', () => {
      const l = res.statusCode < 400 ? resolve() : undefined;
      if (!l || !options.footprint) return;
      options.footprint
        .recordInference(l.model, l.tenant, usage.stop())
        .catch((err: unknown) => options.logger.error({ err }, 'could not record an inference footprint'));
    });
    next();
  };
}
