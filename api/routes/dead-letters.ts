import type { Request } from 'express';
import {
  GreenopsError,
  badRequest,
  isStreamName,
  isTenant,
  notFound,
  type DecodeLimits,
} from '../../core/index.js';
import { reasonKind, replayDeadLetters, type Replay } from '../../ingest/index.js';
import type { DeadLetter, DeadLetterStore } from '../../store/index.js';
import { intParam, stringParam } from '../query-params.js';
import type { AuditLog } from '../../access/index.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { principalOf, requestIdOf, tenantOf } from '../auth/request-context.js';

/** Payload characters shown inline in a listing; the whole payload is at /dead-letters/{id}/payload. */
const PREVIEW_CHARS = 4096;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface DeadLetterRoutesOptions {
  deadLetters: DeadLetterStore;
  /** The ingest's write path; without it replay answers 503. */
  replay?: Replay | undefined;
  decodeLimits?: DecodeLimits | undefined;
  audit: AuditLog;
}

export function deadLetterRoutes({
  deadLetters,
  replay,
  decodeLimits,
  audit,
}: DeadLetterRoutesOptions): GuardedRouter {
  const router = new GuardedRouter('/api/v1');

  router.get('/dead-letters/reasons', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const stream = stringParam(query, 'stream');
    if (stream !== undefined && !isStreamName(stream))
      throw badRequest('stream', `"${stream}" is not a stream`);
    const tenant = visibleTenant(req);
    const counts = new Map<string, number>();
    for (const { reason, count } of await deadLetters.reasons({
      ...(tenant ? { tenant } : {}),
      ...(stream ? { stream } : {}),
    })) {
      const kind = reasonKind(reason);
      counts.set(kind, (counts.get(kind) ?? 0) + count);
    }
    const reasons = [...counts]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count);
    res.json({ total: reasons.reduce((s, r) => s + r.count, 0), reasons });
  });

  router.post('/dead-letters/replay', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('body', 'must be a JSON object');
    const stream = body.stream;
    if (stream !== undefined && (typeof stream !== 'string' || !isStreamName(stream)))
      throw badRequest('stream', `"${String(stream)}" is not a stream`);
    const tenant = body.tenant;
    if (tenant !== undefined && (typeof tenant !== 'string' || !isTenant(tenant)))
      throw badRequest('tenant', `"${String(tenant)}" is not a valid tenant`);
    const limit = body.limit ?? 10_000;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1_000_000)
      throw badRequest('limit', 'must be a whole number from 1 to 1000000');
    const dryRun = body.dryRun ?? false;
    if (typeof dryRun !== 'boolean') throw badRequest('dryRun', 'must be true or false');
    if (!replay && !dryRun)
      throw new GreenopsError(
        'STORE_UNAVAILABLE',
        'replay needs the ingest write path; this process has none',
      );
    const report = await replayDeadLetters(
      deadLetters,
      replay ?? (async () => undefined),
      { tenant, stream, limit, dryRun },
      decodeLimits,
    );
    await audit.record({
      actor: principalOf(req),
      tenant,
      action: 'dead-letters.replay',
      object: { type: 'dead-letters', id: undefined },
      before: { tenant, stream, limit, dryRun },
      after: report,
      requestId: requestIdOf(res),
    });
    res.json(report);
  });

  router.get('/dead-letters', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const limit = intParam(query, 'limit', { min: 1, max: 500, fallback: 50 });
    const before = intParam(query, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 0 });
    const stream = stringParam(query, 'stream');
    if (stream !== undefined && !isStreamName(stream))
      throw badRequest('stream', `"${stream}" is not a stream`);
    const tenant = visibleTenant(req);
    const page = await deadLetters.list({
      limit,
      ...(before > 0 ? { before } : {}),
      ...(tenant ? { tenant } : {}),
      ...(stream ? { stream } : {}),
    });
    res.json({ total: page.total, nextBefore: page.nextBefore, items: page.items.map(view) });
  });

  router.get('/dead-letters/:id/payload', async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id < 1)
      throw badRequest('id', `"${req.params.id}" is not a dead-letter id`);
    const tenant = visibleTenant(req);
    const entry = await deadLetters.get(id);
    // Another tenant's entry answers as if it did not exist (OWASP API1).
    if (!entry || (tenant !== undefined && entry.tenant !== tenant))
      throw notFound(`no dead letter ${id}${tenant === undefined ? '' : ` for ${tenant}`}`);
    res.type('application/octet-stream').send(Buffer.from(entry.payload));
  });

  return router;
}

/**
 * The tenant whose dead letters a request sees: a platform-admin sees every tenant's unless it names one (unlike
 * streams, which default to one); anyone else only its own tenant's.
 */
function visibleTenant(req: Request): string | undefined {
  const requested = stringParam(req.query as Record<string, unknown>, 'tenant');
  if (requested === undefined && principalOf(req).roles.includes('platform-admin')) return undefined;
  return tenantOf(req, '', requested);
}

function view(d: DeadLetter): Record<string, unknown> {
  let text: string | undefined;
  try {
    text = utf8.decode(d.payload);
  } catch {
    text = undefined; // not UTF-8: shown as base64
  }
  const full = text ?? Buffer.from(d.payload).toString('base64');
  return {
    id: d.id,
    receivedAt: new Date(d.receivedMs).toISOString(),
    topic: d.topic,
    tenant: d.tenant,
    stream: d.stream,
    reason: d.reason,
    size: d.size,
    sha256: d.sha256,
    storedBytes: d.payload.byteLength,
    payload: full.slice(0, PREVIEW_CHARS),
    payloadEncoding: text === undefined ? 'base64' : 'utf8',
    payloadTruncated: full.length > PREVIEW_CHARS,
  };
}
