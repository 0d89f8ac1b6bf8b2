import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/index.js';
import {
  CO2_MEASUREMENT,
  CORPUS_CATEGORIES,
  CORPUS_VERSION,
  ClassifierStore,
  DEFAULT_FACTOR_TABLE,
  INVOICE_MIGRATIONS,
  InvoiceAccounts,
  buildCorpus,
  trainClassifier,
} from '../../models/index.js';
import { InfluxStore, PgliteRecordStore, migrate } from '../../store/index.js';
import { requireServer } from '../harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../harness/influxd.js';

const CSV = `supplier,supplier_id,date,description,quantity,unit,amount,currency,unspsc
Q8 Danmark,DK11111111,2026-03-10,Diesel til materiel,500,LTR,7000,DKK,15101505
Kontorhuset ApS,DK22222222,2026-03-12,Kontorstole,4,EA,12000,DKK,44111500
`;

describe.runIf(requireServer('influxd'))(
  'invoice CO2 series on a real InfluxDB (the production store)',
  () => {
    let server: InfluxServer;
    let store: InfluxStore;
    let records: PgliteRecordStore;
    const dir = mkdtempSync(join(tmpdir(), 'greenops-co2-influx-'));
    const accounts = () =>
      new InvoiceAccounts({
        records,
        classifiers: new ClassifierStore(join(dir, 'models')),
        table: DEFAULT_FACTOR_TABLE,
        store,
        logger: createMemoryLogger().logger,
      });
    const cell = async (category: string, scope: string) =>
      (
        await store.querySeries({
          measurement: CO2_MEASUREMENT,
          tenant: 'aarhus',
          field: 'kg_co2e',
          tags: { device: category, scope },
          fromMs: Date.UTC(2026, 2, 1),
          toMs: Date.UTC(2026, 2, 2),
        })
      )[0]?.value;

    beforeAll(async () => {
      records = await PgliteRecordStore.open('memory://');
      await migrate(records, [INVOICE_MIGRATIONS]);
      server = await startInfluxd('co2');
      store = await InfluxStore.connect({
        url: server.url,
        database: 'co2',
        logger: createMemoryLogger().logger,
      });
      // Every line here carries UNSPSC, so a small classifier is enough and the suite need not train a full one.
      const { train } = buildCorpus();
      const small = train.filter((_, i) => i % 10 === 0);
      const meta = { corpusVersion: CORPUS_VERSION, corrections: 0 };
      new ClassifierStore(join(dir, 'models')).save(
        'aarhus',
        await trainClassifier(small, CORPUS_CATEGORIES, meta, [], { epochs: 1 }),
      );
    }, 60_000);

    afterAll(async () => {
      await server?.destroy();
      await records?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes the monthly cells, and after a restart zeroes the cell a correction emptied', async () => {
      const first = accounts();
      const { lines } = await first.upload('aarhus', [{ name: 'march.csv', text: CSV }]);
      expect(lines.map((l) => [l.category, l.scope])).toEqual([
        ['diesel', 1],
        ['office_supplies', 3],
      ]);
      expect(await cell('diesel', '1')).toBeCloseTo(lines[0]!.kgCo2e!, 6);
      expect(await cell('office_supplies', '3')).toBeCloseTo(lines[1]!.kgCo2e!, 6);

      const restarted = accounts();
      const corrected = await restarted.correct('aarhus', lines[1]!.id, 'furniture', 'maja');
      expect(corrected).toMatchObject({ category: 'furniture', classification: { by: 'review' } });
      expect(await cell('office_supplies', '3')).toBe(0);
      expect(await cell('furniture', '3')).toBeCloseTo(corrected!.kgCo2e!, 6);
      expect(await cell('diesel', '1')).toBeCloseTo(lines[0]!.kgCo2e!, 6);
    });
  },
);
