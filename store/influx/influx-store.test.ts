import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, GreenopsError, type Point } from '../../core/index.js';
import { timeSeriesStoreContract } from '../../test/contract/time-series-store.contract.js';
import { deadLetterStoreContract } from '../../test/contract/dead-letter-store.contract.js';
import { InfluxDeadLetterStore } from './influx-dead-letter-store.js';
import { requireServer } from '../../test/harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../../test/harness/influxd.js';
import { InfluxStore } from './influx-store.js';
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
    const gone = await InfluxStore.connect({
      url: 'http://127.0.0.1:1',
      database: 'x',
      logger: createMemoryLogger().logger,
    }).catch((e: unknown) => e);
    expect((gone as GreenopsError).retryable).toBe(true);
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
