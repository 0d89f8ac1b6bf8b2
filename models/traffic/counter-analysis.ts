import { counterHealth, HEALTH_KINDS, type CounterHealth, type HealthKind } from './counter-health.js';
import { dailyVolumes, type DayVolume } from './daily-volumes.js';
import { hourlyCells } from './hourly-cells.js';
import { LocalCalendar } from './local-calendar.js';
import { SpeedAccumulator } from './speed.js';
import {
  TRAFFIC_MODES,
  type TrafficInterval,
  type TrafficMode,
  type TrafficSettings,
} from './traffic-interval.js';

/** What one pass over a counter's intervals keeps: its local days, health and speeds per year. */
export interface CounterAnalysis {
  counter: string;
  timeZone: string;
  directions: string[];
  modes: TrafficMode[];
  days: DayVolume[];
  health: CounterHealth;
  speeds: Map<number, SpeedAccumulator>;
  calendar: LocalCalendar;
}

/** The zone of a counter: its own, or the import's default. */
export function zoneOf(counter: string, settings: Pick<TrafficSettings, 'timeZone' | 'timeZones'>): string {
  return settings.timeZones[counter] ?? settings.timeZone;
}

const calendars = new Map<string, LocalCalendar>();
function calendarFor(zone: string): LocalCalendar {
  let c = calendars.get(zone);
  if (!c) calendars.set(zone, (c = new LocalCalendar(zone)));
  return c;
}

export function analyseCounter(
  counter: string,
  intervals: readonly TrafficInterval[],
  settings: TrafficSettings,
  /** End of the period asked about (outages run until then); default: the last interval. */
  untilMs?: number,
): CounterAnalysis {
  const calendar = calendarFor(zoneOf(counter, settings));
  const hours = hourlyCells(counter, intervals, settings);
  const days = dailyVolumes(hours, calendar, settings);
  const speeds = new Map<number, SpeedAccumulator>();
  // The local year's bounds are kept while intervals stay in it: a lookup per interval was a measurable cost.
  let yearFrom = Number.POSITIVE_INFINITY;
  let yearTo = Number.NEGATIVE_INFINITY;
  let acc: SpeedAccumulator | undefined;
  for (const iv of intervals) {
    if (iv.meanKmh === undefined && iv.v85Kmh === undefined) continue;
    if (iv.startMs < yearFrom || iv.startMs >= yearTo) {
      const year = calendar.local(iv.startMs).year;
      yearFrom = calendar.fromWall(Date.UTC(year, 0, 1));
      yearTo = calendar.fromWall(Date.UTC(year + 1, 0, 1));
      acc = speeds.get(year);
      if (!acc) speeds.set(year, (acc = new SpeedAccumulator()));
    }
    (acc as SpeedAccumulator).add(iv);
  }
  return {
    counter,
    timeZone: calendar.timeZone,
    directions: hours.directions,
    modes: [...hours.modes].sort((a, b) => a - b).map((m) => TRAFFIC_MODES[m] as TrafficMode),
    days,
    health: counterHealth(hours, days, calendar, settings, undefined, untilMs),
    speeds,
    calendar,
  };
}

/** The health issues of one local year of a counter, its status judged again on them. */
export function healthInYear(analysis: CounterAnalysis, year: number): CounterHealth {
  const { health, calendar } = analysis;
  const issues = health.issues.filter((i) => calendar.local(Date.parse(i.from)).year === year);
  const counts = Object.fromEntries(HEALTH_KINDS.map((k) => [k, 0])) as Record<HealthKind, number>;
  for (const i of issues) counts[i.kind]++;
  const lastYear = Math.max(...analysis.days.map((d) => d.year));
  const days = analysis.days.filter((d) => d.year === year);
  const status =
    year === lastYear && health.status === 'fault' ? 'fault' : issues.length > 0 ? 'warning' : 'ok';
  const hours = days.reduce((s, d) => s + d.hours, 0);
  return {
    status,
    availability: hours > 0 ? days.reduce((s, d) => s + d.hoursSeen, 0) / hours : 0,
    issues,
    counts,
  };
}
