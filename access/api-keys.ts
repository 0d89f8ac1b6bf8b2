import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  GreenopsError,
  badRequest,
  durationMs,
  isTenant,
  systemClock,
  type Clock,
  type Logger,
} from '../core/index.js';
import type { MigrationSet, RecordQueryable, RecordStore } from '../store/index.js';
import type { Principal } from './principal.js';
import { isRole, type Role } from './roles.js';

/** What a key looks like to people: `gok_<id>_<secret>`, so a leaked one is recognisable (e.g. by secret scanners). */
export const API_KEY_PREFIX = 'gok_';
const KEY_RE = /^gok_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** Verification results are reused this long, so revocation in another process takes effect well within a second (issue 10). */
const CACHE_MS = 500;
/** `last_used_at` is written at most this often per key, and never on the request's path. */
const TOUCH_EVERY_MS = 60_000;
/** Serialises the first-start bootstrap of replicas starting together on one PostgreSQL. */
const BOOTSTRAP_LOCK = 7_361_905_212;

/** A key as listed: everything but the secret, which is only ever shown once, at creation. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  /** `undefined` for a platform-admin key, which covers every tenant. */
  tenant: string | undefined;
  roles: Role[];
  createdAt: string;
  createdBy: string;
  expiresAt: string | undefined;
  lastUsedAt: string | undefined;
  revokedAt: string | undefined;
}

export interface NewApiKey {
  name?: string | undefined;
  tenant?: string | undefined;
  roles: readonly string[];
  /** Epoch ms. */
  expiresAtMs?: number | undefined;
  /** Who asked for it: a principal id, `cli` or `bootstrap`. */
  createdBy: string;
}

/** The records of the access component; appended to the records store's migrations by the CLI. */
export const ACCESS_MIGRATIONS: MigrationSet = {
  component: 'access',
  migrations: [
    {
      version: 1,
      name: 'api keys',
      sql: `CREATE TABLE api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        tenant text,
        roles text[] NOT NULL,
        secret_sha256 bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT api_keys_tenant CHECK ((tenant IS NULL) = ('platform-admin' = ANY (roles))),
        CONSTRAINT api_keys_no_device CHECK (NOT ('device' = ANY (roles)))
      )`,
    },
  ],
};

interface KeyRow {
  id: string;
  name: string;
  tenant: string | null;
  roles: string[];
  secret_sha256: Uint8Array;
  created_at: Date | string;
  created_by: string;
  expires_at: Date | string | null;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
}

/**
 * API keys over the records store. Only the SHA-256 of a key's secret is stored: the secrets are 256 random bits,
 * so a fast hash is enough (there is nothing to brute-force), and a database dump opens nothing.
 */
export class ApiKeyStore {
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly cache = new Map<string, { row: KeyRow | undefined; at: number }>();
  private readonly touched = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly records: RecordStore,
    options: { clock?: Clock; logger?: Logger } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
  }

  /** Creates a key; the returned `secret` is the whole key and is not kept anywhere. */
  async create(input: NewApiKey): Promise<{ key: ApiKeyInfo; secret: string }> {
    return this.insert(this.records, input);
  }

  /**
   * On a store without any key, creates the first platform-admin key (so a fresh install can be administered);
   * once any key exists, never again. Safe for replicas starting together.
   */
  async bootstrap(): Promise<{ key: ApiKeyInfo; secret: string } | undefined> {
    return this.records.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      const [row] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys');
      if ((row?.n ?? 0) > 0) return undefined;
      return this.insert(tx, { name: 'bootstrap admin', roles: ['platform-admin'], createdBy: 'bootstrap' });
    });
  }

  async list(filter: { tenant?: string | undefined } = {}): Promise<ApiKeyInfo[]> {
    const rows =
      filter.tenant === undefined
        ? await this.records.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id')
        : await this.records.query<KeyRow>(
            'SELECT * FROM api_keys WHERE tenant = $1 ORDER BY created_at, id',
            [filter.tenant],
          );
    return rows.map(info);
  }

  async get(id: string): Promise<ApiKeyInfo | undefined> {
    const [row] = await this.records.query<KeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
    return row ? info(row) : undefined;
  }

  /** Revokes a key (idempotent: a revoked key keeps its first revocation time). */
  async revoke(id: string): Promise<ApiKeyInfo | undefined> {
    const [row] = await this.records.query<KeyRow>(
      'UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING *',
      [id, new Date(this.clock.now())],
    );
    this.cache.delete(id);
    return row ? info(row) : undefined;
  }

  /** The principal of a presented key, or undefined when it is malformed, unknown, revoked or expired. */
  async verify(presented: string): Promise<Principal | undefined> {
    const match = KEY_RE.exec(presented);
    if (!match) return undefined;
    const [, id, secret] = match as unknown as [string, string, string];
    const now = this.clock.now();
    let cached = this.cache.get(id);
    if (!cached || now - cached.at >= CACHE_MS || now < cached.at) {
      const [row] = await this.records.query<KeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
      cached = { row, at: now };
      this.cache.set(id, cached);
    }
    const row = cached.row;
    if (!row) return undefined;
    const stored = Buffer.from(row.secret_sha256);
    if (stored.length !== 32 || !timingSafeEqual(stored, sha256(secret))) return undefined;
    if (row.revoked_at !== null) return undefined;
    if (row.expires_at !== null && new Date(row.expires_at).getTime() <= now) return undefined;
    this.touch(id, now);
    return {
      kind: 'key',
      id: row.id,
      name: row.name,
      tenant: row.tenant ?? undefined,
      roles: row.roles.filter(isRole),
    };
  }

  /** Waits for the background `last_used_at` writes (before closing the records store). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private touch(id: string, now: number): void {
    const last = this.touched.get(id);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    const write = this.records
      .query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [id, new Date(now)])
      .catch((err: unknown) => this.logger?.warn({ err, key: id }, 'could not record the last use of a key'))
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private async insert(db: RecordQueryable, input: NewApiKey): Promise<{ key: ApiKeyInfo; secret: string }> {
    const roles = checkKeyRoles(input.roles);
    const platform = roles.includes('platform-admin');
    if (platform && input.tenant !== undefined)
      throw badRequest('tenant', 'a platform-admin key covers every tenant; give no tenant');
    if (!platform && input.tenant === undefined)
      throw badRequest('tenant', 'a key that is not platform-admin is for exactly one tenant; name it');
    if (input.tenant !== undefined && !isTenant(input.tenant))
      throw badRequest('tenant', `"${input.tenant}" is not a valid tenant`);
    if (input.expiresAtMs !== undefined && input.expiresAtMs <= this.clock.now())
      throw badRequest('expires', 'lies in the past');
    const name = input.name?.trim() || `${roles.join('+')} key`;
    if (name.length > 200) throw badRequest('name', 'must be at most 200 characters');
    const id = randomBytes(8).toString('hex');
    const secretPart = randomBytes(32).toString('base64url');
    const [row] = await db.query<KeyRow>(
      `INSERT INTO api_keys (id, name, tenant, roles, secret_sha256, created_at, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        id,
        name,
        input.tenant ?? null,
        roles,
        sha256(secretPart),
        new Date(this.clock.now()),
        input.createdBy,
        input.expiresAtMs === undefined ? null : new Date(input.expiresAtMs),
      ],
    );
    return { key: info(row as KeyRow), secret: `${API_KEY_PREFIX}${id}_${secretPart}` };
  }
}

/** A key as JSON (API and CLI): absent values as `null`, so a platform-admin key shows `"tenant": null`. */
export function apiKeyJson(key: ApiKeyInfo): Record<string, unknown> {
  return {
    ...key,
    tenant: key.tenant ?? null,
    expiresAt: key.expiresAt ?? null,
    lastUsedAt: key.lastUsedAt ?? null,
    revokedAt: key.revokedAt ?? null,
  };
}

/** Whether a bearer credential is meant to be an API key (else it may be an OIDC token). */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/** Role names of a new key: known, at least one, and never `device` (MQTT credentials are issued separately). */
export function checkKeyRoles(roles: readonly string[]): Role[] {
  if (roles.length === 0) throw badRequest('roles', 'give at least one role');
  for (const r of roles) {
    if (!isRole(r)) throw badRequest('roles', `"${r}" is not a role`);
    if (r === 'device')
      throw badRequest('roles', 'device is not an API-key role; issue a device credential instead');
  }
  return [...new Set(roles as Role[])];
}

/**
 * Whether `actor` may create (or revoke, or list) a key for `tenant` with `roles`: a platform-admin any; a
 * tenant-admin only keys of its own tenant, and never platform-admin (OWASP API5, function-level authorisation).
 */
export function authorizeKeyGrant(
  actor: Principal,
  tenant: string | undefined,
  roles: readonly Role[],
): void {
  if (actor.roles.includes('platform-admin')) return;
  if (roles.includes('platform-admin'))
    throw new GreenopsError('FORBIDDEN', 'only a platform-admin may grant platform-admin', {
      field: 'roles',
    });
  if (!actor.roles.includes('tenant-admin'))
    throw new GreenopsError('FORBIDDEN', 'managing keys needs tenant-admin or platform-admin', {
      field: 'roles',
    });
  if (tenant === undefined || tenant !== actor.tenant)
    throw new GreenopsError(
      'FORBIDDEN',
      `this credential is for tenant ${actor.tenant}, not ${tenant ?? 'every tenant'}`,
      { field: 'tenant' },
    );
}

/** `90d`, `12h`, `30m` from now, or an ISO 8601 date or time; epoch ms. */
export function parseExpiry(text: string, nowMs: number): number {
  const trimmed = text.trim();
  const duration = durationMs(trimmed);
  if (duration !== undefined) {
    if (duration <= 0) throw badRequest('expires', 'must be longer than zero');
    return nowMs + duration;
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (Number.isFinite(ms)) return ms;
  }
  throw badRequest('expires', `"${text}" is neither a duration such as 90d or 12h nor an ISO 8601 date`);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

const iso = (value: Date | string | null): string | undefined =>
  value === null ? undefined : new Date(value).toISOString();

function info(row: KeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    tenant: row.tenant ?? undefined,
    roles: row.roles.filter(isRole),
    createdAt: iso(row.created_at) as string,
    createdBy: row.created_by,
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}
