import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, GreenopsError } from '../../core/index.js';
import { timeSeriesStoreContract } from '../../test/contract/time-series-store.contract.js';
import { deadLetterStoreContract } from '../../test/contract/dead-letter-store.contract.js';
import { InfluxDeadLetterStore } from './influx-dead-letter-store.js';
import { requireServer } from '../../test/harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../../test/harness/influxd.js';
import { InfluxStore } from './influx-store.js';

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
});
