import http from 'node:http';
import https from 'node:https';
import {
  InfluxDB,
  HttpError,
  RequestTimedOutError,
  canRetryHttpCall,
  type Transport,
} from '@influxdata/influxdb-client';
import { GreenopsError, errorMessage, queryTooLarge, type Logger, type Point } from '../../core/index.js';
import type {
  DeviceSummary,
  LatestQuery,
  SeriesQuery,
  FieldsQuery,
  FieldsRow,
  FieldColumns,
  ScanFieldsQuery,
  SeriesRow,
  TimeSeriesStore,
} from '../time-series-store.js';
import { ident, literal, timeMs } from './influxql.js';
import { LineProtocolEncoder } from './line-protocol.js';
import { MsgpackScanDecoder } from './msgpack-scan.js';

export interface InfluxSettings {
  url: string;
  /** `v2` writes to /api/v2/write (InfluxDB 1.8+, 2.x, 3.x); `v1` to /write (1.x, and 2.x through DBRP); `auto` asks /ping. */
  api?: 'auto' | 'v1' | 'v2';
  token?: string | undefined;
  org?: string | undefined;
  bucket?: string | undefined;
  database?: string | undefined;
  retentionPolicy?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  timeoutMs?: number;
  /** Short in-adapter retries for blips; longer outages are the ingest's to ride out. */
  maxRetries?: number;
  /**
   * Largest request body of a write; a larger write goes as several requests, in order (default 8 MiB). influxd
   * 1.x refuses a body over its max-body-size (25,000,000 bytes by default) with a 413 that no retry mends.
   */
  maxBodyBytes?: number;
  /** Rows per chunk of a scan (scanFields), asked of influxd and handed on; default 10,000. */
  scanChunkRows?: number;
  /**
   * The answer asked of influxd for a scan: `msgpack` (default; InfluxDB 1.4+, decoded straight into numbers) or
   * `json`. A server that answers JSON to a MessagePack request is read as JSON all the same.
   */
  scanFormat?: 'msgpack' | 'json';
  /**
   * Queries a scan runs side by side, each for its share of the devices; default 2 (a 200-vehicle year from
   * influxd 1.6 on two cores: 67 s with 2, 100 s with 1; BENCHMARKS.md).
   */
  scanQueries?: number;
  logger: Logger;
}

type Defaulted = 'api' | 'timeoutMs' | 'maxRetries' | 'maxBodyBytes';
type ResolvedSettings = InfluxSettings & Required<Pick<InfluxSettings, Defaulted>>;

export const DEFAULT_INFLUX_SETTINGS: Required<Pick<InfluxSettings, Defaulted>> = {
  api: 'auto',
  timeoutMs: 10_000,
  maxRetries: 3,
  // Well under influxd 1.x's default max-body-size of 25,000,000 bytes.
  maxBodyBytes: 8 * 1024 * 1024,
};

interface Target {
  writePath: string;
  db: string;
  rp: string | undefined;
  version: string;
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

type Headers = Record<string, string>;

/**
 * TimeSeriesStore on InfluxDB. Writes are line protocol (nanosecond precision, so point identity matches the
 * DuckDB adapter); queries are InfluxQL over the v1-compatible /query endpoint, so one query text runs on
 * InfluxDB 1.x, 2.x (token auth, DBRP mapping of the bucket) and 3.x.
 */
export class InfluxStore implements TimeSeriesStore {
  readonly kind = 'influx';
  private readonly encoder = new LineProtocolEncoder();
  private readonly writer: LineWriter;

  private constructor(
    private readonly transport: Transport,
    private readonly headers: Headers,
    private readonly target: Target,
    private readonly settings: ResolvedSettings,
  ) {
    this.writer = new LineWriter(settings, headers, target.writePath);
  }

  /** Connects (asking /ping which API the server speaks when `api` is auto) and creates a 1.x database if missing. */
  static async connect(options: InfluxSettings): Promise<InfluxStore> {
    const settings: ResolvedSettings = { ...DEFAULT_INFLUX_SETTINGS, ...options };
    const transport = new InfluxDB({
      url: settings.url,
      timeout: settings.timeoutMs,
      ...(settings.token ? { token: settings.token } : {}),
    }).transport;
    const headers: Headers = {};
    if (!settings.token && settings.username) {
      headers.authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password ?? ''}`).toString('base64')}`;
    }
    const version = await ping(settings.url, headers, settings.token, settings.timeoutMs);
    const api = settings.api === 'auto' ? (/^v?[23]/.test(version) ? 'v2' : 'v1') : settings.api;
    const target = resolveTarget(settings, api, version);
    const store = new InfluxStore(transport, headers, target, settings);
    if (api === 'v1' && settings.database) await store.ensureDatabase();
    settings.logger.info(
      { url: settings.url, version, api, db: target.db, rp: target.rp },
      'connected to InfluxDB',
    );
    return store;
  }

  get serverVersion(): string {
    return this.target.version;
  }

  /**
   * Line protocol encoded straight to bytes and POSTed by a lean node:http(s) request of our own (see LineWriter):
   * together a fraction of the CPU per point of lines joined into a string and sent by the client library.
   */
  async write(points: readonly Point[]): Promise<void> {
    if (points.length === 0) return;
    let body: Buffer;
    try {
      body = this.encoder.encode(points);
    } catch (err) {
      throw new GreenopsError('STORE_FAILED', `cannot write to InfluxDB: ${errorMessage(err)}`, {
        cause: err,
        retryable: false,
      });
    }
    // A batch of large points (dead letters keep up to 64 kB of payload each) can pass influxd's body limit: it goes
    // in parts by count, each encoded again and split further if still too large (a single point goes as it is).
    if (body.length > this.settings.maxBodyBytes && points.length > 1) {
      const parts = Math.ceil(body.length / this.settings.maxBodyBytes);
      const size = Math.ceil(points.length / parts);
      for (let i = 0; i < points.length; i += size) await this.write(points.slice(i, i + size));
      return;
    }
    await this.withRetries(`write of ${points.length} points`, () => this.writer.post(body));
  }

  async querySeries(q: SeriesQuery): Promise<SeriesRow[]> {
    const field = ident(q.field);
    const select = q.everyMs === undefined ? field : `${q.fn ?? 'mean'}(${field})`;
    let text = `SELECT ${select} FROM ${ident(q.measurement)} WHERE ${this.where(q.tenant, q.tags ?? {})} AND time >= ${timeMs(q.fromMs)} AND time < ${timeMs(q.toMs)}`;
    if (q.everyMs !== undefined) text += ` GROUP BY time(${timeMs(q.everyMs)}) fill(none)`;
    text += ` ORDER BY time ASC LIMIT ${q.limit ?? 10_000}`;
    const [series] = await this.query(text, 'ms', q.timeoutMs);
    return (series?.values ?? []).map((row) => ({
      timeMs: row[0] as number,
      value: (row[1] ?? null) as SeriesRow['value'],
    }));
  }

  async queryFields(q: FieldsQuery): Promise<FieldsRow[]> {
    if (q.fields.length === 0) return [];
    const text = `SELECT ${q.fields.map(ident).join(', ')} FROM ${ident(q.measurement)} WHERE ${this.where(q.tenant, q.tags ?? {})} AND time >= ${timeMs(q.fromMs)} AND time < ${timeMs(q.toMs)} ORDER BY time ASC LIMIT ${q.limit ?? 10_000}`;
    const [series] = await this.query(text, 'ms', q.timeoutMs);
    const out: FieldsRow[] = [];
    for (const row of series?.values ?? []) {
      const timeMs = row[0] as number;
      const values = row.slice(1).map((v) => (v ?? null) as FieldsRow['values'][number]);
      const last = out.at(-1);
      // Points of several series at one time come as rows of their own: merged, as on DuckDB.
      if (last && last.timeMs === timeMs) values.forEach((v, i) => v !== null && (last.values[i] = v));
      else out.push({ timeMs, values });
    }
    return out;
  }

  /**
   * The devices in `scanQueries` groups (default 2), one InfluxQL query per group run side by side (influxd answers
   * each on a core of its own), each grouped by device and answered in chunks (`chunked=true`): the responses are
   * read and decoded piece by piece as they stream in, so neither influxd's answer nor ours is ever held whole. The
   * answer is MessagePack (decoded straight into the columns, no object per row) unless `scanFormat` is `json` or
   * the server answers JSON. Each device's rows come in time order; chunks of the groups interleave. Points of
   * several series at one time (rows of their own in InfluxQL) merge, across chunk boundaries too.
   */
  async scanFields(q: ScanFieldsQuery, visit: (chunk: FieldColumns) => void): Promise<number> {
    if (q.fields.length === 0 || q.devices.length === 0 || q.toMs <= q.fromMs) return 0;
    const index = new Map(q.devices.map((d, i) => [d, i]));
    const names = [...index.keys()];
    const groups = Math.max(1, Math.min(names.length, Math.floor(this.settings.scanQueries ?? SCAN_QUERIES)));
    const deadline = q.timeoutMs === undefined ? undefined : AbortSignal.timeout(q.timeoutMs);
    // One group failing ends the others' requests.
    const failed = new AbortController();
    const signal = deadline ? AbortSignal.any([deadline, failed.signal]) : failed.signal;
    const size = Math.ceil(names.length / groups);
    try {
      const counts = await Promise.all(
        Array.from({ length: groups }, (_, g) =>
          this.scanGroup(q, names.slice(g * size, (g + 1) * size), index, signal, visit).catch(
            (err: unknown) => {
              failed.abort();
              throw err;
            },
          ),
        ),
      );
      return counts.reduce((a, b) => a + b, 0);
    } catch (err) {
      if (deadline?.aborted) throw queryTooLarge(q.timeoutMs as number, err);
      throw toStoreError('scan', err, isRetryable(err));
    }
  }

  /** One query of a scan: the given devices, their rows to `visit` chunk by chunk. */
  private async scanGroup(
    q: ScanFieldsQuery,
    names: readonly string[],
    index: ReadonlyMap<string, number>,
    signal: AbortSignal,
    visit: (chunk: FieldColumns) => void,
  ): Promise<number> {
    if (names.length === 0) return 0;
    const chunkRows = Math.max(2, Math.floor(this.settings.scanChunkRows ?? SCAN_CHUNK_ROWS));
    const devices = names.map((d) => `"device" = ${literal(d)}`).join(' OR ');
    const text = `SELECT ${q.fields.map(ident).join(', ')} FROM ${ident(q.measurement)} WHERE ${this.where(q.tenant, {})} AND (${devices}) AND time >= ${timeMs(q.fromMs)} AND time < ${timeMs(q.toMs)} GROUP BY "device" ORDER BY time ASC`;
    const params = new URLSearchParams({
      db: this.target.db,
      q: text,
      epoch: 'ms',
      chunked: 'true',
      chunk_size: String(chunkRows),
    });
    if (this.target.rp) params.set('rp', this.target.rp);
    const out = new ColumnBuilder(q.fields.length, chunkRows);
    let rows = 0;
    const flush = (keepLast: boolean) => {
      const n = keepLast ? out.length - 1 : out.length;
      if (n <= 0) return;
      visit(out.view(n));
      rows += n;
      out.shift(n);
    };
    const msgpack = (this.settings.scanFormat ?? 'msgpack') === 'msgpack';
    const decoder = new MsgpackScanDecoder(
      index,
      q.fields.length,
      (device, t, values) => {
        if (out.length >= out.capacity) flush(true);
        out.addValues(device, t, values);
      },
      ` (query: ${text})`,
    );
    const json = new JsonLines((line) => {
      const body = JSON.parse(line) as {
        results?: { error?: string; series?: InfluxSeries[] }[];
        error?: string;
      };
      const result = body.results?.[0];
      const error = body.error ?? result?.error;
      if (error) throw new GreenopsError('STORE_FAILED', `InfluxQL error: ${error} (query: ${text})`);
      for (const series of result?.series ?? []) {
        const device = index.get(series.tags?.device ?? '');
        if (device === undefined) continue;
        for (const row of series.values) {
          if (out.length >= out.capacity) flush(true);
          out.add(device, row);
        }
      }
    });
    // MessagePack's top level is a map (0x80–0x8f, 0xde, 0xdf); JSON's starts with `{` (0x7b).
    let format: 'msgpack' | 'json' | undefined;
    for await (const bytes of this.transport.iterate(`/query?${params}`, '', {
      method: 'GET',
      headers: { ...this.headers, ...(msgpack ? { accept: 'application/x-msgpack' } : {}) },
      signal,
    })) {
      if (bytes.length === 0) continue;
      format ??= msgpack && bytes[0] !== 0x7b ? 'msgpack' : 'json';
      if (format === 'msgpack') decoder.push(bytes);
      else json.push(bytes);
    }
    if (format === 'msgpack') decoder.end();
    else json.end();
    flush(false);
    return rows;
  }

  async listDevices(
    measurement: string,
    tenant: string,
    tags: Record<string, string> = {},
  ): Promise<DeviceSummary[]> {
    const from = `FROM ${ident(measurement)} WHERE ${this.where(tenant, tags)}`;
    // A point's field set can vary (e.g. optional fields), so the record count is the largest per-field count:
    // exact whenever one field is in every point, as in all four streams.
    const counts = await this.query(`SELECT count(*) ${from} GROUP BY "device"`);
    const lasts = await this.query(`SELECT * ${from} GROUP BY "device" ORDER BY time DESC LIMIT 1`);
    const lastByDevice = new Map(lasts.map((s) => [s.tags?.device ?? '', s.values[0]?.[0] as number]));
    return counts
      .map((s) => ({
        device: s.tags?.device ?? '',
        lastSeenMs: lastByDevice.get(s.tags?.device ?? '') ?? 0,
        records: Math.max(
          0,
          ...((s.values[0] ?? []).slice(1) as number[]).filter((n) => typeof n === 'number'),
        ),
      }))
      .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
  }

  /**
   * From the series index (SHOW TAG VALUES), not the points: instant however many points there are, and so without
   * a time range. A device whose points have all passed retention may be listed until its series are dropped.
   */
  async listDeviceNames(
    measurement: string,
    tenant: string,
    tags: Record<string, string> = {},
  ): Promise<string[]> {
    const [series] = await this.query(
      `SHOW TAG VALUES FROM ${ident(measurement)} WITH KEY = "device" WHERE ${this.where(tenant, tags)}`,
    );
    return [...new Set((series?.values ?? []).map((row) => String(row[1])))].sort();
  }

  async listTenants(measurement: string): Promise<string[]> {
    const [series] = await this.query(`SHOW TAG VALUES FROM ${ident(measurement)} WITH KEY = "tenant"`);
    return (series?.values ?? []).map((row) => String(row[1])).sort();
  }

  async latest(q: LatestQuery): Promise<SeriesRow | undefined> {
    const text = `SELECT ${ident(q.field)} FROM ${ident(q.measurement)} WHERE ${this.where(q.tenant, q.tags)} AND time < ${timeMs(q.beforeMs)} ORDER BY time DESC LIMIT 1`;
    const [series] = await this.query(text);
    const row = series?.values[0];
    return row ? { timeMs: row[0] as number, value: (row[1] ?? null) as SeriesRow['value'] } : undefined;
  }

  async ping(): Promise<void> {
    await ping(this.settings.url, this.headers, this.settings.token, this.settings.timeoutMs);
  }

  async close(): Promise<void> {
    // HTTP only: the writes' idle keep-alive connections are all there is to let go (a later write opens anew).
    this.writer.close();
  }

  /** Runs InfluxQL on the v1-compatible /query endpoint; an error in the result is thrown, not returned. */
  /** `rfc3339` answers times as RFC 3339 text, the only form that keeps nanoseconds exact in JSON. */
  async query(
    text: string,
    epoch: 'ms' | 'u' | 'rfc3339' = 'ms',
    timeoutMs?: number,
  ): Promise<InfluxSeries[]> {
    const params = new URLSearchParams({ db: this.target.db, q: text });
    if (epoch !== 'rfc3339') params.set('epoch', epoch);
    if (this.target.rp) params.set('rp', this.target.rp);
    // Closing the request makes influxd kill the query; a query past its time is not retried.
    const deadline = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const request = () =>
      this.transport.request(`/query?${params}`, null, {
        method: 'GET',
        headers: this.headers,
        ...(deadline ? { signal: deadline } : {}),
      });
    const body = (await (deadline
      ? request().catch((err: unknown) => {
          if (deadline.aborted) throw queryTooLarge(timeoutMs as number, err);
          throw toStoreError('query', err, isRetryable(err));
        })
      : this.withRetries('query', request))) as {
      results?: { error?: string; series?: InfluxSeries[] }[];
      error?: string;
    };
    const result = body.results?.[0];
    const error = body.error ?? result?.error;
    if (error) throw new GreenopsError('STORE_FAILED', `InfluxQL error: ${error} (query: ${text})`);
    return result?.series ?? [];
  }

  /** Runs InfluxQL that changes data (DELETE, CREATE …): InfluxDB 1.x accepts those only by POST. */
  async command(text: string): Promise<void> {
    const params = new URLSearchParams({ db: this.target.db, q: text });
    if (this.target.rp) params.set('rp', this.target.rp);
    const body = (await this.withRetries('command', () =>
      this.transport.request(`/query?${params}`, '', { method: 'POST', headers: this.headers }),
    )) as { results?: { error?: string }[]; error?: string };
    const error = body.error ?? body.results?.find((r) => r.error)?.error;
    if (error) throw new GreenopsError('STORE_FAILED', `InfluxQL error: ${error} (statement: ${text})`);
  }

  private where(tenant: string, tags: Record<string, string>): string {
    const parts = [`"tenant" = ${literal(tenant)}`];
    for (const [key, value] of Object.entries(tags)) parts.push(`${ident(key)} = ${literal(value)}`);
    return parts.join(' AND ');
  }

  private async ensureDatabase(): Promise<void> {
    const params = new URLSearchParams({ q: `CREATE DATABASE ${ident(this.target.db)}` });
    try {
      await this.transport.request(`/query?${params}`, '', { method: 'POST', headers: this.headers });
    } catch (err) {
      this.settings.logger.warn(
        { err: errorMessage(err), db: this.target.db },
        'could not create the database; assuming it exists',
      );
    }
  }

  private async withRetries<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const retryable = isRetryable(err);
        if (!retryable || attempt >= this.settings.maxRetries) throw toStoreError(what, err, retryable);
        const delay = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random());
        this.settings.logger.debug(
          { err: errorMessage(err), attempt, delay },
          `InfluxDB ${what} failed; retrying`,
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}

/**
 * The write request, without the client library's transport: node:http (or node:https, as the URL says) with a
 * keep-alive agent of its own, the body a prebuilt Buffer with its content-length. The same request as the
 * transport's otherwise: the URL's path as a prefix (but a trailing /api/v2, which the transport drops too),
 * `Authorization: Token …` when a token is set (else the Basic header from user and password, if any), the same
 * timeout (no socket activity for timeoutMs: RequestTimedOutError), and a non-2xx answer rejected as the library's
 * HttpError made as its transport makes it (body cut at 1,000 chars unless JSON, or influxd's X-Influxdb-Error
 * header when the body is empty), so `isRetryable` and `toStoreError` read it exactly as before. Network errors
 * are passed on as they come, retryable as before. (The User-Agent is `greenops`, no longer the library's.)
 */
class LineWriter {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly options: http.RequestOptions;
  private readonly headers: http.OutgoingHttpHeaders;

  constructor(settings: ResolvedSettings, headers: Headers, writePath: string) {
    const url = new URL(settings.url);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:')
      throw new GreenopsError('INVALID_CONFIG', `unsupported protocol in the InfluxDB URL: ${settings.url}`);
    // Idle connections closed after a few seconds (as Node's global agent does), before a server or proxy might.
    const agentOptions = { keepAlive: true, timeout: 5000, scheduling: 'lifo' as const };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
    let prefix = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    if (prefix.endsWith('/api/v2')) prefix = '';
    this.options = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      path: prefix + writePath,
      method: 'POST',
      agent: this.agent,
      timeout: settings.timeoutMs,
    };
    this.headers = {
      ...headers,
      ...(settings.token ? { authorization: `Token ${settings.token}` } : {}),
      'content-type': 'text/plain; charset=utf-8',
      'user-agent': 'greenops',
    };
  }

  post(body: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const req = this.request(
        { ...this.options, headers: { ...this.headers, 'content-length': body.length } },
        (res) => {
          const status = res.statusCode ?? 600;
          res.on('error', reject);
          if (status < 300) {
            res.on('end', () => resolve());
            res.resume();
            return;
          }
          const json = String(res.headers['content-type']).startsWith('application/json');
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length <= 1000 || json) text += chunk;
            if (!json && text.length > 1000) text = text.slice(0, 1000);
          });
          res.on('end', () => {
            const header = res.headers['x-influxdb-error'];
            if (text === '' && header) text = String(header);
            reject(
              new HttpError(
                status,
                res.statusMessage,
                text,
                res.headers['retry-after'],
                res.headers['content-type'],
                undefined,
                res.headers,
              ),
            );
          });
        },
      );
      req.on('timeout', () => req.destroy(new RequestTimedOutError()));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Rows per chunk asked of influxd and handed to a scan's visitor. */
const SCAN_CHUNK_ROWS = 10_000;
/** Queries a scan runs side by side. */
const SCAN_QUERIES = 2;

/**
 * A scan's rows column-wise, merging a row into the one before when it has the same device and time (points of
 * several series at one time). Numbers as they are, booleans 1 or 0, anything else NaN.
 */
class ColumnBuilder {
  length = 0;
  readonly device: Float64Array;
  readonly timeMs: Float64Array;
  readonly columns: Float64Array[];

  constructor(
    width: number,
    readonly capacity: number,
  ) {
    this.device = new Float64Array(capacity);
    this.timeMs = new Float64Array(capacity);
    this.columns = Array.from({ length: width }, () => new Float64Array(capacity));
  }

  add(device: number, row: unknown[]): void {
    const t = row[0] as number;
    const last = this.length - 1;
    const merge = last >= 0 && this.device[last] === device && this.timeMs[last] === t;
    const k = merge ? last : this.length++;
    this.device[k] = device;
    this.timeMs[k] = t;
    for (let j = 0; j < this.columns.length; j++) {
      const v = row[j + 1];
      const column = this.columns[j] as Float64Array;
      if (typeof v === 'number') column[k] = v;
      else if (typeof v === 'boolean') column[k] = v ? 1 : 0;
      else if (!merge) column[k] = Number.NaN;
    }
  }

  /** A row whose missing values are NaN (a number InfluxDB cannot store). */
  addValues(device: number, t: number, values: Float64Array): void {
    const last = this.length - 1;
    const merge = last >= 0 && this.device[last] === device && this.timeMs[last] === t;
    const k = merge ? last : this.length++;
    this.device[k] = device;
    this.timeMs[k] = t;
    const columns = this.columns;
    for (let j = 0; j < columns.length; j++) {
      const v = values[j] as number;
      if (!merge || v === v) (columns[j] as Float64Array)[k] = v;
    }
  }

  view(n: number): FieldColumns {
    return {
      length: n,
      device: this.device.subarray(0, n),
      timeMs: this.timeMs.subarray(0, n),
      columns: this.columns.map((c) => c.subarray(0, n)),
    };
  }

  /** Drops the first n rows, moving the rest to the front. */
  shift(n: number): void {
    this.device.copyWithin(0, n, this.length);
    this.timeMs.copyWithin(0, n, this.length);
    for (const c of this.columns) c.copyWithin(0, n, this.length);
    this.length -= n;
  }
}

/** Newline-delimited JSON (a chunked answer's messages) arriving in pieces, a line at a time to `take`. */
class JsonLines {
  private readonly decoder = new TextDecoder();
  private pending = '';

  constructor(private readonly take: (line: string) => void) {}

  push(bytes: Uint8Array): void {
    this.pending += this.decoder.decode(bytes, { stream: true });
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      if (line.trim() !== '') this.take(line);
      newline = this.pending.indexOf('\n');
    }
  }

  end(): void {
    this.pending += this.decoder.decode();
    if (this.pending.trim() !== '') this.take(this.pending);
    this.pending = '';
  }
}

/**
 * 400 (bad line protocol, field type conflict, partial write) and 413 will fail the same way again: not
 * retryable. Everything else (network, timeouts, 5xx, 429, and auth or missing-database errors that an operator
 * fixes) is worth retrying rather than losing data.
 */
function isRetryable(err: unknown): boolean {
  if (err instanceof HttpError) return err.statusCode !== 400 && err.statusCode !== 413;
  return canRetryHttpCall(err) || !(err instanceof GreenopsError);
}

function toStoreError(what: string, err: unknown, retryable: boolean): GreenopsError {
  if (err instanceof GreenopsError) return err;
  const detail =
    err instanceof HttpError ? `HTTP ${err.statusCode}: ${httpErrorText(err)}` : errorMessage(err);
  return new GreenopsError(
    retryable ? 'STORE_UNAVAILABLE' : 'STORE_FAILED',
    `InfluxDB ${what} failed: ${detail}`,
    { cause: err, retryable },
  );
}

/** An HTTP error's text; a MessagePack body (a scan's) is binary, and influxd repeats its error in a header. */
function httpErrorText(err: HttpError): string {
  const header = err.headers?.['x-influxdb-error'];
  if (String(err.contentType).includes('msgpack') && header) return String(header);
  return err.body ?? err.message;
}

function resolveTarget(s: InfluxSettings, api: 'v1' | 'v2', version: string): Target {
  if (api === 'v2' && s.bucket) {
    if (!s.org && !/^v?3/.test(version))
      throw new GreenopsError('INVALID_CONFIG', 'INFLUX_ORG is required with INFLUX_BUCKET on InfluxDB 2.x');
    const params = new URLSearchParams({ bucket: s.bucket, precision: 'ns' });
    if (s.org) params.set('org', s.org);
    return { writePath: `/api/v2/write?${params}`, db: s.bucket, rp: undefined, version };
  }
  // v1: a bucket given as "database/retention-policy" (the 1.8+ convention) is split.
  const [db, rp] = s.database ? [s.database, s.retentionPolicy] : (s.bucket ?? '').split('/', 2);
  if (!db) throw new GreenopsError('INVALID_CONFIG', 'INFLUX_DATABASE (or INFLUX_BUCKET) is required');
  const params = new URLSearchParams({ db, precision: 'ns' });
  if (rp) params.set('rp', rp);
  return { writePath: `/write?${params}`, db, rp: rp || undefined, version };
}

async function ping(
  url: string,
  headers: Headers,
  token: string | undefined,
  timeoutMs: number,
): Promise<string> {
  try {
    const res = await fetch(new URL('/ping', url), {
      headers: { ...headers, ...(token ? { authorization: `Token ${token}` } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 204 && res.status !== 200) throw new Error(`/ping answered HTTP ${res.status}`);
    return res.headers.get('x-influxdb-version') ?? 'unknown';
  } catch (err) {
    throw new GreenopsError(
      'STORE_UNAVAILABLE',
      `InfluxDB at ${url} is not reachable: ${errorMessage(err)}`,
      { cause: err, retryable: true },
    );
  }
}
