import { danishPublicHolidays } from '../../core/index.js';
import type { CounterHours } from './hourly-cells.js';
import { LocalCalendar, dayOfIndex, weekdayOfIndex } from './local-calendar.js';
import { TRAFFIC_MODES, type TrafficSettings } from './traffic-interval.js';

const MODE_COUNT = TRAFFIC_MODES.length;
const HOUR_MS = 3_600_000;

/** One local day of a counter, all directions together. */
export interface DayVolume {
  dayIndex: number;
  day: string;
  year: number;
  /** 1–12. */
  month: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  holiday: boolean;
  /** Every hour of the local day seen in every direction (after uptime scaling): usable for ÅDT. */
  complete: boolean;
  /** Hours of the day seen in every direction, of `hours` (23, 24 or 25). */
  hoursSeen: number;
  hours: number;
  /** Hours in which partial uptime or a partly covered hour was scaled up. */
  hoursScaled: number;
  /** Per mode (TRAFFIC_MODES order), the day's counts, scaled for uptime and partly covered hours. */
  modes: Float64Array;
  total: number;
  /** All modes, by local hour 0–23 (the repeated autumn hour added to its hour). */
  byHour: Float64Array;
}

export function holidaySet(holidays: TrafficSettings['holidays'], years: Iterable<number>): Set<string> {
  const days = new Set<string>();
  if (holidays === 'DK') for (const y of years) for (const d of danishPublicHolidays(y)) days.add(d);
  return days;
}

/**
 * A counter's local days. An hour counts when every direction's accepted intervals cover `minHourCoverage` of it
 * (scaled to the whole hour); a day is complete when all its hours count. Days with no hour seen are left out.
 */
export function dailyVolumes(
  hours: CounterHours,
  calendar: LocalCalendar,
  settings: Pick<TrafficSettings, 'minHourCoverage' | 'holidays'>,
): DayVolume[] {
  const { firstHourMs, byDirection: directions } = hours;
  const days = new Set<number>();
  for (let i = 0; i < hours.hours; i++)
    if (directions.some((d) => (d.coveredS[i] as number) > 0 || (d.refusedS[i] as number) > 0))
      days.add(calendar.local(firstHourMs + i * HOUR_MS).dayIndex);
  const dayList = [...days].sort((a, b) => a - b);
  const years = new Set(dayList.map((d) => Number(dayOfIndex(d).slice(0, 4))));
  const holidays = holidaySet(settings.holidays, years);
  const minCovered = settings.minHourCoverage * 3600;
  const out: DayVolume[] = [];
  for (const dayIndex of dayList) {
    const day = dayOfIndex(dayIndex);
    const v: DayVolume = {
      dayIndex,
      day,
      year: Number(day.slice(0, 4)),
      month: Number(day.slice(5, 7)),
      weekday: weekdayOfIndex(dayIndex),
      holiday: holidays.has(day),
      complete: false,
      hoursSeen: 0,
      hours: 0,
      hoursScaled: 0,
      modes: new Float64Array(MODE_COUNT),
      total: 0,
      byHour: new Float64Array(24),
    };
    for (const hour of calendar.hoursOfDay(dayIndex)) {
      v.hours++;
      const i = (hour - firstHourMs) / HOUR_MS;
      // Hours outside the data, or not on the UTC hour grid (a zone offset by a half hour), are not seen.
      if (!(i >= 0 && i < hours.hours && Number.isInteger(i))) continue;
      let seen = true;
      let scaled = false;
      for (const d of directions) {
        const covered = d.coveredS[i] as number;
        if (covered < minCovered || covered === 0) {
          seen = false;
          break;
        }
        if ((d.scaledS[i] as number) > 0 || covered < 3600) scaled = true;
      }
      if (!seen) continue;
      v.hoursSeen++;
      if (scaled) v.hoursScaled++;
      const localHour = calendar.local(hour).hour;
      for (const d of directions) {
        const stretch = 3600 / Math.min(3600, d.coveredS[i] as number);
        for (let m = 0; m < MODE_COUNT; m++) {
          const n = (d.counts[i * MODE_COUNT + m] as number) * stretch;
          v.modes[m] = (v.modes[m] as number) + n;
          v.byHour[localHour] = (v.byHour[localHour] as number) + n;
          v.total += n;
        }
      }
    }
    if (v.hoursSeen === 0) continue;
    v.complete = v.hoursSeen === v.hours;
    out.push(v);
  }
  return out;
}
