import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordAuditLog } from '../../access/index.js';
import type { Point } from '../../core/index.js';
import { pseudonymDigest } from '../../models/index.js';
import { DuckDbDatabase, DuckDbDeadLetterStore, DuckDbStore, PgliteRecordStore } from '../../store/index.js';
import { runCli } from '../harness/cli-process.js';

const DRIVER = 'a1b2c3d4e5f60718';
const OTHER = 'ffffeeeeddddcccc';

describe('greenops privacy and transparency commands on a data folder', () => {
  let dir: string;
  const run = async (...args: string[]) => runWith({}, ...args);
  const runWith = async (env: Record<string, string>, ...args: string[]) => {
    const p = runCli(args, {
      GREENOPS_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      // GREENOPS_ORGANISATION names GREENOPS_TENANT; another --tenant is named by its id.
      GREENOPS_TENANT: 'aarhus',
      GREENOPS_ORGANISATION: 'Aarhus Kommune',
      GREENOPS_DEPARTMENT: 'Teknik og Miljø',
      GREENOPS_TRANSPARENCY_CONTACT: 'dpo@aarhus.example',
      ...env,
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
    // Refused fleet records keep their raw payload for 30 days: the driver's, another driver's, another tenant's.
    await (
      await DuckDbDeadLetterStore.create(db)
    ).add(
      [
        ['aarhus', DRIVER],
        ['aarhus', OTHER],
        ['odense', DRIVER],
      ].map(([tenant, driver], i) => ({
        receivedMs: t0 + i,
        topic: `greenops/v1/${tenant}/fleet/van-7`,
        tenant,
        stream: 'fleet',
        reason: 'speedKmh: must be a number',
        payload: Buffer.from(JSON.stringify({ id: `m${i}`, driverId: driver, speedKmh: 'fast' })),
      })),
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
      deadLetterCount: number;
      deadLetters: { payload: string; reason: string }[];
    };
    expect(doc.count).toBe(3);
    expect(doc.deadLetterCount).toBe(1);
    expect(JSON.parse(doc.deadLetters[0]?.payload ?? '{}')).toMatchObject({ driverId: DRIVER });
    expect(doc.samples[0]).toMatchObject({ vehicle: 'van-7', driver: DRIVER, lat: 56.15, speed_kmh: 30 });

    const erased = await run('privacy', 'erase', '--driver', DRIVER, '--tenant', 'aarhus');
    expect(erased.code, erased.output).toBe(0);
    expect(JSON.parse(erased.output.trim().split('\n').at(-1) as string)).toMatchObject({
      erased: 3,
      deadLetters: 1,
    });

    const again = await run('privacy', 'export', '--driver', DRIVER, '--tenant', 'aarhus');
    expect(JSON.parse(again.output)).toMatchObject({ count: 0, deadLetterCount: 0 });
    // Another tenant's driver with the same pseudonym and another driver stay.
    const odense = await run('privacy', 'export', '--driver', DRIVER, '--tenant', 'odense');
    expect(JSON.parse(odense.output)).toMatchObject({ count: 1, deadLetterCount: 1 });

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
    const other = await run('privacy', 'export', '--driver', OTHER, '--tenant', 'aarhus');
    expect(JSON.parse(other.output)).toMatchObject({ count: 1, deadLetterCount: 1 });
  }, 120_000);

  it('gives the DPO the pseudonym of a badge id under the key the units use', async () => {
    const keyFile = join(dir, 'pseudonym.key');
    writeFileSync(keyFile, `${'\x0b'.repeat(20)}\n`, { mode: 0o600 });
    const res = await run(
      'privacy',
      'pseudonym',
      '--badge',
      'Hi There',
      '--key-file',
      keyFile,
      '--length',
      '16',
    );
    expect(res.code, res.output).toBe(0);
    expect(res.output.trim()).toBe('b0344c61d8db3853');
    const short = await run('privacy', 'pseudonym', '--badge', 'x', '--key-file', keyFile, '--length', '8');
    expect(short.code).toBe(2);
    expect(short.output).toContain('--length: must be a whole number from 16 to 64');
  }, 60_000);

  it('refuses what is not a pseudonym, naming the flag', async () => {
    const bad = await run('privacy', 'erase', '--driver', 'Jens Hansen', '--tenant', 'aarhus');
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('driver: "Jens Hansen" is not a driver pseudonym');
  });

  it('asks for --tenant when several municipalities have fleet data, and says when the tenant has none, instead of reporting 0 found', async () => {
    // Never the shell's GREENOPS_TENANT: with two municipalities' fleets in the store, the command asks which.
    const missing = await runWith({ GREENOPS_TENANT: 'aarhus' }, 'privacy', 'export', '--driver', DRIVER);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/--tenant: several municipalities have fleet data \(aarhus, odense\)/);
    const exported = await run('privacy', 'export', '--driver', DRIVER, '--tenant', 'aarhuss');
    expect(exported.code, exported.output).toBe(0);
    expect(exported.output).toContain('warning: tenant "aarhuss" has no data in the store');
    const erased = await run('privacy', 'erase', '--driver', DRIVER, '--tenant', 'aarhuss');
    expect(erased.code).toBe(2);
    expect(erased.output).toContain('tenant "aarhuss" has no data in the store');
  }, 60_000);

  it('exports the register documents from the cards', async () => {
    const res = await run('transparency', 'export', '--format', 'ai-landkort', '--tenant', 'aarhus');
    expect(res.code, res.output).toBe(0);
    const doc = JSON.parse(res.output) as { projekter: { kommune: string; status: string }[] };
    // AI models only: the forecaster, the invoice classifier and the road detector.
    expect(doc.projekter).toHaveLength(3);
    expect(doc.projekter[0]).toMatchObject({
      kommune: 'Aarhus Kommune',
      status: 'Under udvikling',
      kontakt: 'dpo@aarhus.example',
    });
    // Without a contact the field stays empty, and the command says what to set before publishing.
    const unset = await runWith(
      { GREENOPS_TRANSPARENCY_CONTACT: '' },
      'transparency',
      'export',
      '--format',
      'atrs',
      '--tenant',
      'aarhus',
      '--out',
      join(dir, 'atrs.json'),
    );
    expect(unset.code, unset.output).toBe(0);
    // Written to a file: the command confirms where, and what.
    expect(unset.output).toContain(`atrs export of aarhus (7 entries) written to ${join(dir, 'atrs.json')}`);
    expect(JSON.parse(readFileSync(join(dir, 'atrs.json'), 'utf8'))).toHaveProperty('records');
    expect(unset.output).toContain(
      'warning: GREENOPS_TRANSPARENCY_CONTACT is not set: contact_email is empty',
    );
    expect(unset.output).toContain('warning: GREENOPS_PUBLIC_URL is not set: tier_1.website is left out');
    const refused = await runWith(
      { GREENOPS_TRANSPARENCY_CONTACT: 'demo: data protection officer' },
      'transparency',
      'export',
      '--format',
      'atrs',
    );
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('GREENOPS_TRANSPARENCY_CONTACT must be an e-mail address');
    const bad = await run('transparency', 'export', '--format', 'pdf');
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--format: "pdf" is not one of ai-landkort, nl-register, atrs');
  }, 60_000);

  it('points each command to its own route, or says it has none, beside a running greenops on the embedded stores', async () => {
    const busyDir = mkdtempSync(join(tmpdir(), 'greenops-busy-'));
    const env = {
      GREENOPS_DATA_DIR: busyDir,
      PORT: '0',
      GREENOPS_BROKER_PORT: '0',
      GREENOPS_SIMULATE: 'false',
      LOG_LEVEL: 'warn',
    };
    const api = runCli(['api'], { ...env, LOG_LEVEL: 'info' });
    try {
      await api.waitForOutput(/greenops API: (http:\/\/\S+)/, 60_000);
      const beside = async (...args: string[]) => {
        const p = runCli(args, env);
        return { code: await p.exited, output: p.output() };
      };
      const exported = await beside('transparency', 'export', '--format', 'atrs');
      expect(exported.code).toBe(2);
      expect(exported.output).toMatch(/is in use by process \d+.*GET \/api\/v1\/transparency\/export/);
      expect(exported.output).not.toContain('/api/v1/keys');
      const privacy = await beside('privacy', 'export', '--driver', DRIVER, '--tenant', 'aarhus');
      expect(privacy.code).toBe(2);
      expect(privacy.output).toContain('privacy export and erase have no API route');
      const retention = await beside('retention', 'run');
      expect(retention.code).toBe(2);
      expect(retention.output).toContain('leave retention to it');
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
      rmSync(busyDir, { recursive: true, force: true });
    }
  }, 180_000);
});
