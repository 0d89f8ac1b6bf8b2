import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/index.js';
import { driverDeadLetters, eraseDriverDeadLetters } from '../../models/index.js';
import { InfluxDeadLetterStore, InfluxStore, type DeadLetterStore } from '../../store/index.js';
import { requireServer } from '../harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../harness/influxd.js';
import { openTempDuckDb } from '../harness/temp-duckdb.js';

const DRIVER = 'a1b2c3d4e5f60718';
const OTHER = 'ffffeeeeddddcccc';
const NOW = Date.now();

/** Refused messages: the driver's in the tenant, upper-cased, without a tenant, in another tenant, and another's. */
const refused = [
  { tenant: 'aarhus', payload: `{"id":"f1","driverId":"${DRIVER}","speedKmh":"fast"}` },
  { tenant: 'aarhus', payload: `{"id":"f2","driverId":"${DRIVER.toUpperCase()}"}` },
  { tenant: undefined, payload: `not json but ${DRIVER}` },
  { tenant: 'odense', payload: `{"id":"f4","driverId":"${DRIVER}"}` },
  { tenant: 'aarhus', payload: `{"id":"f5","driverId":"${OTHER}"}` },
].map((r, i) => ({
  receivedMs: NOW - (i + 1) * 60_000,
  topic: `greenops/v1/${r.tenant ?? '-'}/fleet/van-${i}`,
  tenant: r.tenant,
  stream: r.tenant ? 'fleet' : undefined,
  reason: `refused ${i}`,
  payload: Buffer.from(r.payload),
}));

function suite(name: string, open: () => Promise<{ deadLetters: DeadLetterStore; close(): Promise<void> }>) {
  describe(`a driver's refused messages on ${name}`, () => {
    let t: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      t = await open();
      await t.deadLetters.add(refused);
    });
    afterAll(() => t?.close());

    it('are found by pseudonym in the tenant (and where no tenant was named), then erased, leaving the rest', async () => {
      const found = [];
      for await (const page of driverDeadLetters(t.deadLetters, 'aarhus', DRIVER)) found.push(...page);
      expect(found.map((d) => d.reason).sort()).toEqual(['refused 0', 'refused 1', 'refused 2']);
      expect(await eraseDriverDeadLetters(t.deadLetters, 'aarhus', DRIVER)).toBe(3);
      const left = await t.deadLetters.list({ limit: 10 });
      expect(left.items.map((d) => d.reason).sort()).toEqual(['refused 3', 'refused 4']);
      expect(await eraseDriverDeadLetters(t.deadLetters, 'aarhus', DRIVER)).toBe(0);
    });
  });
}

suite('DuckDB', async () => {
  const db = await openTempDuckDb();
  return {
    deadLetters: db.deadLetters,
    close: async () => {
      await db.close();
      db.remove();
    },
  };
});

describe.runIf(requireServer('influxd'))('on a real influxd', () => {
  let server: InfluxServer;
  beforeAll(async () => {
    server = await startInfluxd('greenops_privacy');
  });
  afterAll(() => server?.destroy());
  suite('InfluxDB 1.x', async () => {
    const store = await InfluxStore.connect({
      url: server.url,
      database: server.database,
      logger: createMemoryLogger().logger,
    });
    return { deadLetters: new InfluxDeadLetterStore(store), close: async () => undefined };
  });
});
