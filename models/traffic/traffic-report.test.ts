import { describe, expect, it } from 'vitest';
import { analyseCounter } from './counter-analysis.js';
import { LocalCalendar } from './local-calendar.js';
import { DEFAULT_TRAFFIC_SETTINGS, type TrafficSettings } from './traffic-interval.js';
import { trafficReport } from './traffic-report.js';
import {
  COMMUTER,
  DAY_SHAPE,
  LEISURE,
  patternIntervals,
  trueAadt,
  type PatternCounter,
} from '../../test/fixtures/traffic-counters.js';

const settings: TrafficSettings = { ...DEFAULT_TRAFFIC_SETTINGS, holidays: 'none' };
const cph = new LocalCalendar('Europe/Copenhagen');
const counter = (name: string, base: number, pattern = COMMUTER): PatternCounter => ({
  counter: name,
  base,
  ...pattern,
  hour: DAY_SHAPE,
});
const year = (c: PatternCounter, skip?: (day: string) => boolean) =>
  analyseCounter(c.counter, patternIntervals(c, cph, '2024-01-01', '2025-01-01', skip), settings);

describe('ÅDT per counter and year', () => {
  it('is the AASHTO average of monthly averages of weekday averages, unbiased by missing days', () => {
    const c = counter('c1', 1000);
    // All but one Saturday of each summer month and most winter Mondays missing: a plain mean of days would shift.
    const skip = (day: string) => {
      const d = new Date(`${day}T00:00:00Z`);
      const m = d.getUTCMonth() + 1;
      return (
        (d.getUTCDay() === 6 && m >= 6 && m <= 8 && d.getUTCDate() > 7) ||
        (d.getUTCDay() === 1 && m <= 2 && d.getUTCDate() > 7)
      );
    };
    const [report] = trafficReport([year(c, skip)], settings);
    expect(report?.aadt.method).toBe('aashto');
    expect(report?.aadt.value).toBeCloseTo(trueAadt(c), -1);
    expect(Math.abs((report?.aadt.value as number) - trueAadt(c))).toBeLessThan(1);
    const days = year(c, skip).days.filter((d) => d.complete);
    const plainMean = days.reduce((s, d) => s + d.total, 0) / days.length;
    expect(Math.abs(plainMean - trueAadt(c))).toBeGreaterThan(5);
    expect(report?.hvdt).toBeGreaterThan(report?.aadt.value as number);
    expect(report?.modeShares).toEqual({ car: 1 });
    expect(report?.health.status).toBe('warning'); // the missing days are outages
  });

  it('expands a two-week count with factors of the counters of its own pattern, and its range holds the truth', () => {
    const donors = [
      counter('commuter-a', 800),
      counter('commuter-b', 1500),
      counter('leisure-a', 600, LEISURE),
      counter('leisure-b', 900, LEISURE),
    ];
    const target = counter('short', 1200);
    const short = analyseCounter(
      'short',
      patternIntervals(target, cph, '2024-05-06', '2024-05-20'),
      settings,
    );
    const reports = trafficReport([...donors.map((d) => year(d)), short], settings);
    const r = reports.find((x) => x.counter === 'short');
    expect(r?.aadt.method).toBe('short-count');
    expect(r?.aadt.days).toBe(14);
    expect(r?.aadt.factorGroup?.counters.sort()).toEqual(['commuter-a', 'commuter-b']);
    expect(r?.aadt.factorGroup?.pattern).toBe('commuter');
    const truth = trueAadt(target);
    expect(Math.abs((r?.aadt.value as number) - truth) / truth).toBeLessThan(0.005);
    expect(r?.aadt.low).toBeLessThanOrEqual(Math.ceil(truth));
    expect(r?.aadt.high).toBeGreaterThanOrEqual(Math.floor(truth));
  });

  it('expands a count in a wet week by the permanent counters on the same days, not by their usual factors', () => {
    // Rain on the counted week: every counter in town carries 30 % less that week.
    const wet = (day: string) => (day >= '2024-05-06' && day < '2024-05-13' ? 0.7 : 1);
    const donors = [counter('commuter-a', 800), counter('commuter-b', 1500), counter('commuter-c', 500)];
    const target = counter('short', 1200);
    const analyses = [
      ...donors.map((d) =>
        analyseCounter(
          d.counter,
          patternIntervals(d, cph, '2024-01-01', '2025-01-01', undefined, wet),
          settings,
        ),
      ),
      analyseCounter(
        'short',
        patternIntervals(target, cph, '2024-05-06', '2024-05-13', undefined, wet),
        settings,
      ),
    ];
    const truth = trueAadt(target);
    const r = trafficReport(analyses, settings).find((x) => x.counter === 'short');
    expect(r?.aadt.description).toMatch(/same days/);
    expect(Math.abs((r?.aadt.value as number) - truth) / truth).toBeLessThan(0.01);
    // The donors a year later (no rain that week) only give their usual May factors: the wet week reads low.
    const later = donors.map((d) =>
      analyseCounter(d.counter, patternIntervals(d, cph, '2025-01-01', '2026-01-01'), settings),
    );
    const usual = trafficReport([...later, analyses[3]!], settings).find((x) => x.counter === 'short');
    expect(usual?.aadt.description).toMatch(/month × weekday factor/);
    expect((usual?.aadt.value as number) / truth).toBeLessThan(0.8);
  });

  it('says so when there is no permanent counter to expand a short count with', () => {
    const short = analyseCounter(
      'alone',
      patternIntervals(counter('alone', 100), cph, '2024-03-04', '2024-03-11'),
      settings,
    );
    const [r] = trafficReport([short], settings);
    expect(r?.aadt).toMatchObject({ method: 'mean-of-days', low: null, high: null, days: 7 });
  });
});

describe('local days and uptime', () => {
  it('counts an hour in the counter’s local day, not the UTC day', () => {
    const c = counter('tz', 100);
    // 2024-01-01T23:30Z is 00:30 on 2 January in Copenhagen, but still 1 January in UTC.
    const iv = {
      counter: 'tz',
      startMs: Date.parse('2024-01-01T23:00:00Z'),
      seconds: 3600,
      direction: 'in',
      counts: { car: 7 },
      uptime: 1,
    };
    const a = analyseCounter(c.counter, [iv], settings);
    expect(a.days.map((d) => d.day)).toEqual(['2024-01-02']);
    const utc = analyseCounter(c.counter, [iv], { ...settings, timeZone: 'UTC' });
    expect(utc.days.map((d) => d.day)).toEqual(['2024-01-01']);
    expect(cph.hoursOfDay(Math.floor(Date.parse('2024-03-31') / 86_400_000))).toHaveLength(23);
    expect(cph.hoursOfDay(Math.floor(Date.parse('2024-10-27') / 86_400_000))).toHaveLength(25);
  });

  it('scales an interval with partial uptime above the threshold, and treats one below it as missing', () => {
    const hour = Date.parse('2024-06-03T10:00:00Z');
    const at = (minute: number, car: number, uptime: number) => ({
      counter: 'u',
      startMs: hour + minute * 60_000,
      seconds: 900,
      direction: 'in',
      counts: { car },
      uptime,
    });
    const scaled = analyseCounter(
      'u',
      [at(0, 10, 1), at(15, 8, 0.8), at(30, 10, 1), at(45, 10, 1)],
      settings,
    );
    expect(scaled.days[0]?.total).toBeCloseTo(40);
    expect(scaled.days[0]?.hoursScaled).toBe(1);
    const refused = analyseCounter(
      'u',
      [at(0, 10, 1), at(15, 3, 0.3), at(30, 10, 1), at(45, 10, 1)],
      settings,
    );
    // Three quarters seen: the hour is kept and scaled to the full hour from them.
    expect(refused.days[0]?.total).toBeCloseTo(40);
    const tooLittle = analyseCounter('u', [at(0, 10, 1), at(15, 3, 0.3), at(30, 3, 0.2)], settings);
    expect(tooLittle.days[0]?.hoursSeen ?? 0).toBe(0);
    expect(tooLittle.health.counts['low-uptime']).toBeGreaterThan(0);
  });
});
