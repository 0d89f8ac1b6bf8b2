import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORPUS_CATEGORIES,
  CORPUS_VERSION,
  ClassifierStore,
  buildCorpus,
  trainClassifier,
} from '../../models/index.js';
import { runCli, type CliProcess } from '../harness/cli-process.js';
import { requireServer } from '../harness/debian-packages.js';
import { startPostgres, type PostgresServer } from '../harness/postgres.js';

const TENANT = 'aarhus';
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/invoices/${name}`, import.meta.url), 'utf8');

interface Replica {
  process: CliProcess;
  url: string;
}

/**
 * Two `greenops api` processes (two replicas behind a load balancer) on one PostgreSQL records store: keys, the
 * invoice ledger, optimistic concurrency and the audit trail are shared; neither process starts a broker.
 */
describe.runIf(requireServer('postgres'))('two API replicas on one PostgreSQL', () => {
  let postgres: PostgresServer;
  let databaseUrl: string;
  const dirs: string[] = [];
  const replicas: Replica[] = [];
  let key: string;

  async function startReplica(): Promise<Replica> {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-replica-'));
    dirs.push(dir);
    new ClassifierStore(join(dir, 'models', 'co2')).save(TENANT, classifier);
    const process = runCli(['api'], { GREENOPS_DATA_DIR: dir, PORT: '0', DATABASE_URL: databaseUrl });
    const [, url] = (await process.waitForOutput(/greenops API: (http:\/\/\S+)/, 90_000)) as [string, string];
    return { process, url };
  }

  let classifier: Awaited<ReturnType<typeof trainClassifier>>;

  beforeAll(async () => {
    postgres = await startPostgres();
    databaseUrl = await postgres.newDatabase();
    const { train, test } = buildCorpus();
    // A small network: what is tested here is sharing, not accuracy.
    classifier = await trainClassifier(
      train,
      CORPUS_CATEGORIES,
      { corpusVersion: CORPUS_VERSION, corrections: 0 },
      test,
      { epochs: 2, hidden: 8 },
    );
    const first = await startReplica();
    const [, printed] = (await first.process.waitForOutput(/admin key: +(gok_\S+)/)) as [string, string];
    key = printed;
    replicas.push(first, await startReplica());
  }, 240_000);

  afterAll(async () => {
    for (const r of replicas) {
      r.process.child.kill('SIGTERM');
      await r.process.exited;
    }
    await postgres?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const call = async (replica: Replica, method: string, path: string, body?: string, headers = {}) => {
    const res = await fetch(replica.url + path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body }),
    });
    return {
      status: res.status,
      etag: res.headers.get('etag'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  it('bootstraps one admin key for both, and neither replica starts a broker', () => {
    const [a, b] = replicas as [Replica, Replica];
    expect(a.process.output()).toContain('MQTT broker:  none');
    expect(b.process.output()).not.toContain('admin key:');
  });

  it('answers a correction made on one replica with 412 to a stale write on the other, and shows the winner on both', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const upload = await fetch(`${a.url}/api/v1/invoices?tenant=${TENANT}&filename=invoice.xml`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' },
      body: fixture('peppol-bis3-invoice.xml'),
    });
    expect(upload.status).toBe(201);
    const { lines } = (await upload.json()) as { lines: { id: string }[] };
    const path = `/api/v1/invoices/lines/${lines[0]!.id}?tenant=${TENANT}`;

    const readOnB = await call(b, 'GET', path);
    expect(readOnB.status).toBe(200);
    expect(readOnB.etag).toBe('"1"');

    const onA = await call(a, 'PATCH', path, JSON.stringify({ category: 'furniture' }), {
      'if-match': '"1"',
    });
    expect(onA.status).toBe(200);
    expect(onA.etag).toBe('"2"');

    const staleOnB = await call(b, 'PATCH', path, JSON.stringify({ category: 'cleaning' }), {
      'if-match': '"1"',
    });
    expect(staleOnB.status).toBe(412);
    expect(staleOnB.body.error).toMatchObject({ code: 'PRECONDITION_FAILED' });

    const after = await call(b, 'GET', path);
    expect(after.etag).toBe('"2"');
    expect(after.body).toMatchObject({ category: 'furniture', version: 2 });

    const audit = await call(b, 'GET', `/api/v1/audit?tenant=${TENANT}&action=invoices.correct`);
    expect(audit.body.entries).toMatchObject([{ action: 'invoices.correct', object: { id: lines[0]!.id } }]);
  });

  it('stops a key revoked on one replica on the other within a second', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const created = await call(
      a,
      'POST',
      '/api/v1/keys',
      JSON.stringify({ tenant: TENANT, roles: ['viewer'] }),
    );
    expect(created.status).toBe(201);
    const viewer = created.body.key as string;
    const whoami = () => fetch(`${b.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${viewer}` } });
    expect((await whoami()).status).toBe(200);
    expect((await call(a, 'DELETE', `/api/v1/keys/${created.body.id}`)).status).toBe(200);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 5000) status = (await whoami()).status;
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1500);
  });
});
