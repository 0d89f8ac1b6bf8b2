import { describe, expect, it } from 'vitest';
import { Random } from '../../edge/index.js';
import { accuracy } from './accuracy.js';
import { hourOfWeek, HOUR_MS, type HourlySeries } from './hourly-series.js';
import { levelShifts } from './level-shift.js';
import { fitLinear, LinearFitter, predictLinear } from './linear-reference.js';
import { seasonalNaiveForecast } from './seasonal-naive.js';

const START = Date.UTC(2025, 0, 5, 23); // Monday 2025-01-06 00:00 Danish time, 23:00 UTC

/** An office with electric heating below 12 °C; from `shiftDay` on it uses `shiftFactor` of its load. */
function building(seed: number, days: number, shiftDay = Infinity, shiftFactor = 1): HourlySeries {
  const random = new Random(seed);
  const kwh: number[] = [];
  const temperatureC: number[] = [];
  let weather = 0;
  for (let i = 0; i < days * 24; i++) {
    const t = START + i * HOUR_MS;
    weather = 0.995 * weather + random.normal(0, 0.5);
    const day = i / 24;
    const temp = 8 - 9 * Math.cos((2 * Math.PI * (day - 20)) / 365) + weather;
    const tow = hourOfWeek(t);
    const open = tow < 5 * 24 && tow % 24 >= 7 && tow % 24 < 17;
    const load = (open ? 40 : 12) + 3 * Math.max(0, 12 - temp) + random.normal(0, 1.5);
    kwh.push(load * (day >= shiftDay ? shiftFactor : 1));
    temperatureC.push(temp);
  }
  return { start: START, kwh, temperatureC };
}

/** Day-ahead forecasts from each 00:00 UTC in [from, to), refitted weekly as the service does. */
function rolling(s: HourlySeries, from: number, to: number) {
  const fitter = new LinearFitter(s);
  const actual: number[] = [];
  const linear: number[] = [];
  const naive: number[] = [];
  let fittedAt = -Infinity;
  let model = fitLinear(s, from);
  for (let origin = from; origin + 24 <= to; origin += 24) {
    if (origin - fittedAt >= 168) {
      fitter.advanceTo(origin);
      model = fitter.model();
      fittedAt = origin;
    }
    actual.push(...s.kwh.slice(origin, origin + 24));
    linear.push(...predictLinear(model, s, origin).median);
    naive.push(...seasonalNaiveForecast(s, origin, 24));
  }
  return { actual, linear, naive };
}

// The first 00:00 UTC is hour 1 of the series.
const dayStart = (day: number) => 1 + day * 24;

describe('linear reference (closed form, recency)', () => {
  it('beats seasonal naive clearly on a heated office, within ASHRAE G14', () => {
    const s = building(3, 500);
    const { actual, linear, naive } = rolling(s, dayStart(365), dayStart(499));
    const a = accuracy(actual, linear);
    expect(a.cvRmsePct).toBeLessThan(0.6 * accuracy(actual, naive).cvRmsePct);
    expect(a.cvRmsePct).toBeLessThan(15);
    expect(Math.abs(a.nmbePct)).toBeLessThan(3);
  });

  it('follows a building that loses 80 % of its load within days, not when the fit catches up', () => {
    const s = building(5, 460, 400, 0.2);
    const { actual, linear } = rolling(s, dayStart(380), dayStart(459));
    const day = (d: number) => {
      const from = (d - 380) * 24;
      return accuracy(actual.slice(from, from + 24 * 7), linear.slice(from, from + 24 * 7));
    };
    // The week starting three days after the shift: level bias small (the year before is 5× higher).
    expect(Math.abs(day(403).nmbePct)).toBeLessThan(10);
    expect(day(403).cvRmsePct).toBeLessThan(25);
  });

  it('finds the change of use (what the card names) within days of it', () => {
    // This synthetic office's heating swings by more than half in cold spells, which count as level changes too:
    // only the one at day 400 is asserted.
    const shift = levelShifts(building(5, 460, 400, 0.2)).find((x) => Math.abs(x.at - dayStart(400)) <= 24);
    expect(shift).toBeDefined();
    expect((shift?.knownFrom ?? 0) - (shift?.at ?? 0)).toBeLessThanOrEqual(3 * 24);
    expect(shift?.ratio).toBeGreaterThan(0.15);
    expect(shift?.ratio).toBeLessThan(0.25);
  });

  it('refits incrementally to the same model as a fit from scratch (close to it with robust weights)', () => {
    const s = building(7, 200);
    for (const robust of [false, true]) {
      const fitter = new LinearFitter(s, { halfLifeDays: 30, robust });
      fitter.advanceTo(dayStart(150));
      fitter.advanceTo(dayStart(170));
      const incremental = fitter.model();
      const scratch = fitLinear(s, dayStart(170), { halfLifeDays: 30, robust });
      const a = predictLinear(incremental, s, dayStart(175)).median;
      const b = predictLinear(scratch, s, dayStart(175)).median;
      if (robust) {
        // Days were weighted by the model of their week, not by the final one: close, not equal.
        const gaps = a.map((v, h) => Math.abs(v / (b[h] as number) - 1));
        expect(gaps.reduce((x, y) => x + y, 0) / gaps.length).toBeLessThan(0.03);
        expect(Math.max(...gaps)).toBeLessThan(0.1);
      } else a.forEach((v, h) => expect(v).toBeCloseTo(b[h] as number, 6));
    }
  });

  it('does not let one-off spikes bend the shape (robust fit)', () => {
    const s = building(11, 500);
    const random = new Random(12);
    // An event-driven meter: one hour in 30 at 5–20 times its load, at irregular hours.
    const spiky = {
      ...s,
      kwh: s.kwh.map((v) => (random.next() < 1 / 30 ? v * (5 + 15 * random.next()) : v)),
    };
    const scored = (robust: boolean) => {
      const model = fitLinear(spiky, dayStart(400), { robust });
      const actual: number[] = [];
      const forecast: number[] = [];
      for (let d = 400; d < 490; d++) {
        // Scored against the load without spikes: what the fit should have learned.
        actual.push(...s.kwh.slice(dayStart(d), dayStart(d) + 24));
        forecast.push(...predictLinear(model, spiky, dayStart(d)).median);
      }
      return accuracy(actual, forecast).cvRmsePct;
    };
    expect(scored(true)).toBeLessThan(scored(false));
  });
});
