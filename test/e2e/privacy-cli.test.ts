import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordAuditLog } from '../../access/index.js';
import type { Point } from '../../core/index.js';
import { pseudonymDigest } from '../../models/index.js';
import { DuckDbDatabase, DuckDbStore, PgliteRecordStore } from '../../store/index.js';
import { runCli } from '../harness/cli-process.js';

const DRIVER = 'a1b2c3d4e5f60718';
const OTHER = 'ffffeeeeddddcccc';

describe('greenops privacy and transparency commands on a data folder', () => {
  let dir: string;
  const run = async (...args: string[]) => {
    const p = runCli(args, {
      GREENOPS_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      GREENOPS_ORGANISATION: 'Aarhus Kommune',
    });
    const code = await p.exited;
    return { code, output: p.output() };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenops-privacy-'));
    const db = await DuckDbDatabase.open(join(dir, 'greenops.duckdb'));
    const store = await DuckDbStore.create(db);
    const t0 = Date.now() - 3_600_000;
    const sample = (i: number, driver: string, tenant = 'aarhus'): Point => ({
      measurement: 'fleet',
      tags: { tenant, device: 'van-7', powertrain: 'bev' },
      fields: { lat: 56.15 + i / 1000, lon: 10.2, speed_kmh: 30 + i, ignition: true, driver },
      timeMs: t0 + i * 10_000,
    });
    await store.write(
      [0, 1, 2].map((i) => sample(i, DRIVER)).concat(sample(3, OTHER), sample(4, DRIVER, 'odense')),
    );
    await db.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("exports a driver's samples, erases them, and keeps only a digest of the pseudonym in the audit trail", async () => {
    const out = join(dir, 'export.json');
    const exported = await run('privacy', 'export', '--driver', DRIVER, '--tenant', 'aarhus', '--out', out);
    expect(exported.code, exported.output).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      count: number;
      samples: Record<string, unknown>[];
    };
    expect(doc.count).toBe(3);
    expect(doc.samples[0]).toMatchObject({ vehicle: 'van-7', driver: DRIVER, lat: 56.15, speed_kmh: 30 });

    const erased = await run('privacy', 'erase', '--driver', DRIVER, '--tenant', 'aarhus');
    expect(erased.code, erased.output).toBe(0);
    expect(JSON.parse(erased.output.trim().split('\n').at(-1) as string)).toMatchObject({ erased: 3 });

    const again = await run('privacy', 'export', '--driver', DRIVER, '--tenant', 'aarhus');
    expect(JSON.parse(again.output)).toMatchObject({ count: 0 });
    // Another tenant's driver with the same pseudonym and another driver stay.
    const odense = await run('privacy', 'export', '--driver', DRIVER, '--tenant', 'odense');
    expect(JSON.parse(odense.output)).toMatchObject({ count: 1 });

    // The records store the commands migrated and wrote, opened as the next process would.
    const records = await PgliteRecordStore.open(join(dir, 'records'));
    try {
      const trail = await new RecordAuditLog(records).list({ action: 'privacy', limit: 10 });
      expect(trail.map((e) => e.action)).toEqual([
        'privacy.export',
        'privacy.export',
        'privacy.erase',
        'privacy.export',
      ]);
      expect(trail.every((e) => e.object.id === pseudonymDigest(DRIVER))).toBe(true);
      expect(JSON.stringify(trail)).not.toContain(DRIVER);
    } finally {
      await records.close();
    }
  }, 120_000);

  it('refuses what is not a pseudonym, naming the flag', async () => {
    const bad = await run('privacy', 'erase', '--driver', 'Jens Hansen');
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('driver: "Jens Hansen" is not a driver pseudonym');
  });

  it('exports the register documents from the cards', async () => {
    const res = await run('transparency', 'export', '--format', 'ai-landkort', '--tenant', 'aarhus');
    expect(res.code, res.output).toBe(0);
    const doc = JSON.parse(res.output) as { projekter: { kommune: string; status: string }[] };
    expect(doc.projekter).toHaveLength(7);
    expect(doc.projekter[0]).toMatchObject({ kommune: 'Aarhus Kommune', status: 'Under udvikling' });
    const bad = await run('transparency', 'export', '--format', 'pdf');
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--format: "pdf" is not one of ai-landkort, nl-register, atrs');
  }, 60_000);
});
