import { GreenopsError, type Point } from '../../core/index.js';
import {
  uniqueDeadLetters,
  type DeadLetter,
  type DeadLetterInput,
  type DeadLetterPage,
  type DeadLetterQuery,
  type DeadLetterStore,
} from '../dead-letter-store.js';
import type { InfluxStore } from './influx-store.js';
import { literal } from './influxql.js';

const MEASUREMENT = 'dead_letters';
/** InfluxDB 1.x caps a string field at 64 KiB; payloads are base64 in chunks below that. */
const CHUNK_CHARS = 60_000;

/** Ids looked up per query when checking which entries are stored already. */
const KEYS_PER_QUERY = 50;

/**
 * Dead letters in InfluxDB, so that separate ingest and API processes share them. An entry's time is its receive
 * time in microseconds (unique and increasing per process), which orders listings and is the page cursor; its id
 * (from topic and payload) is the string field `key`, and an entry whose key is stored already is not written
 * again. The keys stored are read once, on the first write, and then kept in memory with their times (an ingest
 * worker writing beside another may, rarely, store a message both received; the API's reads look up keys they
 * do not know). The stored payload (at most STORED_PAYLOAD_BYTES) is base64 in chunk fields `payload_0`, `payload_1`, …;
 * tenant and stream are tags, so listings can filter on them. Entries from before keys were recorded have their
 * time as id.
 */
export class InfluxDeadLetterStore implements DeadLetterStore {
  private lastTime = 0;
  /** Id → time of the entries this process knows are stored; loaded on the first write. */
  private known: Promise<Map<number, number>> | undefined;

  constructor(private readonly influx: InfluxStore) {}

  async add(entries: readonly DeadLetterInput[]): Promise<void> {
    const unique = uniqueDeadLetters(entries);
    const known = await this.knownKeys();
    const fresh = unique.filter((e) => !known.has(e.stored.id));
    const points: Point[] = fresh.map((e) => {
      const id = Math.max(e.receivedMs * 1000, this.lastTime + 1);
      this.lastTime = id;
      const base64 = Buffer.from(e.stored.payload).toString('base64');
      const fields: Point['fields'] = {
        key: String(e.stored.id),
        topic: e.topic,
        reason: e.reason,
        size: e.stored.size,
        sha256: e.stored.sha256,
        truncated: e.stored.truncated,
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
    if (points.length === 0) return;
    await this.influx.write(points);
    points.forEach((p, i) =>
      known.set((fresh[i] as (typeof fresh)[number]).stored.id, p.timeMs * 1000 + (p.nanos ?? 0) / 1000),
    );
  }

  private knownKeys(): Promise<Map<number, number>> {
    if (!this.known) {
      const loading = this.influx
        .query(`SELECT "key", "reason" FROM ${MEASUREMENT}`, 'u')
        .then(([series]) => {
          const known = new Map<number, number>();
          for (const row of series?.values ?? [])
            if (row[1] != null) known.set(Number(row[1]), row[0] as number);
          return known;
        });
      // A failed load is tried again on the next write.
      loading.catch(() => {
        if (this.known === loading) this.known = undefined;
      });
      this.known = loading;
    }
    return this.known;
  }

  /** The time of each stored entry among `ids` (by key, or by time for entries without one). */
  private async timesOf(ids: readonly number[]): Promise<Map<number, number>> {
    const times = new Map<number, number>();
    const known = this.known ? await this.known.catch(() => undefined) : undefined;
    const unknown: number[] = [];
    for (const id of ids) {
      const time = known?.get(id);
      if (time === undefined) unknown.push(id);
      else times.set(id, time);
    }
    for (let i = 0; i < unknown.length; i += KEYS_PER_QUERY) {
      const part = unknown.slice(i, i + KEYS_PER_QUERY);
      const [series] = await this.influx.query(
        `SELECT "key", "reason" FROM ${MEASUREMENT} WHERE ${part.map((id) => `"key" = ${literal(String(id))}`).join(' OR ')}`,
        'u',
      );
      for (const row of series?.values ?? []) times.set(Number(row[1]), row[0] as number);
    }
    return times;
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
      nextBefore:
        rows.length > q.limit ? ((series?.values[q.limit - 1]?.[0] as number | undefined) ?? null) : null,
    };
  }

  async get(id: number): Promise<DeadLetter | undefined> {
    const time = (await this.timesOf([micros(id)])).get(id) ?? id;
    const [series] = await this.influx.query(`SELECT * FROM ${MEASUREMENT} WHERE time = ${time}u`, 'u');
    const row = series?.values[0];
    const entry = series && row ? toDeadLetter(series.columns, row) : undefined;
    return entry?.id === id ? entry : undefined;
  }

  async delete(ids: readonly number[]): Promise<void> {
    const keyed = await this.timesOf(ids.map(micros));
    const times = ids.map((id) => keyed.get(id) ?? id);
    const known = this.known ? await this.known.catch(() => undefined) : undefined;
    for (const id of ids) known?.delete(id);
    for (let i = 0; i < times.length; i += 100) {
      await this.influx.command(
        times
          .slice(i, i + 100)
          .map((time) => `DELETE FROM ${MEASUREMENT} WHERE time = ${time}u`)
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
  const time = row.time as number;
  return {
    id: typeof row.key === 'string' ? Number(row.key) : time,
    receivedMs: Math.floor(time / 1000),
    topic: String(row.topic),
    tenant: (row.tenant as string | null) ?? null,
    stream: (row.stream as string | null) ?? null,
    reason: String(row.reason),
    payload,
    size: typeof row.size === 'number' ? row.size : payload.byteLength,
    sha256: typeof row.sha256 === 'string' ? row.sha256 : null,
    truncated: row.truncated === true,
  };
}
