import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolCsv, poolRegisterCsv, simulatePool } from '../fixtures/fleet-pool.js';
import { runCli } from '../harness/cli-process.js';

describe('greenops fleet report as a process', () => {
  let dir: string;
  const sim = simulatePool({ vehicles: 5, days: 35, startMs: Date.UTC(2026, 0, 4, 23), seed: 5 });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'greenops-fleet-'));
    // A replay export without the odometer: kilometres come from the GPS path.
    writeFileSync(
      join(dir, 'tracks.csv'),
      poolCsv(sim, { odometer: false }) + 'not-a-time,vehicle-001,ice,car,56,10,0,true,,,,\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the whole report as JSON, with the fields the README documents', async () => {
    const cli = runCli([
      'fleet',
      'report',
      '--input',
      join(dir, 'tracks.csv'),
      '--json',
      '--ev-model',
      'mid-van-75',
    ]);
    // One line of the file is refused (below): the report covers the rest and the exit code says so.
    expect(await cli.exited).toBe(1);
    const text = cli.output();
    const report = JSON.parse(text.slice(text.indexOf('{'))) as {
      totals: { vehicles: number; trips: number; km: number; fuelL: number; kwh: number; kgCo2e: number };
      vehicles: unknown[];
      trips: { distanceSource: string }[];
      evSuitability: { evModel: string }[];
      rightSizing: { site: string }[];
      linesRefused: number;
    };
    expect(Object.keys(report.totals).sort()).toEqual(['fuelL', 'kgCo2e', 'km', 'kwh', 'trips', 'vehicles']);
    expect(report.totals.vehicles).toBe(5);
    const truthKm = sim.truthTrips.reduce((s, t) => s + t.km, 0);
    expect(Math.abs(report.totals.km - truthKm) / truthKm).toBeLessThan(0.02);
    expect(report.trips.every((t) => t.distanceSource === 'gps')).toBe(true);
    expect(report.evSuitability.length).toBeGreaterThan(0);
    expect(report.evSuitability.every((e) => e.evModel === 'mid-van-75')).toBe(true);
    expect(report.rightSizing.map((r) => r.site)).toEqual(['site-1']);
    expect(report.linesRefused).toBe(1);
    expect(text).toMatch(/tracks\.csv:\d+: timestamp: "not-a-time"/);
  }, 120_000);

  it('refuses an EV model it does not know, naming the flag and the models there are', async () => {
    const cli = runCli(['fleet', 'report', '--input', join(dir, 'tracks.csv'), '--ev-model', 'tesla']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(
      /ev-model: "tesla" is not an EV model \(models: small-van-45, mid-van-75, car-58, minibus-100\)/,
    );
  }, 120_000);

  it('costs each vehicle as its class in the register (--vehicles): a car against a small EV, a van against an e-van', async () => {
    // A stream without vehicle_class: the classes come from the register only; one line of it is bad.
    const plain = simulatePool({
      vehicles: 5,
      days: 35,
      startMs: Date.UTC(2026, 0, 4, 23),
      seed: 5,
      classTag: false,
    });
    writeFileSync(join(dir, 'plain.csv'), poolCsv(plain));
    const lines = poolRegisterCsv(plain).trimEnd().split('\n');
    const unregistered = lines.pop()?.split(',')[0] as string;
    writeFileSync(join(dir, 'vehicles.csv'), [...lines, 'vehicle-999,lorry,diesel'].join('\n') + '\n');
    const cli = runCli([
      'fleet',
      'report',
      '--input',
      join(dir, 'plain.csv'),
      '--vehicles',
      join(dir, 'vehicles.csv'),
      '--json',
    ]);
    expect(await cli.exited).toBe(1);
    const text = cli.output();
    expect(text).toContain(`vehicles.csv:${lines.length + 1}: class: "lorry" is not a vehicle class`);
    const report = JSON.parse(text.slice(text.indexOf('{'))) as {
      evModel: null | { id: string };
      evModels: { id: string; classes: string[] }[];
      vehicles: { vehicle: string; class: string; classAssumed: boolean; powertrain: string }[];
      evSuitability: { vehicle: string; class: string; evModel: string; current: { fuel: string } }[];
      linesRefused: number;
      registerLinesRefused: number;
    };
    expect(report).toMatchObject({ evModel: null, linesRefused: 0, registerLinesRefused: 1 });
    const truth = new Map(plain.truthVehicles.map((v) => [v.vehicleId, v]));
    for (const v of report.vehicles)
      expect(v).toMatchObject(
        v.vehicle === unregistered
          ? { class: 'van', classAssumed: true }
          : { class: truth.get(v.vehicle)?.vehicleClass, classAssumed: false },
      );
    const car = report.evSuitability.find((e) => e.class === 'car');
    const van = report.evSuitability.find((e) => e.class === 'van' && e.vehicle !== unregistered);
    expect(car).toMatchObject({ evModel: 'car-58', current: { fuel: 'petrol' } });
    expect(van).toMatchObject({ evModel: 'small-van-45', current: { fuel: 'diesel' } });
  }, 120_000);

  it('prints a text summary: each class once with its models, achieved beside target service, amounts with separators, warnings', async () => {
    // One van compared with a bigger EV by its register line; a register vehicle with no data.
    const van = sim.truthVehicles.find((v) => v.vehicleClass === 'van')?.vehicleId as string;
    writeFileSync(
      join(dir, 'override.csv'),
      `vehicle_id,class,fuel,ev_model\n${van},van,diesel,mid-van-75\nghost,car,petrol,\n`,
    );
    const cli = runCli([
      'fleet',
      'report',
      '--input',
      join(dir, 'tracks.csv'),
      '--vehicles',
      join(dir, 'override.csv'),
    ]);
    expect(await cli.exited).toBe(1);
    const text = cli.output();
    const heading = /EV suitability \(each class against its EV model: (.*)\)/.exec(text)?.[1] ?? '';
    const classes = heading.split('; ').map((part) => part.split(' → ')[0]);
    expect(classes).toEqual([...new Set(classes)]);
    expect(heading).toMatch(/van → (small-van-45, mid-van-75|mid-van-75, small-van-45)/);
    expect(text).toMatch(
      /site-1: \d+ → \d+ vehicles \(peak \d+; \d+\.\d % of days served, target 98\.0 %; \d+ round trips on \d+ days? unserved\)/,
    );
    const tco = text.split('\n').filter((l) => l.includes('TCO of'));
    expect(tco.length).toBeGreaterThan(0);
    for (const line of tco) expect(line).toMatch(/ years \d{1,3}(,\d{3})* DKK (lower|higher)/);
    expect(text).toContain('warning: ghost: in the vehicle register (line 3) but not seen in the data');
  }, 120_000);

  it('says in --help where classes and the register come from', async () => {
    const report = runCli(['fleet', 'report', '--help']);
    expect(await report.exited).toBe(0);
    expect(report.output().replace(/\s+/g, ' ')).toContain('vehicle_class column');
    const sample = runCli(['fleet', 'sample', '--help']);
    expect(await sample.exited).toBe(0);
    expect(sample.output().replace(/\s+/g, ' ')).toContain('vehicle register (--vehicles-out)');
  }, 120_000);

  it('refuses a register whose header is wrong, naming the file', async () => {
    writeFileSync(join(dir, 'bad-register.csv'), 'id,kind\nvehicle-001,car\n');
    const cli = runCli([
      'fleet',
      'report',
      '--input',
      join(dir, 'tracks.csv'),
      '--vehicles',
      join(dir, 'bad-register.csv'),
    ]);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(
      /bad-register\.csv:1: unknown column\(s\) id, kind; missing column\(s\) vehicle_id, class/,
    );
  }, 120_000);
});
