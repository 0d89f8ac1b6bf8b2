import type { DuckDBValue } from '@duckdb/node-api';
import type { FieldValue, Point } from '../../core/index.js';
import { pageAtTimeBoundary, type FieldMatch, type PersonalDataStore } from '../personal-data-store.js';
import { parseSeriesKey } from '../series-key.js';
import { readRows, type DuckDbDatabase } from './duckdb-database.js';

const NS_PER_MS = 1_000_000n;

/** The points' identities (without field) that carry the matching value. */
const MATCHING = `SELECT tenant, device, series, time FROM points
  WHERE measurement = $1 AND tenant = $2 AND field = $3 AND str = $4`;

/** Retention and data-subject requests on the DuckDB points table (one row per point and field). */
export class DuckDbPersonalData implements PersonalDataStore {
  constructor(private readonly db: DuckDbDatabase) {}

  async deleteOlderThan(measurement: string, beforeMs: number): Promise<number> {
    // Rows are per field: count the points (distinct identities) before deleting them, in one transaction.
    return this.db.write(async (c) => {
      const params: DuckDBValue[] = [measurement, BigInt(beforeMs) * NS_PER_MS];
      await c.run('BEGIN TRANSACTION');
      try {
        const [row] = await readRows(
          c,
          'SELECT count(DISTINCT (tenant, device, series, time)) FROM points WHERE measurement = $1 AND time < $2',
          params,
        );
        await c.run('DELETE FROM points WHERE measurement = $1 AND time < $2', params);
        await c.run('COMMIT');
        return Number(row?.[0] ?? 0);
      } catch (err) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async clearStringFieldOlderThan(measurement: string, field: string, beforeMs: number): Promise<number> {
    return this.db.write(async (c) => {
      const result = await c.run(
        'DELETE FROM points WHERE measurement = $1 AND field = $2 AND time < $3 AND str IS NOT NULL',
        [measurement, field, BigInt(beforeMs) * NS_PER_MS],
      );
      return result.rowsChanged;
    });
  }

  async pointsWithField(match: FieldMatch, options: { limit: number; afterNs?: string }): Promise<Point[]> {
    const params: DuckDBValue[] = [match.measurement, match.tenant, match.field, match.value];
    let after = '';
    if (options.afterNs !== undefined) {
      params.push(BigInt(options.afterNs));
      after = ` AND time > $${params.length}`;
    }
    const sql = `WITH keys AS (${MATCHING}${after} ORDER BY time, device, series LIMIT ${Math.floor(options.limit) + 1})
      SELECT p.tenant, p.device, p.series, p.time, p.field, p.num, p.str, p.bool
      FROM points p JOIN keys k USING (tenant, device, series, time)
      WHERE p.measurement = $1 ORDER BY p.time, p.device, p.series, p.field`;
    const rows = await this.db.read((c) => readRows(c, sql, params));
    const points: Point[] = [];
    let last: Point | undefined;
    let lastKey = '';
    for (const [tenant, device, series, time, field, num, str, bool] of rows) {
      const key = `${String(device)}|${String(series)}|${String(time)}`;
      if (!last || key !== lastKey) {
        const ns = time as bigint;
        last = {
          measurement: match.measurement,
          tags: { tenant: String(tenant), device: String(device), ...parseSeriesKey(String(series)) },
          fields: {},
          timeMs: Number(ns / NS_PER_MS),
          nanos: Number(ns % NS_PER_MS),
        };
        lastKey = key;
        points.push(last);
      }
      const value: FieldValue | null =
        typeof num === 'number'
          ? num
          : typeof str === 'string'
            ? str
            : typeof bool === 'boolean'
              ? bool
              : null;
      if (value !== null) last.fields[String(field)] = value;
    }
    return pageAtTimeBoundary(points, options.limit);
  }

  async deletePointsWithField(match: FieldMatch): Promise<number> {
    return this.db.write(async (c) => {
      const params: DuckDBValue[] = [match.measurement, match.tenant, match.field, match.value];
      await c.run('BEGIN TRANSACTION');
      try {
        const [row] = await readRows(c, `SELECT count(*) FROM (${MATCHING})`, params);
        await c.run(
          `DELETE FROM points WHERE measurement = $1 AND (tenant, device, series, time) IN (${MATCHING})`,
          params,
        );
        await c.run('COMMIT');
        return Number(row?.[0] ?? 0);
      } catch (err) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }
}
