import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, GreenopsError, type Point } from '../../core/index.js';
import { timeSeriesStoreContract } from '../../test/contract/time-series-store.contract.js';
import { deadLetterStoreContract } from '../../test/contract/dead-letter-store.contract.js';
import { InfluxDeadLetterStore } from './influx-dead-letter-store.js';
import { requireServer } from '../../test/harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../../test/harness/influxd.js';
import { InfluxStore } from './influx-store.js';
import { LineProtocolEncoder } from './line-protocol.js';
import { MsgpackScanDecoder } from './msgpack-scan.js';

const available = requireServer('influxd');

describe.runIf(available)('InfluxDB adapter against a real influxd', () => {
  let server: InfluxServer;
  beforeAll(async () => {
    server = await startInfluxd();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  timeSeriesStoreContract('InfluxDB 1.x (v1 API)', async () => ({
    store: await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
      scanChunkRows: 1000, // scans cross chunk boundaries in the contract's test
    }),
    close: async () => undefined,
  }));

  deadLetterStoreContract('InfluxDB 1.x', async () => {
    const database = 'dead_letters_test';
    await fetch(`${server.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${database}`)}`, {
      method: 'POST',
    });
    const influx = await InfluxStore.connect({
      url: server.url,
      database,
      logger: createMemoryLogger().logger,
    });
    return { deadLetters: new InfluxDeadLetterStore(influx), close: async () => undefined };
  });

  it('detects the server version from /ping and writes to /write on 1.x', async () => {
    const store = await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
    });
    expect(store.serverVersion).toMatch(/^1\./);
  });

  it('stores points that a plain InfluxQL query sees with the documented tags and fields', async () => {
    const store = await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
    });
    const t = Date.UTC(2026, 0, 5, 10);
    await store.write([
      {
        measurement: 'fleet',
        tags: { tenant: 'plain', device: 'van-1', powertrain: 'bev' },
        fields: { speed_kmh: 42, ignition: true, driver: 'abcdef0123456789' },
        timeMs: t,
      },
    ]);
    const q = encodeURIComponent(
      `SELECT speed_kmh, ignition, driver, powertrain FROM fleet WHERE tenant = 'plain'`,
    );
    const body = (await (
      await fetch(`${server.url}/query?db=${server.database}&epoch=ms&q=${q}`)
    ).json()) as { results: { series: { values: unknown[][] }[] }[] };
    expect(body.results[0]?.series[0]?.values).toEqual([[t, 42, true, 'abcdef0123456789', 'bev']]);
    const tagKeys = encodeURIComponent('SHOW TAG KEYS FROM fleet');
    const keys = (await (await fetch(`${server.url}/query?db=${server.database}&q=${tagKeys}`)).json()) as {
      results: { series: { values: string[][] }[] }[];
    };
    expect(keys.results[0]?.series[0]?.values.flat().sort()).toEqual(['device', 'powertrain', 'tenant']);
  });

  it('refuses a control character in an identifier instead of splicing it into a query', async () => {
    const store = await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
    });
    await expect(
      store.querySeries({
        measurement: 'energy',
        tenant: 'x',
        field: 'kwh',
        tags: { device: 'a\nDROP DATABASE greenops_test' },
        fromMs: 0,
        toMs: 1,
      }),
    ).rejects.toThrow(GreenopsError);
  });

  it('reports a type conflict as not retryable, and an unreachable server as retryable', async () => {
    const store = await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
    });
    const point = (value: number | string) => ({
      measurement: 'conflict',
      tags: { tenant: 't', device: 'd' },
      fields: { v: value },
      timeMs: Date.UTC(2026, 0, 1),
    });
    await store.write([point(1)]);
    const conflict = await store
      .write([{ ...point('text'), timeMs: Date.UTC(2026, 0, 2) }])
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(GreenopsError);
    expect((conflict as GreenopsError).retryable).toBe(false);
    // influxd's own words reach the message, and the cause is the client library's HttpError as before.
    expect((conflict as GreenopsError).message).toMatch(/HTTP 400: .*field type conflict/);
    expect((conflict as GreenopsError).cause).toBeInstanceOf(HttpError);
    expect(((conflict as GreenopsError).cause as HttpError).statusCode).toBe(400);
    const gone = await InfluxStore.connect({
      url: 'http://127.0.0.1:1',
      database: 'x',
      logger: createMemoryLogger().logger,
    }).catch((e: unknown) => e);
    expect((gone as GreenopsError).retryable).toBe(true);
  });
  it('writes escapes, unicode and every field type so that influxd reads back what was written', async () => {
    const store = await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
    });
    const t = Date.UTC(2026, 0, 6, 8);
    await store.write([
      {
        measurement: 'wire check',
        tags: { tenant: 'wire', device: 'måler 1,a=b', site: '' },
        fields: { n: -1.25e-7, i: 9_007_199_254_740_991, b: false, s: 'blå "ø"\nnext \\ 🚗' },
        timeMs: t,
        nanos: 999_999,
      },
      {
        measurement: 'wire check',
        tags: { tenant: 'wire', device: 'd2' },
        fields: { n: 3 },
        timeMs: t,
        nanos: 1,
      },
    ]);
    const q = encodeURIComponent(
      `SELECT n, i, b, s, device FROM "wire check" WHERE tenant = 'wire' ORDER BY time ASC`,
    );
    const body = (await (
      await fetch(`${server.url}/query?db=${server.database}&epoch=ns&q=${q}`)
    ).json()) as { results: { series: { values: unknown[][] }[] }[] };
    expect(body.results[0]?.series[0]?.values).toEqual([
      [t * 1e6 + 1, 3, null, null, null, 'd2'],
      [t * 1e6 + 999_999, -1.25e-7, 9_007_199_254_740_991, false, 'blå "ø"\nnext \\ 🚗', 'måler 1,a=b'],
    ]);
  });

  it('writes again after influxd restarts, and a write while it is down fails as retryable', async () => {
    const store = await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
      maxRetries: 0,
    });
    const point = (i: number): Point => ({
      measurement: 'restart',
      tags: { tenant: 't', device: 'd' },
      fields: { v: i },
      timeMs: Date.UTC(2026, 0, 7) + i,
    });
    await store.write([point(1)]); // a keep-alive connection now open
    await server.stop();
    const down = await store.write([point(2)]).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(GreenopsError);
    expect((down as GreenopsError).code).toBe('STORE_UNAVAILABLE');
    expect((down as GreenopsError).retryable).toBe(true);
    await server.start();
    await store.write([point(3)]);
    const missing = await InfluxStore.connect({
      url: server.url,
      database: 'no_such_database',
      api: 'v2', // no CREATE DATABASE on connect
      bucket: 'no_such_database',
      org: 'o',
      logger: createMemoryLogger().logger,
      maxRetries: 0,
    })
      .then((s) => s.write([point(4)]))
      .catch((e: unknown) => e);
    // influxd 1.6 has no /api/v2/write: a 404, retryable as any answer but 400 and 413 (an operator fixes it).
    expect((missing as GreenopsError).retryable).toBe(true);
    expect((missing as GreenopsError).message).toMatch(/HTTP 404/);
  });

  it('scans the same columns from a MessagePack answer as from a JSON one, decoded whole or a byte at a time', async () => {
    const connect = (scanFormat: 'msgpack' | 'json', scanQueries: number) =>
      InfluxStore.connect({
        url: server.url,
        database: server.database,
        logger: createMemoryLogger().logger,
        scanChunkRows: 700,
        scanFormat,
        scanQueries,
      });
    const t0 = Date.UTC(2026, 2, 2);
    const points: Point[] = [];
    for (let i = 0; i < 3000; i++)
      for (const device of ['a', 'b', 'c'])
        points.push({
          measurement: 'fleet',
          tags: { tenant: 'wire', device },
          fields: {
            lat: 55 + i / 1e4,
            speed_kmh: i % 200,
            odometer_km: -i * 1e7,
            ignition: i % 2 === 0,
            driver: i % 7 === 0 ? 'x'.repeat(40) : 'p',
          },
          timeMs: t0 + i * 1000,
        });
    const msgpackStore = await connect('msgpack', 1);
    await msgpackStore.write(points);
    const query = {
      measurement: 'fleet',
      tenant: 'wire',
      devices: ['c', 'a', 'missing'],
      fields: ['lat', 'speed_kmh', 'driver', 'odometer_km', 'ignition', 'absent'],
      fromMs: t0,
      toMs: t0 + 3000 * 1000,
    };
    const collect = async (store: InfluxStore) => {
      const rows: number[][] = [];
      const total = await store.scanFields(query, (chunk) => {
        for (let k = 0; k < chunk.length; k++)
          rows.push([
            chunk.device[k] as number,
            chunk.timeMs[k] as number,
            ...chunk.columns.map((c) => c[k] as number),
          ]);
      });
      return { total, rows };
    };
    const fromMsgpack = await collect(msgpackStore);
    const fromJson = await collect(await connect('json', 1));
    expect(fromMsgpack.total).toBe(6000);
    expect(fromMsgpack.rows).toEqual(fromJson.rows);
    // Queries side by side (one per device here): their chunks interleave, each device's rows stay in time order.
    const side = await collect(await connect('msgpack', 3));
    expect(side.total).toBe(6000);
    const byDevice = (rows: number[][]) => [0, 1].map((d) => rows.filter((r) => r[0] === d));
    expect(byDevice(side.rows)).toEqual(byDevice(fromMsgpack.rows));
    const first = fromMsgpack.rows.find((r) => r[0] === 1 && r[1] === t0 + 7000);
    expect(first).toEqual([1, t0 + 7000, 55 + 7 / 1e4, 7, Number.NaN, -7e7, 0, Number.NaN]);

    // The raw answer (several chunks), fed to the decoder whole and then split at every byte.
    const params = new URLSearchParams({
      db: server.database,
      epoch: 'ms',
      chunked: 'true',
      chunk_size: '500',
      q: `SELECT lat, speed_kmh, driver, odometer_km, ignition FROM fleet WHERE tenant = 'wire' AND time < ${t0 + 400_000}ms GROUP BY "device"`,
    });
    const res = await fetch(`${server.url}/query?${params}`, {
      headers: { accept: 'application/x-msgpack' },
    });
    expect(res.headers.get('content-type')).toBe('application/x-msgpack');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const decode = (pieces: Uint8Array[]) => {
      const rows: number[][] = [];
      const decoder = new MsgpackScanDecoder(new Map([['b', 0]]), 5, (device, t, values) =>
        rows.push([device, t, ...values]),
      );
      for (const piece of pieces) decoder.push(piece);
      decoder.end();
      return rows;
    };
    const whole = decode([bytes]);
    expect(whole).toHaveLength(400);
    expect(whole[3]).toEqual([0, t0 + 3000, 55 + 3 / 1e4, 3, Number.NaN, -3e7, 0]);
    expect(decode(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)))).toEqual(whole);
    expect(() => decode([bytes.subarray(0, bytes.length - 1)])).toThrow(/ended mid-message/);

    // Integer fields (written as such by other clients) come in every MessagePack integer width.
    const ints = [0, 5, 127, -3, -100, 200, -30_000, 70_000, -3e9, 1e12, -(2 ** 53 - 1)];
    const lines = ints.map((n, i) => `wire_ints,tenant=wire,device=b n=${n}i,f=${i}.5 ${t0 + i}000000`);
    await fetch(`${server.url}/write?db=${server.database}`, { method: 'POST', body: lines.join('\n') });
    const intParams = new URLSearchParams({
      db: server.database,
      epoch: 'ms',
      chunked: 'true',
      q: `SELECT n, f FROM wire_ints GROUP BY "device"`,
    });
    const intRes = await fetch(`${server.url}/query?${intParams}`, {
      headers: { accept: 'application/x-msgpack' },
    });
    const intBytes = new Uint8Array(await intRes.arrayBuffer());
    const intRows: number[][] = [];
    const intDecoder = new MsgpackScanDecoder(new Map([['b', 0]]), 2, (_, t, values) =>
      intRows.push([t, ...values]),
    );
    for (let i = 0; i < intBytes.length; i++) intDecoder.push(intBytes.subarray(i, i + 1));
    intDecoder.end();
    expect(intRows).toEqual(ints.map((n, i) => [t0 + i, n, i + 0.5]));
  });

  it('throws the InfluxQL error of a MessagePack answer', async () => {
    const params = new URLSearchParams({
      db: server.database,
      chunked: 'true',
      q: 'SELECT lat FROM fleet WHERE nonsense',
    });
    const res = await fetch(`${server.url}/query?${params}`, {
      headers: { accept: 'application/x-msgpack' },
    });
    const decoder = new MsgpackScanDecoder(new Map(), 1, () => undefined);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(() => decoder.push(bytes)).toThrow(/InfluxQL error: .*condition/);
  });
});

/**
 * The write request as influxd would see it, from a stand-in HTTP server (headers, path, the answer chosen per
 * test): what a real influxd 1.6 cannot show (it ignores the headers when auth is off) or be made to do (stall,
 * answer 413). Everything else of the store runs for real.
 */
describe('InfluxDB write requests', () => {
  let server: http.Server;
  let url: string;
  const seen: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let answer: (res: http.ServerResponse) => void = (res) => res.writeHead(204).end();
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        if (path.includes('/ping')) return res.writeHead(204, { 'x-influxdb-version': '1.6.7' }).end();
        if (path.includes('/query'))
          return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        seen.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        answer(res);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });
  const point: Point = {
    measurement: 'energy',
    tags: { tenant: 't', device: 'ø' },
    fields: { v: 1.5 },
    timeMs: Date.UTC(2026, 0, 1),
    nanos: 7,
  };
  const write = async (
    settings: Partial<Parameters<typeof InfluxStore.connect>[0]>,
    points: Point[] = [point, { ...point, nanos: 8 }],
  ) => {
    seen.length = 0;
    const store = await InfluxStore.connect({
      url,
      database: 'db',
      logger: createMemoryLogger().logger,
      maxRetries: 0,
      ...settings,
    });
    try {
      await store.write(points);
      return undefined;
    } catch (err) {
      return err as GreenopsError;
    } finally {
      await store.close();
    }
  };

  it('sends the body with its length, Basic auth for a v1 user and Token auth for a token, under the URL path', async () => {
    answer = (res) => res.writeHead(204).end();
    expect(await write({ username: 'u', password: 'p' })).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.path).toBe('/write?db=db&precision=ns');
    expect(seen[0]?.body).toBe(
      'energy,device=ø,tenant=t v=1.5 1767225600000000007\nenergy,device=ø,tenant=t v=1.5 1767225600000000008',
    );
    expect(seen[0]?.headers['content-length']).toBe(String(Buffer.byteLength(seen[0]?.body ?? '')));
    expect(seen[0]?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);

    expect(
      await write({ token: 's3cret', api: 'v2', bucket: 'b', org: 'o', url: `${url}/influx/` }),
    ).toBeUndefined();
    expect(seen[0]?.path).toBe('/influx/api/v2/write?bucket=b&precision=ns&org=o');
    expect(seen[0]?.headers.authorization).toBe('Token s3cret');

    expect(await write({})).toBeUndefined();
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('sends a write whose body passes maxBodyBytes as several requests under it, in order, each point once', async () => {
    answer = (res) => res.writeHead(204).end();
    const points = Array.from({ length: 100 }, (_, i) => ({
      ...point,
      fields: { v: i, text: 'x'.repeat(i % 7 === 0 ? 900 : 20) },
      nanos: i,
    }));
    expect(await write({ maxBodyBytes: 2_000 }, points)).toBeUndefined();
    const requests = [...seen];
    const whole = new LineProtocolEncoder().encode(points).toString('utf8');
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(2_000);
    expect(requests.map((r) => r.body).join('\n')).toBe(whole);
    // One point larger than the limit still goes, alone.
    expect(
      await write({ maxBodyBytes: 2_000 }, [{ ...point, fields: { text: 'y'.repeat(3_000) } }]),
    ).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen.at(-1)?.body).toContain('y'.repeat(3_000));
  });

  it('maps answers and silence to the errors of before: 400 and 413 final, 5xx and timeouts retryable', async () => {
    answer = (res) => res.writeHead(413, { 'content-type': 'text/plain' }).end('x'.repeat(5000));
    const tooLarge = await write({});
    expect(tooLarge?.retryable).toBe(false);
    expect((tooLarge?.cause as HttpError).statusCode).toBe(413);
    expect((tooLarge?.cause as HttpError).body).toBe('x'.repeat(1000)); // cut as the library's transport cuts it

    answer = (res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"unable to parse \'x\'"}');
    const bad = await write({});
    expect(bad?.retryable).toBe(false);
    expect(bad?.code).toBe('STORE_FAILED');
    expect(bad?.message).toBe(`InfluxDB write of 2 points failed: HTTP 400: {"error":"unable to parse 'x'"}`);

    answer = (res) => res.writeHead(503, { 'x-influxdb-error': 'engine overloaded' }).end();
    const busy = await write({});
    expect(busy?.retryable).toBe(true);
    expect(busy?.code).toBe('STORE_UNAVAILABLE');
    expect(busy?.message).toMatch(/HTTP 503: engine overloaded$/);

    answer = () => undefined; // never answers
    const silent = await write({ timeoutMs: 300 });
    expect(silent?.retryable).toBe(true);
    expect(silent?.cause).toBeInstanceOf(RequestTimedOutError);
  });

  it('retries a failed write on the same store, then succeeds', async () => {
    let calls = 0;
    answer = (res) => (++calls === 1 ? res.writeHead(500).end('boom') : res.writeHead(204).end());
    expect(await write({ maxRetries: 2 })).toBeUndefined();
    expect(seen).toHaveLength(2);
    expect(seen[1]?.body).toBe(seen[0]?.body);
  });
});
