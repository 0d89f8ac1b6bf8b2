import { GreenopsError, type Point } from '../../core/index.js';
import type {
  DeadLetter,
  DeadLetterInput,
  DeadLetterPage,
  DeadLetterQuery,
  DeadLetterStore,
} from '../dead-letter-store.js';
import type { InfluxStore } from './influx-store.js';
import { literal } from './influxql.js';

const MEASUREMENT = 'dead_letters';
/** InfluxDB 1.x caps a string field at 64 KiB; payloads are base64 in chunks below that. */
const CHUNK_CHARS = 60_000;

/**
 * Dead letters in InfluxDB, so that separate ingest and API processes share them. An entry's id is its time in
 * microseconds (unique and increasing per process); the raw payload is kept whole as base64 in chunk fields
 * `payload_0`, `payload_1`, …; tenant and stream are tags, so listings can filter on them.
 */
export class InfluxDeadLetterStore implements DeadLetterStore {
  private lastId = 0;

  constructor(private readonly influx: InfluxStore) {}

  async add(entries: readonly DeadLetterInput[]): Promise<void> {
    const points: Point[] = entries.map((e) => {
      const id = Math.max(e.receivedMs * 1000, this.lastId + 1);
      this.lastId = id;
      const base64 = Buffer.from(e.payload).toString('base64');
      const fields: Point['fields'] = {
        topic: e.topic,
        reason: e.reason,
        size: e.payload.byteLength,
        chunks: Math.ceil(base64.length / CHUNK_CHARS),
      };
      for (let i = 0; i * CHUNK_CHARS < base64.length; i++)
        fields[`payload_${i}`] = base64.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
      const tags: Record<string, string> = {};
      if (e.tenant) tags.tenant = e.tenant;
      if (e.stream) tags.stream = e.stream;
      return {
        measurement: MEASUREMENT,
        tags,
        fields,
        timeMs: Math.floor(id / 1000),
        nanos: (id % 1000) * 1000,
      };
    });
    await this.influx.write(points);
  }

  async list(q: DeadLetterQuery): Promise<DeadLetterPage> {
    const filters: string[] = [];
    if (q.tenant !== undefined) filters.push(`"tenant" = ${literal(q.tenant)}`);
    if (q.stream !== undefined) filters.push(`"stream" = ${literal(q.stream)}`);
    const scope = filters.length ? ` WHERE ${filters.join(' AND ')}` : '';
    const page = q.before === undefined ? filters : [...filters, `time < ${micros(q.before)}u`];
    const pageWhere = page.length ? ` WHERE ${page.join(' AND ')}` : '';
    const [count] = await this.influx.query(`SELECT count("reason") FROM ${MEASUREMENT}${scope}`, 'u');
    const [series] = await this.influx.query(
      `SELECT * FROM ${MEASUREMENT}${pageWhere} ORDER BY time DESC LIMIT ${q.limit + 1}`,
      'u',
    );
    const rows = series ? series.values.map((v) => toDeadLetter(series.columns, v)) : [];
    const items = rows.slice(0, q.limit);
    return {
      items,
      total: Number(count?.values[0]?.[1] ?? 0),
      nextBefore: rows.length > q.limit ? (items.at(-1)?.id ?? null) : null,
    };
  }

  async get(id: number): Promise<DeadLetter | undefined> {
    const [series] = await this.influx.query(`SELECT * FROM ${MEASUREMENT} WHERE time = ${micros(id)}u`, 'u');
    const row = series?.values[0];
    return series && row ? toDeadLetter(series.columns, row) : undefined;
  }

  async delete(ids: readonly number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 100) {
      await this.influx.command(
        ids
          .slice(i, i + 100)
          .map((id) => `DELETE FROM ${MEASUREMENT} WHERE time = ${micros(id)}u`)
          .join('; '),
      );
    }
  }

  async reasons(q: Pick<DeadLetterQuery, 'tenant' | 'stream'>): Promise<{ reason: string; count: number }[]> {
    const filters: string[] = [];
    if (q.tenant !== undefined) filters.push(`"tenant" = ${literal(q.tenant)}`);
    if (q.stream !== undefined) filters.push(`"stream" = ${literal(q.stream)}`);
    const [series] = await this.influx.query(
      `SELECT "reason" FROM ${MEASUREMENT}${filters.length ? ` WHERE ${filters.join(' AND ')}` : ''}`,
      'u',
    );
    const counts = new Map<string, number>();
    for (const row of series?.values ?? []) counts.set(String(row[1]), (counts.get(String(row[1])) ?? 0) + 1);
    return [...counts].map(([reason, count]) => ({ reason, count }));
  }

  async close(): Promise<void> {}
}

function micros(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0)
    throw new GreenopsError('BAD_REQUEST', `"${id}" is not a dead-letter id`, { field: 'id' });
  return id;
}

function toDeadLetter(columns: string[], values: unknown[]): DeadLetter {
  const row = Object.fromEntries(columns.map((c, i) => [c, values[i]])) as Record<string, unknown>;
  let base64 = '';
  for (let i = 0; i < Number(row.chunks ?? 0); i++) base64 += (row[`payload_${i}`] as string | null) ?? '';
  const payload = new Uint8Array(Buffer.from(base64, 'base64'));
  const id = row.time as number;
  return {
    id,
    receivedMs: Math.floor(id / 1000),
    topic: String(row.topic),
    tenant: (row.tenant as string | null) ?? null,
    stream: (row.stream as string | null) ?? null,
    reason: String(row.reason),
    payload,
    size: payload.byteLength,
  };
}
