import { describe, expect, it } from 'vitest';
import { isHoliday, type HolidayCalendar } from '../../core/index.js';
import { inferHolidayCalendar } from './holiday-inference.js';
import { HOUR_MS } from './hourly-series.js';

const START = Date.parse('2023-01-01T00:00:00Z');
const HOURS = 2 * 365 * 24;

/** Two meters of different size, working days at 10 (×size), weekends at 4, the `keeps` calendar's holidays at 4. */
function estate(keeps: HolidayCalendar | 'flat'): { start: number; kwh: number[]; temperatureC: number[] }[] {
  return [1, 30].map((size) => {
    const kwh: number[] = [];
    for (let h = 0; h < HOURS; h++) {
      const t = START + h * HOUR_MS;
      const dow = new Date(t).getUTCDay();
      const off = keeps !== 'flat' && (dow === 0 || dow === 6 || isHoliday(t, keeps));
      kwh.push(size * (keeps === 'flat' ? 7 : off ? 4 : 10) * (1 + 0.05 * Math.sin(h)));
    }
    return { start: START, kwh, temperatureC: kwh.map(() => Number.NaN) };
  });
}

describe('inferHolidayCalendar', () => {
  const until = START + HOURS * HOUR_MS;

  it('finds the calendar whose holidays the buildings keep like weekends', () => {
    expect(inferHolidayCalendar(estate('dk'), until, 'none').calendar).toBe('dk');
    const english = inferHolidayCalendar(estate('gb-eng'), until, 'dk');
    expect(english.calendar).toBe('gb-eng');
    expect(english.scores[0]).toMatchObject({ calendar: 'gb-eng' });
    expect(english.scores[0]!.score).toBeLessThan(0.1);
  });

  it('says none when no calendar’s holidays look like weekends, and keeps the setting without a weekly pattern', () => {
    expect(inferHolidayCalendar(estate('none'), until, 'dk').calendar).toBe('none');
    const flat = inferHolidayCalendar(estate('flat'), until, 'dk');
    expect(flat.calendar).toBe('dk');
    expect(flat.reason).toMatch(/no weekly pattern/);
  });

  it('reads only the data before untilMs (the training period)', () => {
    const english = estate('gb-eng');
    expect(
      inferHolidayCalendar(english, START + 10 * 24 * HOUR_MS, 'dk').scores.every((s) => s.days <= 1),
    ).toBe(true);
  });
});
