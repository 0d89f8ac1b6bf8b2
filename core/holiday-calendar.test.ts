import { describe, expect, it } from 'vitest';
import { englandWalesBankHolidays, isHoliday, isHolidayCalendar } from './holiday-calendar.js';

describe('holiday calendars', () => {
  it('gives the bank holidays of England and Wales, with substitute days', () => {
    // As published on gov.uk/bank-holidays.
    expect(englandWalesBankHolidays(2016)).toEqual([
      '2016-01-01',
      '2016-03-25',
      '2016-03-28',
      '2016-05-02',
      '2016-05-30',
      '2016-08-29',
      '2016-12-26',
      '2016-12-27', // Christmas on a Sunday: substitute Tuesday
    ]);
    expect(englandWalesBankHolidays(2017)).toEqual([
      '2017-01-02', // New Year's Day on a Sunday
      '2017-04-14',
      '2017-04-17',
      '2017-05-01',
      '2017-05-29',
      '2017-08-28',
      '2017-12-25',
      '2017-12-26',
    ]);
    expect(englandWalesBankHolidays(2021).slice(-2)).toEqual(['2021-12-27', '2021-12-28']); // Sat + Sun
    expect(englandWalesBankHolidays(2020).slice(-2)).toEqual(['2020-12-25', '2020-12-28']); // Boxing Day Sat
  });

  it('reads a date by its calendar', () => {
    const ascension2017 = Date.UTC(2017, 4, 25, 12);
    expect(isHoliday(ascension2017, 'dk')).toBe(true);
    expect(isHoliday(ascension2017, 'gb-eng')).toBe(false);
    expect(isHoliday(Date.UTC(2017, 4, 29, 12), 'gb-eng')).toBe(true); // spring bank holiday
    expect(isHoliday(Date.UTC(2017, 11, 25, 12), 'none')).toBe(false);
    expect(isHolidayCalendar('gb-eng')).toBe(true);
    expect(isHolidayCalendar('uk')).toBe(false);
  });
});
