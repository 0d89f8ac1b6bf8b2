import { badRequest } from '../../core/index.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface LocalInstant {
  /** Local date, `YYYY-MM-DD`. */
  day: string;
  /** Local date as days since 1970-01-01 (a local day's index, not a UTC one). */
  dayIndex: number;
  year: number;
  /** 1–12. */
  month: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  /** Local hour of day, 0–23. */
  hour: number;
}

/**
 * Local days, hours and weekdays in one IANA time zone. Traffic is counted and reported in the counter's local days
 * (a Danish ÅDT is built from Danish days, 00–24 local time, not UTC days); the zone is a property of the counter or
 * the import, Europe/Copenhagen by default. The zone's offset is looked up once per UTC hour and cached, which is
 * exact for every zone whose offset changes on a whole hour.
 */
export class LocalCalendar {
  private readonly offsets = new Map<number, number>();
  /** Local instants by UTC hour: a year of 15-minute intervals asks for each hour many times over. */
  private readonly hours = new Map<number, LocalInstant>();
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      });
    } catch {
      throw badRequest('timeZone', `"${timeZone}" is not an IANA time zone such as Europe/Copenhagen`);
    }
  }

  /** The zone's offset from UTC at an instant, in ms (Copenhagen: +1 h in winter, +2 h in summer). */
  offsetMs(ms: number): number {
    const hour = Math.floor(ms / HOUR_MS);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      const parts: Record<string, number> = {};
      for (const p of this.format.formatToParts(new Date(hour * HOUR_MS)))
        if (p.type !== 'literal') parts[p.type] = Number(p.value);
      const asUtc = Date.UTC(
        parts.year as number,
        (parts.month as number) - 1,
        parts.day as number,
        parts.hour as number,
        parts.minute as number,
      );
      offset = asUtc - hour * HOUR_MS;
      this.offsets.set(hour, offset);
    }
    return offset;
  }

  /** The local wall-clock time of an instant, shifted to a UTC-based ms count (for date arithmetic only). */
  wallMs(ms: number): number {
    return ms + this.offsetMs(ms);
  }

  local(ms: number): LocalInstant {
    const hour = Math.floor(ms / HOUR_MS);
    let cached = this.hours.get(hour);
    if (!cached) {
      if (this.hours.size > 500_000) this.hours.clear();
      cached = this.compute(hour * HOUR_MS);
      this.hours.set(hour, cached);
    }
    return cached;
  }

  private compute(ms: number): LocalInstant {
    const wall = this.wallMs(ms);
    const d = new Date(wall);
    return {
      day: d.toISOString().slice(0, 10),
      dayIndex: Math.floor(wall / DAY_MS),
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      weekday: ((d.getUTCDay() + 6) % 7) + 1,
      hour: d.getUTCHours(),
    };
  }

  /** The instant a local wall-clock time names; in the hour repeated in autumn, the first of the two. */
  fromWall(wallMs: number): number {
    let guess = wallMs - this.offsetMs(wallMs);
    guess = wallMs - this.offsetMs(guess);
    return guess;
  }

  /** First instant of a local day (by index). */
  dayStartMs(dayIndex: number): number {
    return this.fromWall(dayIndex * DAY_MS);
  }

  /** The UTC hour starts of a local day: 24, or 23 and 25 on the days summer time begins and ends. */
  hoursOfDay(dayIndex: number): number[] {
    const start = this.dayStartMs(dayIndex);
    const end = this.dayStartMs(dayIndex + 1);
    const hours: number[] = [];
    for (let t = start; t < end; t += HOUR_MS) hours.push(t);
    return hours;
  }
}

/** A local date `YYYY-MM-DD` as a day index (days since 1970-01-01). */
export function dayIndexOf(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

/** The `YYYY-MM-DD` of a day index. */
export function dayOfIndex(dayIndex: number): string {
  return new Date(dayIndex * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday) of a day index. */
export function weekdayOfIndex(dayIndex: number): number {
  return ((((dayIndex + 3) % 7) + 7) % 7) + 1;
}
