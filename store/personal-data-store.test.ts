import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../core/index.js';
import { personalDataStoreContract } from '../test/contract/personal-data-store.contract.js';
import { requireServer } from '../test/harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../test/harness/influxd.js';
import { openTempDuckDb } from '../test/harness/temp-duckdb.js';
import { DuckDbPersonalData } from './duckdb/duckdb-personal-data.js';
import { InfluxPersonalData, rfc3339Time } from './influx/influx-personal-data.js';
import { InfluxStore } from './influx/influx-store.js';
import { pageAtTimeBoundary } from './personal-data-store.js';
import { parseSeriesKey, seriesKey } from './series-key.js';

personalDataStoreContract('DuckDB', async () => {
  const db = await openTempDuckDb();
  return {
    store: db.store,
    personal: new DuckDbPersonalData(db.db),
    close: async () => {
      await db.close();
      db.remove();
    },
  };
});

describe.runIf(requireServer('influxd'))('PersonalDataStore on a real influxd', () => {
  let server: InfluxServer;
  beforeAll(async () => {
    server = await startInfluxd('greenops_personal');
  });
  afterAll(() => server?.destroy());
  personalDataStoreContract('InfluxDB 1.x', async () => {
    const store = await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
    });
    return { store, personal: new InfluxPersonalData(store), close: async () => undefined };
  });
});

describe('store helpers for data-subject requests', () => {
  it('reads back every tag set the series key writes, escapes included', () => {
    const cases: Record<string, string>[] = [{}, { a: '1' }, { site: 'x,y=z\\w', quantity: 'electricity' }];
    for (const tags of cases) expect(parseSeriesKey(seriesKey(tags))).toEqual(tags);
  });

  it('keeps nanoseconds of an RFC 3339 time', () => {
    expect(rfc3339Time('2026-01-05T10:00:00.123456789Z')).toEqual({
      timeMs: Date.UTC(2026, 0, 5, 10) + 123,
      nanos: 456_789,
    });
    expect(rfc3339Time('2026-01-05T10:00:00Z')).toEqual({ timeMs: Date.UTC(2026, 0, 5, 10), nanos: 0 });
  });

  it('cuts a page only where the time changes', () => {
    const at = (timeMs: number) => ({ measurement: 'm', tags: {}, fields: {}, timeMs });
    const times = (ps: { timeMs: number }[]) => ps.map((p) => p.timeMs);
    expect(times(pageAtTimeBoundary([at(1), at(2), at(2), at(3)], 2))).toEqual([1]);
    expect(times(pageAtTimeBoundary([at(2), at(2), at(2), at(3)], 2))).toEqual([2, 2, 2]);
    expect(times(pageAtTimeBoundary([at(1), at(2), at(3)], 2))).toEqual([1, 2]);
  });
});
