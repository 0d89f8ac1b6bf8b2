import { describe, expect, it } from 'vitest';
import { danishPublicHolidays, easterSunday, isDanishClosureDay } from './danish-holidays.js';

describe('Danish holidays', () => {
  it.each([
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
  ])('knows Easter Sunday %i (%s)', (year, date) => {
    expect(easterSunday(year).toISOString().slice(0, 10)).toBe(date);
  });

  it('lists the 2026 public holidays, without Store Bededag (abolished from 2024)', () => {
    expect(danishPublicHolidays(2026)).toEqual([
      '2026-01-01',
      '2026-04-02',
      '2026-04-03',
      '2026-04-05',
      '2026-04-06',
      '2026-05-14',
      '2026-05-24',
      '2026-05-25',
      '2026-12-25',
      '2026-12-26',
    ]);
    expect(danishPublicHolidays(2023)).toContain('2023-05-05');
  });

  it('treats Christmas Eve and Constitution Day as closure days but not ordinary days', () => {
    expect(isDanishClosureDay(Date.UTC(2026, 11, 24, 12))).toBe(true);
    expect(isDanishClosureDay(Date.UTC(2026, 5, 5, 12))).toBe(true);
    expect(isDanishClosureDay(Date.UTC(2026, 5, 4, 12))).toBe(false);
  });
});
