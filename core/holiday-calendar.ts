import { closureDays, easterSunday } from './danish-holidays.js';

/**
 * Which public holidays count as closed days for models that learn a weekly pattern (energy). Danish by
 * default; buildings elsewhere name their calendar (GREENOPS_HOLIDAY_CALENDAR), so their holidays are not
 * forecast as working days and Danish holidays are not forecast as closed ones.
 * - `dk`: Danish public holidays and the usual closure days (Christmas Eve, New Year's Eve, Constitution Day);
 * - `gb-eng`: the bank holidays of England and Wales by their standing rules (substitute days included; one-off
 *   changes such as the 2020 VE day move, the 2022 jubilee and the 2023 coronation are not);
 * - `none`: no holidays, weekdays only.
 */
export const HOLIDAY_CALENDARS = ['dk', 'gb-eng', 'none'] as const;
export type HolidayCalendar = (typeof HOLIDAY_CALENDARS)[number];

export function isHolidayCalendar(value: string): value is HolidayCalendar {
  return (HOLIDAY_CALENDARS as readonly string[]).includes(value);
}

/** Bank holidays of England and Wales for a year, as UTC dates `YYYY-MM-DD`. */
export function englandWalesBankHolidays(year: number): string[] {
  const day = (month: number, d: number) => new Date(Date.UTC(year, month - 1, d));
  const weekday = (date: Date) => date.getUTCDay(); // 0 = Sunday
  const plus = (date: Date, days: number) => new Date(date.getTime() + days * 86_400_000);
  const firstMonday = (month: number) => {
    const first = day(month, 1);
    return plus(first, (8 - weekday(first)) % 7);
  };
  const lastMonday = (month: number) => {
    const last = day(month + 1, 0);
    return plus(last, -((weekday(last) + 6) % 7));
  };
  const newYear = day(1, 1);
  const newYearObserved =
    weekday(newYear) === 6 ? plus(newYear, 2) : weekday(newYear) === 0 ? plus(newYear, 1) : newYear;
  const easter = easterSunday(year);
  const christmas = day(12, 25);
  // Christmas and Boxing Day falling on a weekend move to the next weekdays not already taken.
  const christmasDays = (() => {
    switch (weekday(christmas)) {
      case 5: // Friday: Boxing Day on Saturday moves to Monday 28
        return [christmas, day(12, 28)];
      case 6: // Saturday: Monday 27 and Tuesday 28
        return [day(12, 27), day(12, 28)];
      case 0: // Sunday: Boxing Day Monday 26, Christmas moves to Tuesday 27
        return [day(12, 26), day(12, 27)];
      default:
        return [christmas, day(12, 26)];
    }
  })();
  return [
    newYearObserved,
    plus(easter, -2),
    plus(easter, 1),
    firstMonday(5),
    lastMonday(5),
    lastMonday(8),
    ...christmasDays,
  ]
    .map(iso)
    .sort();
}

const cache = new Map<string, Set<string>>();

/** Whether the UTC date of `timeMs` is a holiday (or, for `dk`, a usual closure day) in `calendar`. */
export function isHoliday(timeMs: number, calendar: HolidayCalendar): boolean {
  if (calendar === 'none') return false;
  const date = new Date(timeMs);
  const year = date.getUTCFullYear();
  const key = `${calendar}:${year}`;
  let days = cache.get(key);
  if (!days) {
    days = new Set(calendar === 'dk' ? closureDays(year) : englandWalesBankHolidays(year));
    cache.set(key, days);
  }
  return days.has(iso(date));
}

function iso(date: Date): string {
  return date.toISOString().slice(0, 10);
}
