import { describe, expect, it } from 'vitest';
import { Random } from '../../edge/index.js';
import { accuracy, meetsAshraeG14Hourly } from './accuracy.js';
import { hourOfWeek, HOUR_MS, setEnergyHolidayCalendar, type HourlySeries } from './hourly-series.js';
import { seasonalNaiveForecast } from './seasonal-naive.js';
import { fitTowt, predictTowt, temperatureSegments } from './towt.js';

/** A year of hourly load with known structure: a weekly office profile plus heating below 15 °C, and noise. */
function syntheticBuilding(seed: number): HourlySeries {
  const random = new Random(seed);
  const start = Date.UTC(2025, 0, 5, 23); // Monday 2025-01-06 00:00 Danish time
  const kwh: number[] = [];
  const temperatureC: number[] = [];
  let weather = 0;
  for (let i = 0; i < 365 * 24; i++) {
    const t = start + i * HOUR_MS;
    weather = 0.995 * weather + random.normal(0, 0.5);
    const day = i / 24;
    const temp =
      8 -
      9 * Math.cos((2 * Math.PI * (day - 20)) / 365) +
      3 * Math.sin((2 * Math.PI * (i % 24)) / 24) +
      weather;
    const tow = hourOfWeek(t);
    const open = tow < 5 * 24 && tow % 24 >= 7 && tow % 24 < 17;
    const load = (open ? 40 : 12) + 2.5 * Math.max(0, 15 - temp) + random.normal(0, 1.5);
    kwh.push(load);
    temperatureC.push(temp);
  }
  return { start, kwh, temperatureC };
}

describe('accuracy (ASHRAE Guideline 14)', () => {
  it('computes CV(RMSE), NMBE and MAPE as G14 defines them', () => {
    // errors 0, 0, -1; mean 2: CV(RMSE) = sqrt(1/3)/2, NMBE = -1/(3·2), MAPE = (1/3)/3.
    const a = accuracy([1, 2, 3], [1, 2, 4]);
    expect(a.cvRmsePct).toBeCloseTo((Math.sqrt(1 / 3) / 2) * 100, 10);
    expect(a.nmbePct).toBeCloseTo((-1 / 6) * 100, 10);
    expect(a.mapePct).toBeCloseTo((1 / 9) * 100, 10);
    expect(accuracy([1, 2, 3], [1, 2, 4], 1).cvRmsePct).toBeCloseTo((Math.sqrt(1 / 2) / 2) * 100, 10);
  });

  it('leaves out missing hours and reports interval coverage', () => {
    const a = accuracy([10, Number.NaN, 10, 10], [10, 5, Number.NaN, 12], 0, {
      lower: [9, 0, 9, 11],
      upper: [11, 9, 11, 13],
    });
    expect(a.n).toBe(2);
    expect(a.coverage).toBe(0.5);
    expect(meetsAshraeG14Hourly({ n: 1, cvRmsePct: 29, nmbePct: -9.9, mapePct: 50 })).toBe(true);
    expect(meetsAshraeG14Hourly({ n: 1, cvRmsePct: 29, nmbePct: 10.1, mapePct: 1 })).toBe(false);
  });
});

describe('reference forecasters', () => {
  it('places hours of the week in Danish time, with public holidays as Sundays', () => {
    expect(hourOfWeek(Date.UTC(2026, 0, 4, 23))).toBe(0); // Monday 5 January 00:00 CET
    expect(hourOfWeek(Date.UTC(2026, 5, 1, 10))).toBe(12); // Monday 1 June 12:00 CEST
    expect(hourOfWeek(Date.UTC(2026, 11, 24, 11))).toBe(6 * 24 + 12); // Christmas Eve, a Thursday, as Sunday
  });

  it('takes holidays from the configured calendar', () => {
    const whitMonday2017 = Date.UTC(2017, 5, 5, 11); // Danish holiday, a working day in England
    const springBankHoliday2017 = Date.UTC(2017, 4, 29, 11);
    try {
      setEnergyHolidayCalendar('gb-eng');
      expect(hourOfWeek(whitMonday2017)).toBe(13);
      expect(hourOfWeek(springBankHoliday2017)).toBe(6 * 24 + 13);
      expect(() => setEnergyHolidayCalendar('uk')).toThrow(/unknown holiday calendar 'uk'/);
    } finally {
      setEnergyHolidayCalendar('dk');
    }
    expect(hourOfWeek(whitMonday2017)).toBe(6 * 24 + 13);
    expect(hourOfWeek(springBankHoliday2017)).toBe(13);
  });

  it('seasonal naive repeats last week, skipping back over a missing hour', () => {
    const kwh = Array.from({ length: 3 * 168 }, (_, i) => i);
    kwh[2 * 168 + 5] = Number.NaN;
    const forecast = seasonalNaiveForecast({ start: 0, kwh, temperatureC: [] }, 3 * 168, 24);
    expect(forecast[0]).toBe(2 * 168);
    expect(forecast[5]).toBe(168 + 5);
  });

  it('splits temperature into the CalTRACK segments', () => {
    expect(temperatureSegments(10)).toEqual([-1, 8, 3, 0, 0, 0, 0]);
    expect(temperatureSegments(-5)).toEqual([-5, 0, 0, 0, 0, 0, 0]);
    expect(temperatureSegments(35).reduce((a, b) => a + b, 0)).toBeCloseTo(35, 10);
  });

  it('TOWT learns weekly and temperature structure: within G14 and well ahead of seasonal naive day-ahead', () => {
    const series = syntheticBuilding(7);
    const trainUntil = 270 * 24;
    const model = fitTowt(series, 0, trainUntil);
    const actual: number[] = [];
    const towt: number[] = [];
    const naive: number[] = [];
    for (let day = trainUntil; day + 24 <= series.kwh.length; day += 24) {
      actual.push(...series.kwh.slice(day, day + 24));
      towt.push(...predictTowt(model, series, day, 24));
      naive.push(...seasonalNaiveForecast(series, day, 24));
    }
    const a = accuracy(actual, towt);
    const b = accuracy(actual, naive);
    expect(meetsAshraeG14Hourly(a)).toBe(true);
    expect(a.cvRmsePct).toBeLessThan(0.6 * b.cvRmsePct);
    // The heating response below 15 °C (2.5 kWh/°C) is recovered on the segments that saw data.
    expect(model.slopesOccupied[1]).toBeLessThan(-1.5);
  });
});
