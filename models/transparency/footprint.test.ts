import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { footprintOf, readRapl, startUsage, type PowerModel, type WorkUsage } from './footprint.js';

const MODEL: PowerModel = { cpuTdpWatts: 80, cores: 8, memoryWattsPerGb: 0.375, raplDir: '/nonexistent' };

const usage = (over: Partial<WorkUsage>): WorkUsage => ({
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T01:00:00.000Z',
  cpuSeconds: 3600,
  wallSeconds: 3600,
  rssBytes: 0,
  raplJoules: undefined,
  machineCpuSeconds: undefined,
  ...over,
});

describe('the AI footprint (CodeCarbon method)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('charges a core-hour at the TDP shared per core when RAPL cannot be read', () => {
    // 80 W over 8 cores: one core busy for an hour is 10 Wh.
    const f = footprintOf(usage({}), MODEL, 0.12);
    expect(f).toMatchObject({ method: 'tdp' });
    expect(f.kwh).toBeCloseTo(0.01, 12);
    expect(f.co2eKg).toBeCloseTo(0.0012, 12);
  });

  it('adds memory at 0.375 W per GB resident over the wall time', () => {
    const f = footprintOf(usage({ cpuSeconds: 0, rssBytes: 8e9 }), MODEL, 1);
    expect(f.kwh).toBeCloseTo(0.003, 12);
  });

  it("shares measured package energy out by the process's part of the machine's CPU time", () => {
    // 36 kJ (10 Wh) for the package, of which this process used a quarter of the CPU time.
    const f = footprintOf(
      usage({ cpuSeconds: 900, raplJoules: 36_000, machineCpuSeconds: 3600 }),
      MODEL,
      0.1,
    );
    expect(f.method).toBe('rapl');
    expect(f.kwh).toBeCloseTo(0.0025, 12);
  });

  it('reads RAPL package counters and says when there are none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-rapl-'));
    dirs.push(dir);
    expect(readRapl(dir)).toBeUndefined();
    mkdirSync(join(dir, 'intel-rapl:0'));
    writeFileSync(join(dir, 'intel-rapl:0', 'energy_uj'), '123456\n');
    writeFileSync(join(dir, 'intel-rapl:0', 'max_energy_range_uj'), '262143328850\n');
    expect(readRapl(dir)).toEqual([{ microjoules: 123_456, range: 262_143_328_850 }]);
    expect(readRapl(join(dir, 'missing'))).toBeUndefined();
  });

  it('measures the CPU time this process spends', () => {
    const meter = startUsage({ raplDir: '/nonexistent' });
    let x = 0;
    for (let i = 0; i < 5e6; i++) x += Math.sqrt(i);
    const used = meter.stop();
    expect(x).toBeGreaterThan(0);
    expect(used.cpuSeconds).toBeGreaterThan(0);
    expect(used.rssBytes).toBeGreaterThan(0);
    expect(Date.parse(used.endedAt)).toBeGreaterThanOrEqual(Date.parse(used.startedAt));
  });
});
