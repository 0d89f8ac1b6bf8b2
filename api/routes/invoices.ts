import express, { type Request } from 'express';
import { badRequest, notFound, GreenopsError } from '../../core/index.js';
import {
  CLASSIFIER_CARD,
  CORPUS_CATEGORIES,
  REVIEW_CONFIDENCE,
  NON_EMITTING,
  UNKNOWN,
  estimateTotals,
  type InvoiceAccounts,
  type InvoiceFile,
  type LineEstimate,
} from '../../models/index.js';
import { intParam, oneOfParam, stringParam } from '../query-params.js';
import { GuardedRouter } from '../auth/guarded-router.js';
import { principalOf, requestIdOf, tenantOf } from '../auth/request-context.js';
import type { AuditLog, Principal } from '../../access/index.js';

export interface InvoiceRoutesOptions {
  /** Without it, the invoice routes answer 404 saying so. */
  accounts: InvoiceAccounts | undefined;
  defaultTenant: string;
  /** Uploads, corrections and retraining are recorded here. */
  audit: AuditLog;
}

/** Who made a correction, as the ledger keeps it: from the credential, never from the request body. */
function reviewer(principal: Principal): string {
  const who = `${principal.kind} ${principal.id}`;
  return principal.name ? `${principal.name} (${who})` : who;
}

type Query = Record<string, unknown>;
/** Line estimates listed in an upload's answer at most (`linesOmitted` counts the rest). */
export const MAX_LINES_ANSWERED = 1000;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const RAW_TYPES = ['application/xml', 'text/xml', 'text/csv', 'text/plain', 'application/octet-stream'];

/** The files of an upload: a raw UBL XML or CSV body (`?filename=`), or JSON `{ files: [{ name, text }] }`. */
function uploadedFiles(req: Request): InvoiceFile[] {
  if (typeof req.body === 'string') {
    const type = req.header('content-type') ?? '';
    const fallback = type.includes('csv') ? 'upload.csv' : 'upload.xml';
    const name = stringParam(req.query as Query, 'filename') ?? fallback;
    if (!req.body.trim()) throw badRequest('body', 'the uploaded file is empty');
    return [{ name, text: req.body }];
  }
  const files = (req.body as { files?: unknown } | undefined)?.files;
  if (!Array.isArray(files) || files.length === 0)
    throw badRequest(
      'files',
      'send a UBL XML or CSV file as the body (Content-Type application/xml or text/csv), or JSON { "files": [{ "name", "text" }] }',
    );
  return files.map((f: unknown, i) => {
    const file = f as { name?: unknown; text?: unknown };
    if (typeof file.name !== 'string' || !file.name)
      throw badRequest(`files[${i}].name`, 'must be a file name');
    if (typeof file.text !== 'string')
      throw badRequest(`files[${i}].text`, 'must be the file content as text');
    return { name: file.name, text: file.text };
  });
}

function filterLines(lines: LineEstimate[], query: Query): LineEstimate[] {
  const review = oneOfParam(query, 'review', ['true', 'false', 'any'], 'any');
  const category = stringParam(query, 'category');
  const from = stringParam(query, 'from');
  const to = stringParam(query, 'to');
  const supplier = stringParam(query, 'supplier');
  const categories = [...CORPUS_CATEGORIES, NON_EMITTING, UNKNOWN];
  if (category !== undefined && !categories.includes(category))
    throw badRequest('category', `"${category}" is not a category (${categories.join(', ')})`);
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const)
    if (value !== undefined && !MONTH.test(value))
      throw badRequest(name, `"${value}" is not a month (YYYY-MM)`);
  return lines.filter(
    (l) =>
      (review === 'any' || l.review === (review === 'true')) &&
      (category === undefined || l.category === category) &&
      (supplier === undefined || l.supplier.name === supplier || l.supplier.id === supplier) &&
      (from === undefined || l.month >= from) &&
      (to === undefined || l.month <= to),
  );
}

/** Upload invoices, list and correct estimated lines, totals, the classifier and its retraining, the factor table. */
export function invoiceRoutes({ accounts, defaultTenant, audit }: InvoiceRoutesOptions): GuardedRouter {
  const router = new GuardedRouter('/api/v1');
  const service = (): InvoiceAccounts => {
    if (!accounts) throw notFound('invoice CO2 accounts are not configured in this process');
    return accounts;
  };

  router.post('/invoices', express.text({ type: RAW_TYPES, limit: '20mb' }), async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const files = uploadedFiles(req);
    const result = await service().upload(tenant, files);
    const errors = result.errors.map((e) => ({ file: e.file, line: e.line, message: e.message }));
    // 422 only when nothing was stored: while the first classifier trains, stored lines have no estimates yet.
    if (result.added + result.replaced === 0 && errors.length > 0)
      throw new GreenopsError('INVALID_INPUT_FILE', errors.map((e) => e.message).join('; '), {
        field: 'files',
        status: 422,
      });
    await audit.record({
      actor: principalOf(req),
      tenant,
      action: 'invoices.upload',
      object: {
        type: 'invoice-files',
        id: files
          .map((f) => f.name)
          .join(', ')
          .slice(0, 200),
      },
      after: { files: files.length, added: result.added, replaced: result.replaced, errors: errors.length },
      requestId: requestIdOf(res),
    });
    if (result.pending) {
      // Stored, but no classifier is trained yet: 202, and when to read the estimates (GET …/lines).
      res.status(202).set('Retry-After', String(result.pending.retryAfterSeconds)).json({
        added: result.added,
        replaced: result.replaced,
        errors,
        estimates: 'pending',
        message: result.pending.message,
        retryAfterSeconds: result.pending.retryAfterSeconds,
        training: result.pending.training,
      });
      return;
    }
    // The totals cover every line; the answer lists the first lines' estimates only: 50,000 of them were 75 MB of
    // JSON, serialised on the event loop for two seconds. GET …/lines pages through the rest.
    res.status(201).json({
      added: result.added,
      replaced: result.replaced,
      errors,
      lines: result.lines.slice(0, MAX_LINES_ANSWERED),
      ...(result.lines.length > MAX_LINES_ANSWERED
        ? { linesOmitted: result.lines.length - MAX_LINES_ANSWERED }
        : {}),
      totals: estimateTotals(result.lines),
    });
  });

  router.get('/invoices/lines', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const limit = intParam(query, 'limit', { min: 1, max: 10_000, fallback: 500 });
    const offset = intParam(query, 'offset', { min: 0, max: 10_000_000, fallback: 0 });
    // The review queue (review=true) comes most kg CO2e at stake first: the lines where a look pays off most.
    const order = oneOfParam(query, 'order', ['date', 'stake'], query.review === 'true' ? 'stake' : 'date');
    const byDate = (a: LineEstimate, b: LineEstimate) =>
      a.issueDate === b.issueDate ? (a.id < b.id ? -1 : 1) : a.issueDate < b.issueDate ? -1 : 1;
    const lines = filterLines(await service().estimates(tenant), query).sort(
      order === 'stake' ? (a, b) => b.kgAtStake - a.kgAtStake || byDate(a, b) : byDate,
    );
    res.json({ total: lines.length, offset, lines: lines.slice(offset, offset + limit) });
  });

  router.get('/invoices/lines/:id', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const line = await service().estimate(tenant, req.params.id);
    if (!line) throw notFound(`no invoice line ${req.params.id} for ${tenant}`);
    res.set('ETag', `"${line.version}"`).json(line);
  });

  router.patch('/invoices/lines/:id', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const body = (req.body ?? {}) as { category?: unknown; correctedBy?: unknown };
    const reviewable = [...CORPUS_CATEGORIES, NON_EMITTING];
    if (typeof body.category !== 'string' || !reviewable.includes(body.category))
      throw badRequest('category', `must be one of ${reviewable.join(', ')}`);
    if (body.correctedBy !== undefined)
      throw badRequest('correctedBy', 'the reviewer is taken from the credential; leave correctedBy out');
    const principal = principalOf(req);
    // RFC 9110 §13.1.1: If-Match compares strongly, so a weak tag never matches; `*` matches any existing line.
    const header = req.header('if-match')?.trim();
    let ifMatch: number[] | undefined;
    if (header !== undefined && header !== '*') {
      const tags = header.split(',').map((t) => t.trim());
      if (!tags.every((t) => /^(W\/)?"[^"]*"$/.test(t)))
        throw badRequest('If-Match', 'must be * or quoted entity tags, such as the ETag "3" of a GET');
      ifMatch = tags.filter((t) => /^"\d+"$/.test(t)).map((t) => Number(t.slice(1, -1)));
    }
    const line = await service().correct(tenant, req.params.id, body.category, reviewer(principal), ifMatch);
    if (!line) throw notFound(`no invoice line ${req.params.id} for ${tenant}`);
    await audit.record({
      actor: principal,
      tenant,
      action: 'invoices.correct',
      object: { type: 'invoice-line', id: req.params.id },
      after: { category: line.category, version: line.version },
      requestId: requestIdOf(res),
    });
    res.set('ETag', `"${line.version}"`).json(line);
  });

  router.get('/invoices/totals', async (req, res) => {
    const query = req.query as Query;
    const tenant = tenantOf(req, defaultTenant);
    const accounts = service();
    const lines = filterLines(await accounts.estimates(tenant), query);
    res.json({
      tenant,
      factorTable: { version: accounts.table.version, priceYear: accounts.table.priceYear },
      classifier: { version: accounts.currentClassifier(tenant)?.version ?? null },
      totals: estimateTotals(lines),
    });
  });

  router.get('/invoices/classifier', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const accounts = service();
    const training = accounts.trainingState(tenant);
    const current = accounts.currentClassifier(tenant);
    res.json({
      card: CLASSIFIER_CARD,
      reviewConfidence: REVIEW_CONFIDENCE,
      training,
      // The tenant's own model once retrained with its corrections, else the shared one trained on the corpus
      // alone; null until the first upload has had one trained.
      model: accounts.classifierKind(tenant),
      current: current?.artifacts.manifest ?? null,
      corrections: (await accounts.ledger(tenant).corrections()).length,
    });
  });

  router.post('/invoices/classifier/train', async (req, res) => {
    const tenant = tenantOf(req, defaultTenant);
    const accounts = service();
    const started = accounts.startTraining(tenant);
    if (started)
      await audit.record({
        actor: principalOf(req),
        tenant,
        action: 'invoices.train',
        object: { type: 'invoice-classifier', id: tenant },
        requestId: requestIdOf(res),
      });
    res.status(started ? 202 : 409).json({
      message: started ? 'training started' : 'a training is already running',
      training: accounts.trainingState(tenant),
    });
  });

  router.get('/invoices/factors', (_req, res) => {
    res.json(service().table);
  });

  return router;
}
