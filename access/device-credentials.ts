import { randomBytes } from 'node:crypto';
import {
  GreenopsError,
  badRequest,
  formatTopic,
  isEntityId,
  isStreamName,
  isTenant,
  systemClock,
  type Clock,
  type StreamName,
} from '../core/index.js';
import type { MigrationSet, RecordStore } from '../store/index.js';
import { hashMosquittoPassword, verifyMosquittoPassword } from './mosquitto-password.js';

/** The device-credentials schema, applied with every other component's at start-up. */
export const DEVICE_MIGRATIONS: MigrationSet = {
  component: 'devices',
  // One statement per step: the records port runs each step as one prepared statement.
  migrations: [
    {
      version: 1,
      name: 'device credentials',
      sql: `CREATE TABLE device_credentials (
        id text PRIMARY KEY,
        tenant text NOT NULL,
        stream text NOT NULL,
        device text NOT NULL,
        username text NOT NULL,
        password_hash text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_by text
      )`,
    },
    {
      version: 2,
      name: 'one active credential per device',
      sql: `CREATE UNIQUE INDEX device_credentials_one_active ON device_credentials (tenant, stream, device)
        WHERE revoked_at IS NULL`,
    },
    {
      version: 3,
      name: 'active user names are unique',
      sql: `CREATE UNIQUE INDEX device_credentials_active_username ON device_credentials (username)
        WHERE revoked_at IS NULL`,
    },
    {
      version: 4,
      name: 'device credentials by tenant',
      sql: 'CREATE INDEX device_credentials_tenant ON device_credentials (tenant, created_at)',
    },
  ],
};

/** A device credential as listed: never the password, never its hash. */
export interface DeviceCredential {
  id: string;
  tenant: string;
  stream: StreamName;
  device: string;
  /** The MQTT user name. */
  username: string;
  createdBy: string;
  createdAt: string;
  revokedAt: string | undefined;
  revokedBy: string | undefined;
}

/** A newly issued credential with its password, which is shown this once and stored only as a hash. */
export interface IssuedDeviceCredential {
  credential: DeviceCredential;
  password: string;
}

/** Who an MQTT client is, once its device credential checked out. */
export interface DeviceIdentity {
  kind: 'device';
  credentialId: string;
  username: string;
  tenant: string;
  stream: StreamName;
  device: string;
}

export interface DeviceCredentialStoreOptions {
  clock?: Clock;
  /**
   * How long a looked-up credential is trusted before the store is asked again. Below a second, so that a
   * revocation made by another process (another replica, the CLI) takes effect within a second.
   */
  cacheMs?: number;
}

interface Row {
  id: string;
  tenant: string;
  stream: string;
  device: string;
  username: string;
  password_hash: string;
  created_by: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
  revoked_by: string | null;
}

interface Cached<T> {
  value: T;
  at: number;
}

const COLUMNS =
  'id, tenant, stream, device, username, password_hash, created_by, created_at, revoked_at, revoked_by';
const CACHE_LIMIT = 10_000;

/**
 * The MQTT user name of a device: `{tenant}.{stream}.{device}`. Neither tenants nor streams contain a `.`, so
 * the name is unique per device; `:` (allowed in device ids, the field separator of Mosquitto's password file)
 * is written `%3A`, and `%` never occurs in a device id, so the mapping stays one to one.
 */
export function deviceUsername(tenant: string, stream: StreamName, device: string): string {
  return `${tenant}.${stream}.${device.replaceAll(':', '%3A')}`;
}

/**
 * Device credentials in the records store. One active credential per tenant, stream and device; passwords are
 * 256-bit random, returned once and kept as a Mosquitto-format hash, so the same record serves the embedded
 * broker and a generated Mosquitto password file.
 */
export class DeviceCredentialStore {
  private readonly clock: Clock;
  private readonly cacheMs: number;
  private readonly byUsername = new Map<string, Cached<Row | undefined>>();
  private readonly activeById = new Map<string, Cached<boolean>>();

  constructor(
    private readonly records: RecordStore,
    { clock = systemClock, cacheMs = 500 }: DeviceCredentialStoreOptions = {},
  ) {
    this.clock = clock;
    this.cacheMs = cacheMs;
  }

  /** Issues a credential; CONFLICT while the device has an active one (revoke that first). */
  async add(input: {
    tenant: string;
    stream: string;
    device: string;
    createdBy: string;
  }): Promise<IssuedDeviceCredential> {
    const { tenant, stream, device, createdBy } = input;
    if (!isTenant(tenant)) throw badRequest('tenant', `"${tenant}" is not a valid tenant`);
    if (!isStreamName(stream))
      throw badRequest('stream', `"${stream}" is not a stream (energy, fleet, traffic, road)`);
    if (!isEntityId(device)) throw badRequest('device', `"${device}" is not a valid device id`);
    const password = randomBytes(32).toString('base64url');
    const id = `dev_${randomBytes(12).toString('base64url')}`;
    const username = deviceUsername(tenant, stream, device);
    const now = new Date(this.clock.now());
    const rows = await this.records
      .query<Row>(
        `INSERT INTO device_credentials (id, tenant, stream, device, username, password_hash, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT DO NOTHING
         RETURNING ${COLUMNS}`,
        [id, tenant, stream, device, username, hashMosquittoPassword(password), createdBy, now],
      )
      .catch((err: unknown) => {
        throw new GreenopsError('STORE_FAILED', `device credentials: cannot add: ${(err as Error).message}`, {
          cause: err,
        });
      });
    const row = rows[0];
    if (!row)
      throw new GreenopsError(
        'CONFLICT',
        `device ${device} of tenant ${tenant} already has an active ${stream} credential; revoke it first`,
        { field: 'device' },
      );
    this.byUsername.delete(username);
    return { credential: toCredential(row), password };
  }

  async list({
    tenant,
    includeRevoked = false,
  }: { tenant?: string | undefined; includeRevoked?: boolean } = {}): Promise<DeviceCredential[]> {
    const rows = await this.records.query<Row>(
      `SELECT ${COLUMNS} FROM device_credentials
       WHERE ($1::text IS NULL OR tenant = $1) AND ($2 OR revoked_at IS NULL)
       ORDER BY tenant, stream, device, created_at`,
      [tenant ?? null, includeRevoked],
    );
    return rows.map(toCredential);
  }

  async get(id: string): Promise<DeviceCredential | undefined> {
    const rows = await this.records.query<Row>(`SELECT ${COLUMNS} FROM device_credentials WHERE id = $1`, [
      id,
    ]);
    return rows[0] ? toCredential(rows[0]) : undefined;
  }

  /**
   * Ends a credential. `tenant` limits the revocation to that tenant's credentials (a tenant-admin cannot reach
   * another tenant's, which then reads as not found). Returns the credential as revoked, or undefined when
   * there is none (or it belongs to another tenant); revoking twice keeps the first revocation.
   */
  async revoke(
    id: string,
    { tenant, revokedBy }: { tenant?: string | undefined; revokedBy?: string | undefined } = {},
  ): Promise<DeviceCredential | undefined> {
    await this.records.query(
      `UPDATE device_credentials SET revoked_at = $2, revoked_by = $3
       WHERE id = $1 AND revoked_at IS NULL AND ($4::text IS NULL OR tenant = $4)`,
      [id, new Date(this.clock.now()), revokedBy ?? null, tenant ?? null],
    );
    const credential = await this.get(id);
    if (!credential || (tenant !== undefined && credential.tenant !== tenant)) return undefined;
    this.byUsername.delete(credential.username);
    this.activeById.delete(id);
    return credential;
  }

  /** The device behind a user name and password, or undefined (unknown, wrong password or revoked). */
  async verify(username: string, password: string | Buffer): Promise<DeviceIdentity | undefined> {
    const row = await this.cached(this.byUsername, username, async () => {
      const rows = await this.records.query<Row>(
        `SELECT ${COLUMNS} FROM device_credentials WHERE username = $1 AND revoked_at IS NULL`,
        [username],
      );
      return rows[0];
    });
    if (!row || !verifyMosquittoPassword(password, row.password_hash)) return undefined;
    return {
      kind: 'device',
      credentialId: row.id,
      username: row.username,
      tenant: row.tenant,
      stream: row.stream as StreamName,
      device: row.device,
    };
  }

  /** Whether a credential is still active (cached like {@link verify}): a connected device is re-checked with it. */
  async isActive(credentialId: string): Promise<boolean> {
    return this.cached(this.activeById, credentialId, async () => {
      const rows = await this.records.query(
        'SELECT 1 FROM device_credentials WHERE id = $1 AND revoked_at IS NULL',
        [credentialId],
      );
      return rows.length > 0;
    });
  }

  /** Every active credential with its password hash: what a Mosquitto password file needs. */
  async activeHashes(): Promise<(DeviceCredential & { passwordHash: string })[]> {
    const rows = await this.records.query<Row>(
      `SELECT ${COLUMNS} FROM device_credentials WHERE revoked_at IS NULL ORDER BY tenant, stream, device`,
    );
    return rows.map((r) => ({ ...toCredential(r), passwordHash: r.password_hash }));
  }

  private async cached<T>(cache: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < this.cacheMs) return hit.value;
    const value = await load();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, { value, at: now });
    return value;
  }
}

/** A credential as shown to people (CLI, API): with its topic, never a secret. */
export function describeCredential(c: DeviceCredential) {
  return {
    id: c.id,
    tenant: c.tenant,
    stream: c.stream,
    device: c.device,
    username: c.username,
    topic: formatTopic({ tenant: c.tenant, stream: c.stream, deviceId: c.device }),
    createdBy: c.createdBy,
    createdAt: c.createdAt,
    ...(c.revokedAt ? { revokedAt: c.revokedAt, revokedBy: c.revokedBy } : {}),
  };
}

function toCredential(row: Row): DeviceCredential {
  return {
    id: row.id,
    tenant: row.tenant,
    stream: row.stream as StreamName,
    device: row.device,
    username: row.username,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
    revokedAt: row.revoked_at === null ? undefined : new Date(row.revoked_at).toISOString(),
    revokedBy: row.revoked_by ?? undefined,
  };
}
