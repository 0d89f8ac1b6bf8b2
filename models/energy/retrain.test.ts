import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleEnergyCsv } from '../../cli/index.js';
import { STREAMS, type EnergyRecord, type Point } from '../../core/index.js';
import { openTempDuckDb, type TempDuckDb } from '../../test/harness/temp-duckdb.js';
import { FileModelRegistry } from './registry.js';
import { createMemoryLogger } from '../../core/index.js';
import { EnergyRetrainer, retrainTenant, writeForecasts } from './retrain.js';

const HOUR = 3_600_000;

/** 60 days of three generated meters of a tenant, as ingest stores them. */
function meterPoints(tenant: string, now: number): Point[] {
  const points: Point[] = [];
  for (const line of sampleEnergyCsv(3, 60, 6, now - 60 * 86_400_000)
    .trim()
    .split('\n')
    .slice(1)) {
    const [ts, meter, kwh, temp] = line.split(',') as [string, string, string, string];
    const record = {
      id: `${meter}-${ts}`,
      ts,
      meterId: meter,
      siteId: 's',
      quantity: 'electricity',
      unit: 'kWh',
      kind: 'interval',
      value: Number(kwh),
      outdoorTempC: Number(temp),
    } as EnergyRecord;
    points.push(
      ...STREAMS.energy.toPoints(record as never, { tenant, deviceId: meter, timeMs: Date.parse(ts) }),
    );
  }
  return points;
}

describe('retraining from the store (worker thread) and forecasts written back', () => {
  let db: TempDuckDb | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await db?.close();
    db?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('trains off the main thread, registers the version, and writes tomorrow’s energy_forecast points for a live model', async () => {
    db = await openTempDuckDb();
    dir = mkdtempSync(join(tmpdir(), 'greenops-retrain-'));
    const now = Math.floor(Date.now() / HOUR) * HOUR;
    await db.store.write(meterPoints('demo', now));
    const registry = new FileModelRegistry(dir);

    let lastEpoch = 0;
    const result = await retrainTenant({
      store: db.store,
      registry,
      tenant: 'demo',
      days: 60,
      holdoutDays: 30,
      epochs: 4,
      nowMs: now,
      onProgress: (e) => (lastEpoch = e),
    });
    if ('skipped' in result) throw new Error(result.skipped);
    expect(lastEpoch).toBe(4);
    expect(result.card).toMatchObject({ version: 1, tenant: 'demo' });
    expect(result.card.meters).toHaveLength(3);
    // Every version is live with the gate's plan: each meter served by its own recent backtest, with the reason.
    expect(result.card.gate.perMeter?.map((m) => m.meter).sort()).toEqual([...result.card.meters].sort());
    expect(result.card.gate.perMeter?.every((m) => m.reason.length > 0)).toBe(true);
    expect(registry.current('demo')).toMatchObject({ live: true, card: { version: 1 } });
    // Each meter's linear reference and TOWT, fitted on all the data, are stored with the version and served.
    expect(result.card.referencesFittedUntil).toBe(result.card.backtestUntil);
    expect(Object.keys(registry.references('demo', 1)?.meters ?? {}).sort()).toEqual(
      [...result.card.meters].sort(),
    );
    const { logger, lines } = createMemoryLogger();
    expect(await writeForecasts(db.store, registry, 'demo', now, logger)).toBe(72);
    const refitting = () => lines().filter((l) => String(l.msg).includes('no stored linear reference'));
    expect(refitting()).toHaveLength(0);

    // Make the trained network the live one (as a passing gate would) and write its forecasts.
    registry.save(
      { ...result.card, gate: { serve: 'neural', neuralPassed: true, reasons: ['test'] } },
      registry.artifacts('demo', 1),
    );
    expect(await writeForecasts(db.store, registry, 'demo', now)).toBe(72);
    const tomorrow = Math.ceil(now / 86_400_000) * 86_400_000;
    const rows = await db.store.querySeries({
      measurement: 'energy_forecast',
      tenant: 'demo',
      field: 'p50',
      tags: { device: result.card.meters[0]! },
      fromMs: tomorrow,
      toMs: tomorrow + 86_400_000,
    });
    expect(rows).toHaveLength(24);
    expect(rows.every((r) => typeof r.value === 'number' && Number.isFinite(r.value))).toBe(true);
    // Written twice (versions 1 and 2): the second overwrote the first, and says which model made it.
    const models = await db.store.querySeries({
      measurement: 'energy_forecast',
      tenant: 'demo',
      field: 'model',
      tags: { device: result.card.meters[0]! },
      fromMs: tomorrow,
      toMs: tomorrow + 86_400_000,
    });
    expect(models.map((r) => r.value)).toEqual(new Array(24).fill('neural'));

    // A linear-served version stored before the closed-form fits were (none stored): refitted, said once.
    registry.save(
      { ...result.card, gate: { serve: 'linear', neuralPassed: false, reasons: ['test'] } },
      registry.artifacts('demo', 1),
      true,
    );
    expect(registry.references('demo', 3)).toBeUndefined();
    expect(await writeForecasts(db.store, registry, 'demo', now, logger)).toBe(72);
    expect(refitting()).toHaveLength(1);
    expect(refitting()[0]).toMatchObject({ tenant: 'demo', version: 3 });
  }, 60_000);

  it('retrains every tenant with meters on the schedule, one at a time, not only the configured one', async () => {
    db = await openTempDuckDb();
    dir = mkdtempSync(join(tmpdir(), 'greenops-retrain-'));
    const now = Math.floor(Date.now() / HOUR) * HOUR;
    await db.store.write([...meterPoints('aarhus', now), ...meterPoints('odense', now)]);
    const registry = new FileModelRegistry(dir);
    const { logger, lines } = createMemoryLogger();
    const retrainer = new EnergyRetrainer({ store: db.store, registry, everyHours: 168, logger });
    const first = retrainer.runTenant('aarhus', { days: 60, holdoutDays: 30, epochs: 2 });
    const second = retrainer.runTenant('odense', { days: 60, holdoutDays: 30, epochs: 2 });
    expect(retrainer.pending).toBe(2);
    await Promise.all([first, second]);
    expect(retrainer.pending).toBe(0);
    expect(registry.current('aarhus')?.card.tenant).toBe('aarhus');
    expect(registry.current('odense')?.card.tenant).toBe('odense');
    // The trainings ran one after the other: the second started after the first was done.
    const steps = lines()
      .filter((r) => r.msg === 'energy training started' || r.msg === 'energy model retrained')
      .map((r) => `${String(r.msg)} ${String(r.tenant)}`);
    expect(steps).toEqual([
      'energy training started aarhus',
      'energy model retrained aarhus',
      'energy training started odense',
      'energy model retrained odense',
    ]);
    expect(await db.store.listTenants('energy')).toEqual(['aarhus', 'odense']);
  }, 120_000);
});
