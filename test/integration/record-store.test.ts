import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { PgliteRecordStore, PostgresRecordStore } from '../../store/index.js';
import { recordStoreContract } from '../contract/record-store.contract.js';
import { requireServer } from '../harness/debian-packages.js';
import { startPostgres, type PostgresServer } from '../harness/postgres.js';

recordStoreContract('PGlite in memory', async () => {
  const store = await PgliteRecordStore.open('memory://');
  return { store, close: () => store.close() };
});

recordStoreContract(
  'PGlite in a folder',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-records-'));
    const store = await PgliteRecordStore.open(dir);
    return {
      store,
      openAgain: () => PgliteRecordStore.open(dir),
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { durable: true },
);

describe.runIf(requireServer('postgres'))('PostgreSQL records store against a real postgres', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  recordStoreContract(
    'PostgreSQL 15',
    async () => {
      const url = await server.newDatabase();
      const store = await PostgresRecordStore.connect({ url });
      return {
        store,
        openAgain: () => PostgresRecordStore.connect({ url }),
        close: () => store.close(),
      };
    },
    { durable: true, shared: true },
  );
});
