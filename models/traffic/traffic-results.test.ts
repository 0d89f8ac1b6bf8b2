import { describe, expect, it } from 'vitest';
import { analyseCounter } from './counter-analysis.js';
import { hourlyCells, hourTotal } from './hourly-cells.js';
import { LocalCalendar } from './local-calendar.js';
import { DEFAULT_TRAFFIC_SETTINGS, type TrafficInterval } from './traffic-interval.js';
import { trafficReport } from './traffic-report.js';
import { dailyResultPoints, yearlyResultPoint } from './traffic-results.js';
import {
  COMMUTER,
  DAY_SHAPE,
  patternIntervals,
  type PatternCounter,
} from '../../test/fixtures/traffic-counters.js';

const settings = { ...DEFAULT_TRAFFIC_SETTINGS, holidays: 'none' as const };
const cph = new LocalCalendar('Europe/Copenhagen');
const counter = (name: string, base: number): PatternCounter => ({
  counter: name,
  base,
  ...COMMUTER,
  hour: DAY_SHAPE,
});
const iv = (startMs: number, seconds: number, car: number, uptime = 1): TrafficInterval => ({
  counter: 'c',
  startMs,
  seconds,
  direction: 'in',
  counts: { car },
  uptime,
});

describe('hours of a counter', () => {
  it('spreads a long interval over its hours, scales partial uptime and keeps refused time apart', () => {
    const t = Date.UTC(2024, 4, 1, 10);
    const hours = hourlyCells(
      'c',
      [iv(t, 3 * 3600, 300), iv(t + 3 * 3_600_000, 900, 30, 0.6), iv(t + 4 * 3_600_000, 900, 9, 0.2)],
      {
        minUptime: 0.5,
      },
    );
    const d = hours.byDirection[0]!;
    expect(hours.firstHourMs).toBe(t);
    expect(hours.hours).toBe(5);
    expect([0, 1, 2, 3, 4].map((i) => hourTotal(d, i))).toEqual([100, 100, 100, 50, 0]);
    expect([...d.coveredS]).toEqual([3600, 3600, 3600, 900, 0]);
    expect([...d.scaledS]).toEqual([0, 0, 0, 900, 0]);
    expect([...d.refusedS]).toEqual([0, 0, 0, 0, 900]);
  });

  it('refuses, naming the counter, data spread over more than 25 years', () => {
    expect(() =>
      hourlyCells('c', [iv(0, 900, 1), iv(Date.UTC(2024, 0, 1), 900, 1)], { minUptime: 0.5 }),
    ).toThrow(/c: counts from 1970-01-01T00:00:00.000Z to 2024/);
  });
});

describe('results for the store', () => {
  it('gives every yearly point the same fields, whatever the method, so a rewrite leaves nothing stale', () => {
    const permanent = analyseCounter(
      'p',
      patternIntervals(counter('p', 900), cph, '2024-01-01', '2025-01-01'),
      settings,
    );
    const short = analyseCounter(
      's',
      patternIntervals(counter('s', 900), cph, '2024-05-06', '2024-05-13'),
      settings,
    );
    const lone = analyseCounter(
      'l',
      patternIntervals(counter('l', 900), cph, '2024-05-06', '2024-05-08'),
      settings,
    );
    const reports = trafficReport([permanent, short], settings);
    const [alone] = trafficReport([lone], settings);
    const points = [
      yearlyResultPoint('t', reports[0]!, permanent),
      yearlyResultPoint('t', reports[1]!, short),
      yearlyResultPoint('t', alone!, lone),
    ];
    expect(points.map((p) => p.fields.method)).toEqual([0, 1, 2]);
    const keys = points.map((p) => Object.keys(p.fields).sort());
    expect(keys[1]).toEqual(keys[0]);
    expect(keys[2]).toEqual(keys[0]);
    expect(points[2]?.fields).toMatchObject({ ranged: 0, hvdt: -1, aadt_low: points[2]?.fields.aadt });
    expect(points[0]?.timeMs).toBe(Date.UTC(2023, 11, 31, 23));
  });

  it('writes a point per local day with the same fields on every day', () => {
    const a = analyseCounter(
      'p',
      patternIntervals(counter('p', 900), cph, '2024-03-30', '2024-04-02'),
      settings,
    );
    const points = dailyResultPoints('t', a);
    // 31 March 2024 is the day summer time begins: 23 hours, starting at 23:00 UTC the day before.
    expect(points.map((p) => [new Date(p.timeMs).toISOString(), p.fields.hours])).toEqual([
      ['2024-03-29T23:00:00.000Z', 24],
      ['2024-03-30T23:00:00.000Z', 23],
      ['2024-03-31T22:00:00.000Z', 24],
    ]);
    expect(new Set(points.map((p) => Object.keys(p.fields).sort().join()))).toHaveProperty('size', 1);
    expect(points.every((p) => p.fields.complete === 1 && p.fields.availability === 1)).toBe(true);
  });
});
