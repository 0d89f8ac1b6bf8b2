import type { Router } from 'express';
import { GreenopsError, badRequest, notFound } from '../../core/index.js';
import type { AuditLog, Role } from '../../access/index.js';
import {
  DECISIONS,
  EXPORT_FORMATS,
  isExportFormat,
  isModelId,
  registerExport,
  type Decision,
  type ModelId,
  type OversightLog,
  type TransparencyService,
} from '../../models/index.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { principalOf, requestIdOf, tenantOf } from '../auth/request-context.js';
import { intParam, stringParam } from '../query-params.js';

export interface ModelRoutesOptions {
  transparency: TransparencyService | undefined;
  oversight: OversightLog | undefined;
  audit: AuditLog;
  defaultTenant: string;
  now: () => number;
}

/** The domain role that may record decisions on a model's outputs (admins always may). */
const DECIDERS: Partial<Record<ModelId, Role>> = {
  'energy-forecaster': 'facility',
  'energy-towt': 'facility',
  'energy-seasonal-naive': 'facility',
  'traffic-aadt': 'roads',
  'road-damage-detector': 'roads',
  'fleet-planner': 'fleet',
};

type Query = Record<string, unknown>;

/** Model cards, human-oversight records and algorithm-register exports (issue 15). */
export function modelRoutes({
  transparency,
  oversight,
  audit,
  defaultTenant,
  now,
}: ModelRoutesOptions): Router {
  const router = new GuardedRouter('/api/v1');
  const service = () => {
    if (!transparency) throw notFound('model cards are not configured in this process');
    return transparency;
  };
  const modelId = (id: string): ModelId => {
    if (!isModelId(id)) throw notFound(`no model ${id}; GET /api/v1/models lists them`);
    return id;
  };

  router.get('/models', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    res.json({ tenant, models: await service().cards(tenant) });
  });

  router.get('/models/:id', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    res.json(await service().card(tenant, modelId(req.params.id)));
  });

  router.get('/models/:id/oversight', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const query = req.query as Query;
    const limit = intParam(query, 'limit', { min: 1, max: 1000, fallback: 100 });
    const before = intParam(query, 'before', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 });
    const page = await service().oversight(tenant, modelId(req.params.id), {
      limit,
      ...(before > 0 ? { before } : {}),
    });
    const last = page.decisions.at(-1);
    res.json({ tenant, ...page, next: page.decisions.length === limit && last ? last.id : null });
  });

  router.post('/models/:id/oversight', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const id = modelId(req.params.id);
    if (id === 'invoice-classifier')
      throw badRequest(
        'id',
        'invoice lines are corrected with PATCH /api/v1/invoices/lines/{id}, which records the decision',
      );
    if (!oversight) throw notFound('oversight records are not configured in this process');
    const principal = principalOf(req);
    const role = DECIDERS[id];
    const admin = principal.roles.includes('platform-admin') || principal.roles.includes('tenant-admin');
    if (!admin && role && !principal.roles.includes(role))
      throw new GreenopsError(
        'FORBIDDEN',
        `recording a decision on ${id} needs one of the roles platform-admin, tenant-admin, ${role}`,
        {
          field: 'roles',
        },
      );
    const body = (req.body ?? {}) as Record<string, unknown>;
    const outputId = body.outputId;
    if (typeof outputId !== 'string' || outputId.length === 0 || outputId.length > 200)
      throw badRequest(
        'outputId',
        'must name the output decided on (1–200 characters), e.g. a version, detection or counter/year',
      );
    if (typeof body.decision !== 'string' || !(DECISIONS as readonly string[]).includes(body.decision))
      throw badRequest('decision', `must be one of ${DECISIONS.join(', ')}`);
    if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > 2000))
      throw badRequest('note', 'must be text of at most 2,000 characters');
    if (body.version !== undefined && (typeof body.version !== 'string' || body.version.length > 100))
      throw badRequest('version', 'must be the model version decided on, at most 100 characters');
    // The output must exist for the tenant and the version be the one it came from: a road review judges one
    // stored detection (its detector version, road.model_version, which the supplier changes per camera), an energy
    // decision a trained version, an ÅDT decision a counter's year, a fleet decision a vehicle.
    const version = await service().decisionVersion(tenant, id, outputId, body.version as string | undefined);
    const decision = await oversight.record({
      tenant,
      modelId: id,
      modelVersion: version,
      outputId,
      decision: body.decision as Decision,
      note: body.note as string | undefined,
      actor: { id: `${principal.kind} ${principal.id}`, name: principal.name },
    });
    await audit.record({
      actor: principal,
      tenant,
      action: 'models.oversight',
      object: { type: 'model-output', id: `${id}/${outputId}`.slice(0, 200) },
      after: { decision: decision.decision, version: decision.modelVersion },
      requestId: requestIdOf(res),
    });
    res.status(201).json(decision);
  });

  router.get('/transparency/export', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const format = stringParam(req.query as Query, 'format');
    if (format === undefined || !isExportFormat(format))
      throw badRequest('format', `must be one of ${EXPORT_FORMATS.join(', ')}`);
    const svc = service();
    res.json(
      registerExport(
        format,
        await svc.cards(tenant),
        svc.exportContext(tenant, new Date(now()).toISOString()),
      ),
    );
  });

  return router.router;
}
