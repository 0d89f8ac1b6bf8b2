import { HOLIDAY_CALENDARS, isHoliday, type HolidayCalendar } from '../../core/index.js';
import { HOUR_MS, type HourlySeries } from './hourly-series.js';

const DAY_MS = 24 * HOUR_MS;

export interface CalendarEvidence {
  calendar: HolidayCalendar;
  /** Per calendar with holidays on weekdays in the data: how working-day-like its holidays were (0 = like a weekend, 1 = like a working day; median), and how many such days. */
  scores: { calendar: HolidayCalendar; score: number; days: number }[];
  /** Why `calendar` was chosen, in words. */
  reason: string;
}

/**
 * Which holiday calendar a set of buildings keeps, read from their own load: the days a calendar calls holidays
 * (on weekdays) should look like weekends if the buildings keep it. Each meter's daily kWh is divided by its median
 * day, so big and small meters count alike; the estate's weekday and weekend levels are medians over days that are a
 * holiday in no candidate calendar. A calendar is chosen when its holidays sit nearer the weekend level than the
 * working-day level (median below 0.5) and nearer than any other calendar's; else `none`. Without a clear weekly
 * pattern (weekends within 5 % of weekdays) there is no evidence and `fallback` is kept.
 */
export function inferHolidayCalendar(
  series: readonly HourlySeries[],
  untilMs: number,
  fallback: HolidayCalendar,
): CalendarEvidence {
  const daily = new Map<number, { sum: number; n: number }>();
  for (const s of series) {
    const days = new Map<number, { kwh: number; hours: number }>();
    for (let h = 0; h < s.kwh.length; h++) {
      const t = s.start + h * HOUR_MS;
      if (t >= untilMs) break;
      const v = s.kwh[h] as number;
      if (!Number.isFinite(v)) continue;
      const day = Math.floor(t / DAY_MS) * DAY_MS;
      const d = days.get(day) ?? { kwh: 0, hours: 0 };
      d.kwh += v;
      d.hours++;
      days.set(day, d);
    }
    const full = [...days]
      .filter(([, d]) => d.hours >= 20)
      .map(([day, d]) => [day, (d.kwh * 24) / d.hours] as const);
    const typical = median(full.map(([, kwh]) => kwh));
    if (!(typical > 0)) continue;
    for (const [day, kwh] of full) {
      const e = daily.get(day) ?? { sum: 0, n: 0 };
      e.sum += kwh / typical;
      e.n++;
      daily.set(day, e);
    }
  }
  const index = [...daily].map(([day, e]) => ({ day, level: e.sum / e.n }));
  const candidates = HOLIDAY_CALENDARS.filter((c) => c !== 'none');
  const isWeekend = (day: number) => [0, 6].includes(new Date(day).getUTCDay());
  const anyHoliday = (day: number) => candidates.some((c) => isHoliday(day, c));
  const weekday = median(index.filter((d) => !isWeekend(d.day) && !anyHoliday(d.day)).map((d) => d.level));
  const weekend = median(index.filter((d) => isWeekend(d.day) && !anyHoliday(d.day)).map((d) => d.level));
  if (!(Math.abs(weekday - weekend) >= 0.05 * weekday))
    return {
      calendar: fallback,
      scores: [],
      reason: 'no weekly pattern in the load: no evidence, the setting kept',
    };
  const scores = candidates
    .map((calendar) => {
      const days = index.filter((d) => !isWeekend(d.day) && isHoliday(d.day, calendar));
      return {
        calendar,
        score: median(days.map((d) => (d.level - weekend) / (weekday - weekend))),
        days: days.length,
      };
    })
    .filter((s) => s.days > 0 && Number.isFinite(s.score))
    .sort((a, b) => a.score - b.score);
  const best = scores[0];
  if (!best || best.score >= 0.5)
    return {
      calendar: 'none',
      scores,
      reason: 'no candidate calendar’s holidays look like weekends in the load',
    };
  return {
    calendar: best.calendar,
    scores,
    reason: `its ${best.days} weekday holidays ran at ${(best.score * 100).toFixed(0)} % of the way from a weekend to a working day (median)`,
  };
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
