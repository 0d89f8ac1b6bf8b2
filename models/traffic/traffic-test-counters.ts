import type { TrafficInterval } from './traffic-interval.js';
import { LocalCalendar } from './local-calendar.js';

/** A counter whose every hour is base × month factor × weekday factor × hourly share: its ÅDT is known exactly. */
export interface PatternCounter {
  counter: string;
  base: number;
  month: readonly number[];
  weekday: readonly number[];
  hour: readonly number[];
}

export const COMMUTER = {
  month: [0.8, 0.85, 0.9, 1, 1.05, 1.1, 1.2, 1.15, 1.05, 1, 0.9, 0.8],
  weekday: [1.2, 1.2, 1.2, 1.2, 1.1, 0.6, 0.5],
};
export const LEISURE = {
  month: [0.5, 0.55, 0.7, 0.9, 1.2, 1.5, 1.8, 1.6, 1.1, 0.8, 0.6, 0.5],
  weekday: [0.8, 0.8, 0.8, 0.85, 1, 1.6, 1.7],
};
export const DAY_SHAPE = Array.from({ length: 24 }, (_, h) => 0.01 + 0.004 * (h < 15 ? h : 30 - h));

/** The true ÅDT of a pattern counter: the mean over months of the mean over weekdays of its day volume. */
export function trueAadt(c: PatternCounter): number {
  const dayShare = c.hour.reduce((a, b) => a + b, 0);
  const wk = c.weekday.reduce((a, b) => a + b, 0) / 7;
  return (c.base * dayShare * wk * c.month.reduce((a, b) => a + b, 0)) / 12;
}

/**
 * Hourly intervals of a pattern counter in two directions (half each), over local days [fromDay, toDay) of a
 * zone, leaving out the days `skip` names. Counts are not rounded, so the expected figures are exact.
 */
export function patternIntervals(
  c: PatternCounter,
  calendar: LocalCalendar,
  fromDay: string,
  toDay: string,
  skip: (day: string) => boolean = () => false,
): TrafficInterval[] {
  const out: TrafficInterval[] = [];
  const start = calendar.fromWall(Date.parse(`${fromDay}T00:00:00Z`));
  const end = calendar.fromWall(Date.parse(`${toDay}T00:00:00Z`));
  for (let t = start; t < end; t += 3_600_000) {
    const l = calendar.local(t);
    if (skip(l.day)) continue;
    const v =
      c.base *
      (c.month[l.month - 1] as number) *
      (c.weekday[l.weekday - 1] as number) *
      (c.hour[l.hour] as number);
    for (const direction of ['in', 'out'])
      out.push({
        counter: c.counter,
        startMs: t,
        seconds: 3600,
        direction,
        counts: { car: v / 2 },
        uptime: 1,
      });
  }
  return out;
}
