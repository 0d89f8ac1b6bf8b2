import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GreenopsError, retentionRules } from '../../core/index.js';
import { FileModelRegistry } from '../energy/registry.js';
import { TransparencyService } from './transparency-service.js';

describe('the outputs a person can decide on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-oversight-outputs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A trained version as the registry stores it on disk (only its number matters here).
  mkdirSync(join(dir, 'aarhus', 'v1'), { recursive: true });
  writeFileSync(join(dir, 'aarhus', 'v1', 'card.json'), JSON.stringify({ version: 1, tenant: 'aarhus' }));
  const svc = new TransparencyService({
    energyModels: new FileModelRegistry(dir),
    grid: { kgPerKwh: 0.12, source: 'test' },
    organisation: undefined,
    contact: undefined,
    retention: retentionRules(),
  });
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GreenopsError);
    return { status: (err as GreenopsError).status, field: (err as GreenopsError).field };
  };

  it('accepts a trained energy version, as v1 or 1, and records it as its version', async () => {
    expect(await svc.decisionVersion('aarhus', 'energy-forecaster', 'v1', undefined)).toBe('v1');
    expect(await svc.decisionVersion('aarhus', 'energy-towt', '1', 'v1')).toBe('v1');
  });

  it('refuses versions that were never trained, another tenant’s, a wrong version and the seasonal rule', async () => {
    expect(await refusal(svc.decisionVersion('aarhus', 'energy-forecaster', 'v999-fake', undefined))).toEqual(
      {
        status: 404,
        field: 'outputId',
      },
    );
    expect(await refusal(svc.decisionVersion('odense', 'energy-forecaster', 'v1', undefined))).toEqual({
      status: 404,
      field: 'outputId',
    });
    expect(await refusal(svc.decisionVersion('aarhus', 'energy-forecaster', 'v1', 'v2'))).toEqual({
      status: 422,
      field: 'version',
    });
    expect(await refusal(svc.decisionVersion('aarhus', 'energy-seasonal-naive', 'v1', undefined))).toEqual({
      status: 422,
      field: 'id',
    });
    // Without a store there are no detections, counts or vehicles to decide on.
    for (const id of ['road-damage-detector', 'traffic-aadt', 'fleet-planner'] as const)
      expect(await refusal(svc.decisionVersion('aarhus', id, 'x/2026', undefined))).toEqual({
        status: 404,
        field: 'outputId',
      });
  });
});
