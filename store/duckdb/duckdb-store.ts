import type { DuckDBConnection, DuckDBValue, DuckDBVector } from '@duckdb/node-api';
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
  FieldsQuery,
  FieldColumns,
  FieldsRow,
  LatestQuery,
  ScanFieldsQuery,
  SeriesQuery,
  SeriesRow,
  TimeSeriesStore,
} from '../time-series-store.js';
import { readRows, type DuckDbApi, type DuckDbDatabase } from './duckdb-database.js';

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
    const rows = await this.db.read((c) => this.withTimeout(c, sql, params, q.timeoutMs));
    return rows.map((r) => ({
      timeMs: Number((r[0] as bigint) / NS_PER_MS),
      value: firstValue(r[1], r[2], r[3]),
    }));
  }

  async queryFields(q: FieldsQuery): Promise<FieldsRow[]> {
    if (q.fields.length === 0) return [];
    const params: DuckDBValue[] = [
      q.measurement,
      q.tenant,
      BigInt(q.fromMs) * NS_PER_MS,
      BigInt(q.toMs) * NS_PER_MS,
    ];
    const pivot = q.fields.map((f) => {
      params.push(f);
      const k = `$${params.length}`;
      return `max(num) FILTER (WHERE field = ${k}), max(str) FILTER (WHERE field = ${k}), bool_or(bool) FILTER (WHERE field = ${k})`;
    });
    const fieldList = q.fields.map((_, i) => `$${params.length - q.fields.length + i + 1}`);
    const where = `measurement = $1 AND tenant = $2 AND time >= $3 AND time < $4 AND field IN (${fieldList.join(', ')})${tagFilter(q.tags ?? {}, params)}`;
    // One scan: the fields pivoted to columns per time (a number, text and boolean column each, one of them set).
    const sql = `SELECT time, ${pivot.join(', ')} FROM points WHERE ${where} GROUP BY time ORDER BY time LIMIT ${Math.floor(q.limit ?? 10_000)}`;
    const rows = await this.db.read((c) => this.withTimeout(c, sql, params, q.timeoutMs));
    const out: FieldsRow[] = rows.map((row) => ({
      timeMs: Number((row[0] as bigint) / NS_PER_MS),
      values: q.fields.map((_, i) => firstValue(row[1 + 3 * i], row[2 + 3 * i], row[3 + 3 * i])),
    }));
    return out;
  }

  async scanFields(q: ScanFieldsQuery, visit: (chunk: FieldColumns) => void): Promise<number> {
    if (q.fields.length === 0 || q.devices.length === 0 || q.toMs <= q.fromMs) return 0;
    if (q.toMs - q.fromMs >= 2 ** 40) throw new GreenopsError('BAD_REQUEST', 'a scan spans at most 34 years');
    const params: DuckDBValue[] = [q.measurement, q.tenant];
    const fields = q.fields.map((f) => (params.push(f), `$${params.length}`));
    const devices = q.devices.map((d, i) => (params.push(d), `($${params.length}, ${i})`));
    // One BIGINT key per device and millisecond (the device's index in the high bits, the time since fromMs in the
    // low 40 bits: 34 years), so the pivot groups and sorts on one integer; the field's position is computed once
    // per row (a device's points within one millisecond merge). Every column a DOUBLE and never NULL (missing:
    // NaN), so a chunk's columns are read as the Float64Arrays DuckDB's vectors already are, with no per-value
    // conversion. The devices join as a small table. The time bounds are written into the SQL as integers, not
    // bound as parameters: with parameters a week's scan of a year's file took 3.5 times as long.
    const width = 2n ** 40n;
    const from = BigInt(q.fromMs);
    const columns = fields.map((_, i) => `coalesce(any_value(v) FILTER (WHERE f = ${i + 1}), 'NaN'::DOUBLE)`);
    const sql = `SELECT (k // ${width})::DOUBLE, (k % ${width} + ${from})::DOUBLE, ${columns.join(', ')}
      FROM (
        SELECT d.idx * ${width} + (p.time - ${from * NS_PER_MS}) // ${NS_PER_MS} AS k, list_position([${fields.join(', ')}], p.field) AS f,
          coalesce(p.num, p.bool::DOUBLE) AS v
        FROM points p JOIN (VALUES ${devices.join(', ')}) AS d(name, idx) ON p.device = d.name
        WHERE p.measurement = $1 AND p.tenant = $2 AND p.time >= ${from * NS_PER_MS} AND p.time < ${BigInt(q.toMs) * NS_PER_MS} AND p.field IN (${fields.join(', ')})
      )
      GROUP BY k ORDER BY k`;
    return this.db.read(async (c) => {
      const deadline = q.timeoutMs === undefined ? undefined : performance.now() + q.timeoutMs;
      let interrupted = false;
      const timer =
        q.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              interrupted = true;
              c.interrupt();
            }, q.timeoutMs);
      let rows = 0;
      try {
        const result = await c.stream(sql, params);
        const columnCount = 2 + q.fields.length;
        const doubleVector = this.db.api.DuckDBDoubleVector;
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          const n = chunk.rowCount;
          const cols: Float64Array[] = [];
          for (let j = 0; j < columnCount; j++) cols.push(doubles(chunk.getColumnVector(j), n, doubleVector));
          const [device, timeMs, ...values] = cols as [Float64Array, Float64Array, ...Float64Array[]];
          visit({ length: n, device, timeMs, columns: values });
          rows += n;
          if (deadline !== undefined && performance.now() > deadline)
            throw queryTooLarge(q.timeoutMs as number);
        }
        return rows;
      } catch (err) {
        if (interrupted) throw queryTooLarge(q.timeoutMs as number, err);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    });
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

  async listDeviceNames(
    measurement: string,
    tenant: string,
    tags: Record<string, string> = {},
    range?: { fromMs: number; toMs: number },
  ): Promise<string[]> {
    const params: DuckDBValue[] = [measurement, tenant];
    // The bounds as integers in the SQL, as in scanFields.
    const period = range
      ? ` AND time >= ${BigInt(Math.floor(range.fromMs)) * NS_PER_MS} AND time < ${BigInt(Math.ceil(range.toMs)) * NS_PER_MS}`
      : '';
    const where = `measurement = $1 AND tenant = $2${period}${tagFilter(tags, params)}`;
    const rows = await this.db.read((c) =>
      readRows(c, `SELECT DISTINCT device FROM points WHERE ${where} ORDER BY device`, params),
    );
    return rows.map(([device]) => String(device));
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

  /** Runs a read, interrupted with QUERY_TOO_LARGE past `timeoutMs` (a bound on the work one request causes). */
  private async withTimeout(
    c: DuckDBConnection,
    sql: string,
    params: DuckDBValue[],
    timeoutMs: number | undefined,
  ): Promise<DuckDBValue[][]> {
    if (timeoutMs === undefined) return readRows(c, sql, params);
    let interrupted = false;
    const started = performance.now();
    const timer = setTimeout(() => {
      interrupted = true;
      c.interrupt();
    }, timeoutMs);
    try {
      const result = await readRows(c, sql, params);
      // A query that finished between the deadline and the interrupt still counts as over budget.
      if (performance.now() - started > timeoutMs) throw queryTooLarge(timeoutMs);
      return result;
    } catch (err) {
      if (interrupted) throw queryTooLarge(timeoutMs, err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
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

/**
 * A non-NULL DOUBLE column of a result chunk as a Float64Array. @duckdb/node-api keeps a DOUBLE vector's values as a
 * Float64Array over DuckDB's own memory (its `items`, not part of its typed API): that view is taken as it is, valid
 * until the next chunk is fetched. Any other vector (another binding version) is copied value by value.
 */
function doubles(
  vector: DuckDBVector,
  n: number,
  doubleVector: DuckDbApi['DuckDBDoubleVector'],
): Float64Array {
  const items = (vector as unknown as { items?: unknown }).items;
  if (vector instanceof doubleVector && items instanceof Float64Array && items.length >= n)
    return items.subarray(0, n);
  const into = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const v = vector.getItem(k);
    into[k] = typeof v === 'number' ? v : Number.NaN;
  }
  return into;
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
