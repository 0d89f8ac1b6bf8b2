import { describe, expect, it } from 'vitest';
import { decodeMessage, formatTopic, STREAM_NAMES } from '../../core/index.js';
import { createSimulators } from './create-simulators.js';
import { occupancyAt } from './energy.js';
import type { StreamSimulator } from './simulator.js';

const START = Date.UTC(2026, 2, 2, 0, 0); // Monday 2 March 2026
const DAY = 86_400_000;

/** Runs a simulator over simulated time, like the runner does when back-filling. */
function drain(
  sim: StreamSimulator,
  untilMs: number,
): { deviceId: string; records: Record<string, unknown>[] }[] {
  const out = [];
  for (;;) {
    let device = -1;
    let best = Infinity;
    sim.deviceIds.forEach((_, i) => {
      if (sim.nextTime(i) < best) [best, device] = [sim.nextTime(i), i];
    });
    if (best > untilMs) return out;
    out.push({ deviceId: sim.deviceIds[device] as string, records: sim.emit(device) });
  }
}

describe('simulators', () => {
  for (const stream of STREAM_NAMES) {
    it(`never stamp a ${stream} record later than the simulated clock that emits it`, () => {
      const [sim] = createSimulators(stream, { devices: 3, seed: 11, startMs: START });
      let checked = 0;
      for (let n = 0; n < 5000; n++) {
        const device = n % sim!.deviceIds.length;
        const clock = sim!.nextTime(device);
        for (const record of sim!.emit(device)) {
          expect(Date.parse(record.ts as string)).toBeLessThanOrEqual(clock);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(10);
    });
  }

  for (const stream of STREAM_NAMES) {
    it(`produce only schema-valid ${stream} records over a simulated week`, () => {
      const [sim] = createSimulators(stream, { devices: 4, seed: 7, startMs: START });
      const messages = drain(sim!, START + 7 * DAY);
      const records = messages.flatMap((m) => m.records);
      expect(records.length).toBeGreaterThan(20);
      for (const m of messages) {
        if (m.records.length === 0) continue;
        const topic = formatTopic({ tenant: 'demo', stream, deviceId: m.deviceId });
        const result = decodeMessage(topic, Buffer.from(JSON.stringify(m.records)), START + 8 * DAY);
        expect(result.rejected).toEqual([]);
      }
      expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    });
  }

  it('are deterministic for a seed and start', () => {
    const run = (seed: number) =>
      createSimulators('all', { devices: 3, seed, startMs: START }).map((s) => drain(s, START + DAY));
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('give buildings more load on a weekday afternoon than at night or on a Sunday', () => {
    const [energy] = createSimulators('energy', { devices: 3, seed: 1, startMs: START });
    const records = drain(energy!, START + 7 * DAY)
      .flatMap((m) => m.records)
      .filter((r) => r.quantity === 'electricity');
    const at = (iso: string) =>
      records.filter((r) => (r.ts as string).startsWith(iso)).reduce((s, r) => s + (r.value as number), 0);
    const weekdayAfternoon = at('2026-03-03T12');
    expect(weekdayAfternoon).toBeGreaterThan(2 * at('2026-03-03T01'));
    expect(weekdayAfternoon).toBeGreaterThan(2 * at('2026-03-08T12'));
    expect(occupancyAt(Date.UTC(2026, 11, 25, 11))).toBeLessThan(0.1);
  });

  it('make district heating follow the cold', () => {
    const [energy] = createSimulators('energy', { devices: 2, seed: 1, startMs: Date.UTC(2026, 0, 1) });
    const winter = drain(energy!, Date.UTC(2026, 0, 8))
      .flatMap((m) => m.records)
      .filter((r) => r.quantity === 'district_heat');
    const [summerSim] = createSimulators('energy', { devices: 2, seed: 1, startMs: Date.UTC(2026, 6, 1) });
    const summer = drain(summerSim!, Date.UTC(2026, 6, 8))
      .flatMap((m) => m.records)
      .filter((r) => r.quantity === 'district_heat');
    const total = (rs: Record<string, unknown>[]) => rs.reduce((s, r) => s + (r.value as number), 0);
    expect(total(winter)).toBeGreaterThan(2 * total(summer));
  });

  it('park vehicles at night and drive them on weekdays', () => {
    const [fleet] = createSimulators('fleet', { devices: 4, seed: 3, startMs: START });
    const records = drain(fleet!, START + 2 * DAY).flatMap((m) => m.records);
    const moving = records.filter((r) => (r.speedKmh as number) > 0);
    expect(moving.length).toBeGreaterThan(50);
    const hours = moving.map((r) => new Date(r.ts as string).getUTCHours());
    expect(hours.every((h) => h >= 5 && h <= 17)).toBe(true);
    expect(records.filter((r) => !r.ignition).every((r) => r.driverId === undefined)).toBe(true);
  });

  it('count more traffic in the morning rush than at night', () => {
    const [traffic] = createSimulators('traffic', { devices: 2, seed: 5, startMs: START });
    const records = drain(traffic!, START + DAY).flatMap((m) => m.records);
    const total = (hourUtc: number) =>
      records
        .filter((r) => new Date(r.ts as string).getUTCHours() === hourUtc)
        .reduce(
          (s, r) => s + Object.values(r.counts as Record<string, number>).reduce((a, b) => a + b, 0),
          0,
        );
    expect(total(6)).toBeGreaterThan(5 * total(1)); // 07–08 local time vs 02–03
  });

  it('detect the same road defects again on every lap, close to where they are', () => {
    const [road] = createSimulators('road', { devices: 1, seed: 9, startMs: START });
    const records = drain(road!, START + DAY).flatMap((m) => m.records);
    const byPlace = new Map<string, number>();
    for (const r of records) {
      const key = `${r.damage}@${(r.lat as number).toFixed(3)},${(r.lon as number).toFixed(3)}`;
      byPlace.set(key, (byPlace.get(key) ?? 0) + 1);
    }
    expect(Math.max(...byPlace.values())).toBeGreaterThan(5);
  });
});
