import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import {
  GreenopsError,
  queryTooLarge,
  storeUnavailable,
  type FieldValue,
  type Point,
} from '../../core/index.js';
import { escapeTag, seriesKey } from '../series-key.js';
import type {
  DeviceSummary,
  LatestQuery,
  SeriesQuery,
  SeriesRow,
  TimeSeriesStore,
} from '../time-series-store.js';
import { readRows, type DuckDbDatabase } from './duckdb-database.js';

const NS_PER_MS = 1_000_000n;

/**
 * Points in one long table: a row per point and field. Identity is (measurement, tenant, device, series,
 * field, time), enforced by the primary key; a batch is appended to a staging table and merged with
 * INSERT OR REPLACE, so re-sent records overwrite instead of duplicating.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS points (
  measurement VARCHAR NOT NULL,
  tenant VARCHAR NOT NULL,
  device VARCHAR NOT NULL,
  series VARCHAR NOT NULL,
  field VARCHAR NOT NULL,
  time BIGINT NOT NULL,
  num DOUBLE,
  str VARCHAR,
  bool BOOLEAN,
  PRIMARY KEY (measurement, tenant, device, series, field, time)
);
CREATE TABLE IF NOT EXISTS points_staging (
  seq BIGINT, measurement VARCHAR, tenant VARCHAR, device VARCHAR, series VARCHAR, field VARCHAR, time BIGINT,
  num DOUBLE, str VARCHAR, bool BOOLEAN
);
DELETE FROM points_staging;
`;

const MERGE = `
INSERT OR REPLACE INTO points
SELECT measurement, tenant, device, series, field, time, num, str, bool FROM points_staging
QUALIFY row_number() OVER (PARTITION BY measurement, tenant, device, series, field, time ORDER BY seq DESC) = 1;
DELETE FROM points_staging;
`;

export class DuckDbStore implements TimeSeriesStore {
  readonly kind = 'duckdb';

  private constructor(private readonly db: DuckDbDatabase) {}

  static async create(db: DuckDbDatabase): Promise<DuckDbStore> {
    await db.write((c) => c.run(SCHEMA));
    return new DuckDbStore(db);
  }

  async write(points: readonly Point[]): Promise<void> {
    if (points.length === 0) return;
    await this.db.write(async (connection) => {
      try {
        await appendStaging(connection, points);
        await connection.run(`BEGIN TRANSACTION; ${MERGE} COMMIT;`);
      } catch (err) {
        await connection.run('ROLLBACK').catch(() => undefined);
        await connection.run('DELETE FROM points_staging').catch(() => undefined);
        throw writeError(points.length, err);
      }
    });
  }

  async querySeries(q: SeriesQuery): Promise<SeriesRow[]> {
    const params: DuckDBValue[] = [
      q.measurement,
      q.tenant,
      q.field,
      BigInt(q.fromMs) * NS_PER_MS,
      BigInt(q.toMs) * NS_PER_MS,
    ];
    const where = `measurement = $1 AND tenant = $2 AND field = $3 AND time >= $4 AND time < $5${tagFilter(q.tags ?? {}, params)}`;
    const limit = q.limit ?? 10_000;
    let sql: string;
    if (q.everyMs === undefined) {
      sql = `SELECT time AS t, num, str, bool FROM points WHERE ${where} ORDER BY time, device, series LIMIT ${limit}`;
    } else {
      params.push(BigInt(q.everyMs) * NS_PER_MS);
      const every = `$${params.length}`;
      const bucket = `(time // ${every}) * ${every}`;
      sql = `SELECT ${bucket} AS t, ${aggregateSql(q.fn ?? 'mean')} FROM points WHERE ${where} GROUP BY t ORDER BY t LIMIT ${limit}`;
    }
    const rows = await this.db.read(async (c) => {
      if (q.timeoutMs === undefined) return readRows(c, sql, params);
      let interrupted = false;
      const started = performance.now();
      const timer = setTimeout(() => {
        interrupted = true;
        c.interrupt();
      }, q.timeoutMs);
      try {
        const result = await readRows(c, sql, params);
        // A query that finished between the deadline and the interrupt still counts as over budget.
        if (performance.now() - started > q.timeoutMs) throw queryTooLarge(q.timeoutMs);
        return result;
      } catch (err) {
        if (interrupted) throw queryTooLarge(q.timeoutMs, err);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    });
    return rows.map((r) => ({
      timeMs: Number((r[0] as bigint) / NS_PER_MS),
      value: firstValue(r[1], r[2], r[3]),
    }));
  }

  async listDevices(
    measurement: string,
    tenant: string,
    tags: Record<string, string> = {},
  ): Promise<DeviceSummary[]> {
    const params: DuckDBValue[] = [measurement, tenant];
    const where = `measurement = $1 AND tenant = $2${tagFilter(tags, params)}`;
    const sql = `SELECT device, max(time) AS last, count(DISTINCT (series, time)) AS n FROM points WHERE ${where} GROUP BY device ORDER BY device`;
    const rows = await this.db.read((c) => readRows(c, sql, params));
    return rows.map(([device, last, n]) => ({
      device: String(device),
      lastSeenMs: Number((last as bigint) / NS_PER_MS),
      records: Number(n),
    }));
  }

  async listTenants(measurement: string): Promise<string[]> {
    const sql = 'SELECT DISTINCT tenant FROM points WHERE measurement = $1 ORDER BY tenant';
    const rows = await this.db.read((c) => readRows(c, sql, [measurement]));
    return rows.map(([tenant]) => String(tenant));
  }

  async latest(q: LatestQuery): Promise<SeriesRow | undefined> {
    const { device, ...otherTags } = q.tags;
    const sql = `SELECT time, num, str, bool FROM points WHERE measurement = $1 AND tenant = $2 AND device = $3
      AND series = $4 AND field = $5 AND time < $6 ORDER BY time DESC LIMIT 1`;
    const params = [
      q.measurement,
      q.tenant,
      device ?? '',
      seriesKey(otherTags),
      q.field,
      BigInt(q.beforeMs) * NS_PER_MS,
    ];
    const rows = await this.db.read((c) => readRows(c, sql, params));
    const row = rows[0];
    if (!row) return undefined;
    return { timeMs: Number((row[0] as bigint) / NS_PER_MS), value: firstValue(row[1], row[2], row[3]) };
  }

  async ping(): Promise<void> {
    await this.db.read((c) => c.run('SELECT 1'));
  }

  async close(): Promise<void> {
    // The database is owned by whoever opened it; it may serve other adapters.
  }
}

/**
 * SQL conditions (appended to a WHERE) for tag equality, their values pushed onto `params`. The device is a
 * column; other tags match `,key=value,` in the canonical series text. A listing by a device tag works too.
 */
function tagFilter(tags: Record<string, string>, params: DuckDBValue[]): string {
  let sql = '';
  for (const [key, value] of Object.entries(tags)) {
    params.push(key === 'device' ? value : `,${escapeTag(key)}=${escapeTag(value)},`);
    sql +=
      key === 'device'
        ? ` AND device = $${params.length}`
        : ` AND contains(',' || series || ',', $${params.length})`;
  }
  return sql;
}

function aggregateSql(fn: NonNullable<SeriesQuery['fn']>): string {
  switch (fn) {
    case 'mean':
      return 'avg(num) AS num, NULL AS str, NULL AS bool';
    case 'sum':
      return 'sum(num) AS num, NULL AS str, NULL AS bool';
    case 'min':
      return 'min(num) AS num, NULL AS str, NULL AS bool';
    case 'max':
      return 'max(num) AS num, NULL AS str, NULL AS bool';
    case 'count':
      return 'count(*)::DOUBLE AS num, NULL AS str, NULL AS bool';
    case 'last':
      return 'arg_max(num, time) AS num, arg_max(str, time) AS str, arg_max(bool, time) AS bool';
  }
}

function firstValue(
  num: DuckDBValue | undefined,
  str: DuckDBValue | undefined,
  bool: DuckDBValue | undefined,
): FieldValue | null {
  if (typeof num === 'number') return num;
  if (typeof str === 'string') return str;
  if (typeof bool === 'boolean') return bool;
  return null;
}

async function appendStaging(connection: DuckDBConnection, points: readonly Point[]): Promise<void> {
  const appender = await connection.createAppender('points_staging');
  let seq = 0n;
  try {
    for (const p of points) {
      const device = p.tags.device ?? '';
      const tenant = p.tags.tenant ?? '';
      const series = seriesKey(p.tags);
      const time = BigInt(p.timeMs) * NS_PER_MS + BigInt(p.nanos ?? 0);
      for (const field in p.fields) {
        const value = p.fields[field];
        appender.appendBigInt(seq++);
        appender.appendVarchar(p.measurement);
        appender.appendVarchar(tenant);
        appender.appendVarchar(device);
        appender.appendVarchar(series);
        appender.appendVarchar(field);
        appender.appendBigInt(time);
        if (typeof value === 'number') appender.appendDouble(value);
        else appender.appendNull();
        if (typeof value === 'string') appender.appendVarchar(value);
        else appender.appendNull();
        if (typeof value === 'boolean') appender.appendBoolean(value);
        else appender.appendNull();
        appender.endRow();
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * DuckDB's errors name their class at the start of the message. Conversion, out-of-range, invalid-input and
 * constraint errors come from the data and will fail the same way again (permanent for these points); anything
 * else (I/O, out of memory, a full disk) may pass, so it is retryable.
 */
function writeError(count: number, err: unknown): GreenopsError {
  const message = (err as Error).message;
  const permanent =
    /^(Conversion|Out of Range|Invalid Input|Constraint|Mismatch Type) Error/i.test(message) ||
    /out of (\w+ )?range/i.test(message);
  const text = `DuckDB write of ${count} points failed: ${message}`;
  return permanent
    ? new GreenopsError('STORE_FAILED', text, { cause: err, retryable: false })
    : storeUnavailable(text, err);
}
