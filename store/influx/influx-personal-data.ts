import { GreenopsError, type FieldValue, type Point } from '../../core/index.js';
import {
  pageAtTimeBoundary,
  pointNs,
  type FieldMatch,
  type PersonalDataStore,
} from '../personal-data-store.js';
import { ident, literal, timeMs } from './influxql.js';
import type { InfluxStore } from './influx-store.js';

/** Values cleared or points deleted per round trip. */
const CHUNK = 2000;
/** Most round trips one call makes (2000 × 5000 = 10 M values); the next scheduled run goes on from there. */
const MAX_ROUNDS = 5000;

/**
 * Retention and data-subject requests on InfluxDB (1.x; 2.x and 3.x through the v1-compatible API). InfluxQL's
 * DELETE takes only time and tag conditions, so points found by a field value are deleted one identity (tags and
 * exact time) at a time, and a field cannot be dropped from a point: a string field is overwritten with ''.
 * Times are read as RFC 3339 text, since nanoseconds do not survive a JSON number.
 */
export class InfluxPersonalData implements PersonalDataStore {
  constructor(private readonly influx: InfluxStore) {}

  async deleteOlderThan(measurement: string, beforeMs: number): Promise<undefined> {
    await this.influx.command(`DELETE FROM ${ident(measurement)} WHERE time < ${timeMs(beforeMs)}`);
    return undefined;
  }

  async clearStringFieldOlderThan(measurement: string, field: string, beforeMs: number): Promise<number> {
    let cleared = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const series = await this.influx.query(
        `SELECT ${ident(field)} FROM ${ident(measurement)} WHERE time < ${timeMs(beforeMs)} AND ${ident(field)} != '' GROUP BY * LIMIT ${CHUNK} SLIMIT 100`,
        'rfc3339',
      );
      const points: Point[] = [];
      for (const s of series)
        for (const row of s.values) {
          if (typeof row[1] !== 'string') continue;
          points.push({
            measurement,
            tags: s.tags ?? {},
            fields: { [field]: '' },
            ...rfc3339Time(row[0]),
          });
        }
      if (points.length === 0) break;
      await this.influx.write(points);
      cleared += points.length;
    }
    return cleared;
  }

  async pointsWithField(match: FieldMatch, options: { limit: number; afterNs?: string }): Promise<Point[]> {
    const after = options.afterNs === undefined ? '' : ` AND time > ${nsLiteral(options.afterNs)}`;
    const series = await this.influx.query(
      `SELECT * FROM ${ident(match.measurement)} WHERE "tenant" = ${literal(match.tenant)} AND ${ident(match.field)} = ${literal(match.value)}${after} GROUP BY * ORDER BY time ASC LIMIT ${Math.floor(options.limit) + 1}`,
      'rfc3339',
    );
    const points: Point[] = [];
    for (const s of series)
      for (const row of s.values) {
        const fields: Record<string, FieldValue> = {};
        s.columns.forEach((column, i) => {
          const value = row[i];
          if (i > 0 && value !== null && value !== undefined) fields[column] = value as FieldValue;
        });
        points.push({ measurement: match.measurement, tags: s.tags ?? {}, fields, ...rfc3339Time(row[0]) });
      }
    points.sort((a, b) => {
      const d = pointNs(a) - pointNs(b);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    });
    return pageAtTimeBoundary(points, options.limit);
  }

  async deletePointsWithField(match: FieldMatch): Promise<number> {
    let deleted = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const points = await this.pointsWithField(match, { limit: CHUNK });
      if (points.length === 0) break;
      const statements = points.map((p) => {
        const tags = Object.entries(p.tags).map(([k, v]) => `${ident(k)} = ${literal(v)}`);
        const ns = pointNs(p).toString();
        return `DELETE FROM ${ident(match.measurement)} WHERE ${[...tags, `time >= ${ns}`, `time <= ${ns}`].join(' AND ')}`;
      });
      await this.influx.command(statements.join('; '));
      deleted += points.length;
    }
    return deleted;
  }
}

function nsLiteral(text: string): string {
  if (!/^\d{1,19}$/.test(text))
    throw new GreenopsError('BAD_REQUEST', `"${text}" is not a time in epoch nanoseconds`, {
      field: 'after',
    });
  return text;
}

/** `2026-01-05T10:00:00.123456789Z` → epoch ms and the nanoseconds below them. */
export function rfc3339Time(value: unknown): { timeMs: number; nanos: number } {
  const match = typeof value === 'string' ? /^(.+T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(value) : null;
  if (!match)
    throw new GreenopsError(
      'STORE_FAILED',
      `InfluxDB answered a time that is not RFC 3339: ${String(value)}`,
    );
  const fraction = (match[2] ?? '').padEnd(9, '0');
  return {
    timeMs: Date.parse(`${match[1]}Z`) + Number(fraction.slice(0, 3)),
    nanos: Number(fraction.slice(3)),
  };
}
