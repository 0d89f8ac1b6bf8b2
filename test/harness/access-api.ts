import { ApiServer, type ApiOptions } from '../../api/index.js';
import { createMemoryLogger } from '../../core/index.js';
import { bearer, openTestAccess, type TestAccess } from './access.js';
import { openTempDuckDb, type TempDuckDb } from './temp-duckdb.js';

export interface AccessApi {
  base: string;
  access: TestAccess;
  db: TempDuckDb;
  logs: () => Record<string, unknown>[];
  /** One request; `credential` is sent as a bearer credential. */
  call(
    method: string,
    path: string,
    credential?: string,
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/**
 * The real API on port 0 over a temporary DuckDB file and in-memory PGlite keys, with time series of two tenants.
 * `extra` adds options, or builds them from the records store and DuckDB file the harness opened.
 */
export async function startAccessApi(
  extra:
    | Partial<ApiOptions>
    | ((opened: { access: TestAccess; db: TempDuckDb }) => Promise<Partial<ApiOptions>>) = {},
): Promise<AccessApi> {
  const db = await openTempDuckDb();
  const access = await openTestAccess({ tenant: 'aarhus' });
  const now = Date.now();
  await db.store.write(
    ['aarhus', 'odense'].map((tenant) => ({
      measurement: 'energy',
      tags: { tenant, device: `${tenant}-meter`, site: 'hall', quantity: 'electricity' },
      fields: { kwh: 1, interval_s: 3600 },
      timeMs: now - 3_600_000,
    })),
  );
  await db.deadLetters.add(
    ['aarhus', 'odense'].map((tenant) => ({
      receivedMs: now,
      topic: `greenops/v1/${tenant}/energy/x`,
      tenant,
      stream: 'energy',
      reason: `invalid JSON: ${tenant}`,
      payload: Buffer.from(`{${tenant}`),
    })),
  );
  const memory = createMemoryLogger();
  const api = new ApiServer({
    store: db.store,
    deadLetters: db.deadLetters,
    logger: memory.logger,
    defaultTenant: 'aarhus',
    port: 0,
    keys: access.keys,
    audit: access.audit,
    devices: access.devices,
    ...(typeof extra === 'function' ? await extra({ access, db }) : extra),
  });
  const base = await api.start();
  return {
    base,
    access,
    db,
    logs: memory.lines,
    async call(method, path, credential, body) {
      const res = await fetch(base + path, {
        method,
        headers: {
          ...(credential === undefined ? {} : bearer(credential)),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { text };
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async stop() {
      await api.stop();
      await access.close();
      await db.close();
      db.remove();
    },
  };
}
