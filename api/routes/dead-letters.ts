import { Router } from 'express';
import {
  GreenopsError,
  badRequest,
  isStreamName,
  isTenant,
  notFound,
  type DecodeLimits,
} from '../../core/index.js';
import { reasonKind, replayDeadLetters, type Republish } from '../../ingest/index.js';
import type { DeadLetter, DeadLetterStore } from '../../store/index.js';
import { intParam, stringParam } from '../query-params.js';
import { tenantParam } from './streams.js';

/** Payload characters shown inline in a listing; the whole payload is at /dead-letters/{id}/payload. */
const PREVIEW_CHARS = 4096;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface DeadLetterRoutesOptions {
  deadLetters: DeadLetterStore;
  /** Puts a message back on the broker; without it replay answers 503. */
  republish?: Republish | undefined;
  decodeLimits?: DecodeLimits | undefined;
}

export function deadLetterRoutes({ deadLetters, republish, decodeLimits }: DeadLetterRoutesOptions): Router {
  const router = Router();

  router.get('/dead-letters/reasons', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const stream = stringParam(query, 'stream');
    if (stream !== undefined && !isStreamName(stream))
      throw badRequest('stream', `"${stream}" is not a stream`);
    const tenant = optionalTenant(query);
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
    if (!republish && !dryRun)
      throw new GreenopsError(
        'BROKER_UNAVAILABLE',
        'replay needs the broker; this process has no MQTT connection',
      );
    const report = await replayDeadLetters(
      deadLetters,
      republish ?? (async () => undefined),
      { tenant, stream, limit, dryRun },
      decodeLimits,
    );
    res.json(report);
  });

  router.get('/dead-letters', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const limit = intParam(query, 'limit', { min: 1, max: 500, fallback: 50 });
    const before = intParam(query, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 0 });
    const stream = stringParam(query, 'stream');
    if (stream !== undefined && !isStreamName(stream))
      throw badRequest('stream', `"${stream}" is not a stream`);
    const tenant = optionalTenant(query);
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
    const entry = await deadLetters.get(id);
    if (!entry) throw notFound(`no dead letter ${id}`);
    res.type('application/octet-stream').send(Buffer.from(entry.payload));
  });

  return router;
}

/** Dead letters are listed across tenants unless one is named (unlike streams, which default to one). */
function optionalTenant(query: Record<string, unknown>): string | undefined {
  return stringParam(query, 'tenant') === undefined ? undefined : tenantParam(query, '');
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
    payload: full.slice(0, PREVIEW_CHARS),
    payloadEncoding: text === undefined ? 'base64' : 'utf8',
    payloadTruncated: full.length > PREVIEW_CHARS,
  };
}
