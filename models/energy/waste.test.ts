import { describe, expect, it } from 'vitest';
import { Random } from '../../edge/index.js';
import { hourOfWeek, HOUR_MS, type HourlySeries } from './hourly-series.js';
import { detectWaste } from './waste.js';

const PRICES = { priceDkkPerKwh: 2, co2KgPerKwh: 0.1 };
const DAY = 24;

/** 20 weeks of an office; `modify` changes the load of chosen hours (the waste to find). */
function office(modify: (i: number, load: number, occupied: boolean) => number = (_, l) => l): HourlySeries {
  const random = new Random(5);
  const start = Date.UTC(2025, 0, 5, 23); // Monday 6 January 00:00 CET
  const kwh: number[] = [];
  const temperatureC: number[] = [];
  for (let i = 0; i < 20 * 7 * DAY; i++) {
    const temp = 3 + 4 * Math.sin((2 * Math.PI * i) / DAY) + random.normal(0, 1);
    const tow = hourOfWeek(start + i * HOUR_MS);
    const occupied = tow < 120 && tow % 24 >= 7 && tow % 24 < 17;
    kwh.push(
      modify(i, (occupied ? 50 : 10) + 1.5 * Math.max(0, 15 - temp) + random.normal(0, 1.5), occupied),
    );
    temperatureC.push(temp);
  }
  return { start, kwh, temperatureC };
}

describe('waste detection', () => {
  const reference = [0, 12 * 7 * DAY] as const;
  const analysis = [12 * 7 * DAY, 20 * 7 * DAY] as const;

  it('finds nothing in a building that behaves as usual', () => {
    expect(detectWaste(office(), ...reference, ...analysis, PRICES)).toEqual([]);
  });

  it('finds a weekend with the ventilation left on, with its excess kWh, cost and CO₂', () => {
    const weekendStart = 15 * 7 * DAY + 5 * DAY; // Saturday of week 15
    const series = office((i, load) => (i >= weekendStart && i < weekendStart + 2 * DAY ? load + 25 : load));
    const findings = detectWaste(series, ...reference, ...analysis, PRICES);
    const afterHours = findings.filter((f) => f.kind === 'after_hours');
    expect(afterHours).toHaveLength(1);
    expect(afterHours[0]!.excessKwh).toBeGreaterThan(0.85 * 25 * 48);
    expect(afterHours[0]!.excessKwh).toBeLessThan(1.15 * 25 * 48);
    expect(afterHours[0]!.costDkk).toBeCloseTo(afterHours[0]!.excessKwh * 2, 0);
    expect(afterHours[0]!.co2Kg).toBeCloseTo(afterHours[0]!.excessKwh * 0.1, 0);
  });

  it('finds a slow drift of 15 % over the last weeks', () => {
    const driftFrom = 16 * 7 * DAY;
    const findings = detectWaste(
      office((i, load) => (i >= driftFrom ? load * 1.15 : load)),
      ...reference,
      ...analysis,
      PRICES,
    );
    const drift = findings.filter((f) => f.kind === 'drift');
    expect(drift).toHaveLength(1);
    expect(Date.parse(drift[0]!.from)).toBeGreaterThanOrEqual(
      Date.UTC(2025, 0, 5, 23) + (driftFrom - 7 * DAY) * HOUR_MS,
    );
  });

  it('finds hours far above the expected range', () => {
    const spike = 14 * 7 * DAY + 2 * DAY + 10; // a Wednesday morning
    const findings = detectWaste(
      office((i, load) => (i >= spike && i < spike + 4 ? load + 40 : load)),
      ...reference,
      ...analysis,
      PRICES,
    );
    expect(findings.filter((f) => f.kind === 'outside_expected_range')).toHaveLength(1);
  });
});
