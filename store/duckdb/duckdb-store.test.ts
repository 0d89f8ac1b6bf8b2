import { mkdtempSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeSeriesStoreContract } from '../../test/contract/time-series-store.contract.js';
import { deadLetterStoreContract } from '../../test/contract/dead-letter-store.contract.js';
import { DuckDbDeadLetterStore } from './duckdb-dead-letter-store.js';
import { DuckDbDatabase } from './duckdb-database.js';
import { DuckDbStore } from './duckdb-store.js';

timeSeriesStoreContract('DuckDB file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-duckdb-'));
  const db = await DuckDbDatabase.open(join(dir, 'contract.duckdb'));
  const store = await DuckDbStore.create(db);
  return {
    store,
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('DuckDB device names in a period', () => {
  it('lists only the devices with points in the range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-duckdb-names-'));
    const db = await DuckDbDatabase.open(join(dir, 'names.duckdb'));
    try {
      const store = await DuckDbStore.create(db);
      const T0 = Date.UTC(2026, 0, 5);
      const point = (device: string, timeMs: number) => ({
        measurement: 'fleet',
        tags: { tenant: 't', device },
        fields: { speed_kmh: 1 },
        timeMs,
      });
      await store.write([
        point('early', T0),
        point('late', T0 + 86_400_000),
        point('both', T0),
        point('both', T0 + 86_400_000),
      ]);
      const day2 = { fromMs: T0 + 86_400_000, toMs: T0 + 2 * 86_400_000 };
      expect(await store.listDeviceNames('fleet', 't', {}, day2)).toEqual(['both', 'late']);
      expect(await store.listDeviceNames('fleet', 't')).toEqual(['both', 'early', 'late']);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

deadLetterStoreContract('DuckDB file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-duckdb-dl-'));
  const db = await DuckDbDatabase.open(join(dir, 'dead-letters.duckdb'));
  return {
    deadLetters: await DuckDbDeadLetterStore.create(db),
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
