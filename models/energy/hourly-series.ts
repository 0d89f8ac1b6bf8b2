import { danishLocalTime, isHoliday, isHolidayCalendar, type HolidayCalendar } from '../../core/index.js';

/**
 * One meter's hourly history on a regular grid: `start` is the first hour (epoch ms, on the hour) and index i
 * is hour start + i h. Missing hours are NaN, and so are hours flagged as excluded (gaps, zero-filled outages,
 * meter resets), so models neither train nor score on them.
 */
export interface HourlySeries {
  start: number;
  kwh: number[];
  /** Outdoor temperature per hour (°C); NaN where unknown. */
  temperatureC: number[];
}

export const HOUR_MS = 3_600_000;

/** Hours whose hour of week is remembered: models refitted weekly over a year ask for the same hours again. */
const MEMO_LIMIT = 500_000;
const memo = new Map<number, number>();

let calendar: HolidayCalendar = 'dk';

/**
 * The holiday calendar the energy models treat as closed days (GREENOPS_ENERGY_HOLIDAY_CALENDAR; Danish by
 * default). One per process: the service's buildings are in one country.
 */
export function setEnergyHolidayCalendar(value: string): void {
  if (!isHolidayCalendar(value)) throw new Error(`unknown holiday calendar '${value}'`);
  if (value !== calendar) memo.clear();
  calendar = value;
}

export function energyHolidayCalendar(): HolidayCalendar {
  return calendar;
}

/** Whether the UTC date of `timeMs` is a holiday of the energy models' calendar. */
export function isEnergyHoliday(timeMs: number): boolean {
  return isHoliday(timeMs, calendar);
}

/**
 * Hour of the week in Danish local time (0 = Monday 00–01), with the holidays of the energy calendar (see
 * setEnergyHolidayCalendar) treated as Sundays.
 */
export function hourOfWeek(timeMs: number): number {
  const known = memo.get(timeMs);
  if (known !== undefined) return known;
  const { hour, weekday } = danishLocalTime(timeMs);
  const value = ((isEnergyHoliday(timeMs) ? 7 : weekday) - 1) * 24 + Math.floor(hour);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(timeMs, value);
  return value;
}
