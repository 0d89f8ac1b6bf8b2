import { danishLocalTime, isDanishClosureDay } from '../../core/index.js';

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

/** Hour of the week in Danish local time (0 = Monday 00–01), with public holidays treated as Sundays. */
export function hourOfWeek(timeMs: number): number {
  const { hour, weekday } = danishLocalTime(timeMs);
  return ((isDanishClosureDay(timeMs) ? 7 : weekday) - 1) * 24 + Math.floor(hour);
}
