import { mkdtempSync, rmSync } from 'node:fs';
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
