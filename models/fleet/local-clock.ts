import { isDanishClosureDay, isDanishSummerTime } from '../../core/index.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** An instant in Danish local time: the local day (days since 1970-01-01 local), hour and weekday. */
export interface LocalInstant {
  day: number;
  /** Hours since local midnight, with the minutes as a fraction. */
  hour: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
}

/**
 * Danish local time (CET/CEST) of many instants in time order, fast: the UTC offset is looked up once per UTC hour
 * (an offset changes only on an hour), so trip extraction keeps its million samples a second.
 */
export class DanishClock {
  private hourKey = Number.NaN;
  private offsetMs = 0;
  private readonly closures = new Map<number, boolean>();

  offsetOf(ms: number): number {
    const key = Math.floor(ms / HOUR_MS);
    if (key !== this.hourKey) {
      this.hourKey = key;
      this.offsetMs = (isDanishSummerTime(ms) ? 2 : 1) * HOUR_MS;
    }
    return this.offsetMs;
  }

  local(ms: number): LocalInstant {
    const wall = ms + this.offsetOf(ms);
    const day = Math.floor(wall / DAY_MS);
    return { day, hour: (wall - day * DAY_MS) / HOUR_MS, weekday: ((day + 3) % 7) + 1 };
  }

  dayOf(ms: number): number {
    return Math.floor((ms + this.offsetOf(ms)) / DAY_MS);
  }

  /** The first instant of a local day. */
  dayStartMs(day: number): number {
    const guess = day * DAY_MS - HOUR_MS;
    return day * DAY_MS - this.offsetOf(guess);
  }

  /** A working day: Monday to Friday, not a Danish public holiday or closure day. */
  isWorkingDay(day: number): boolean {
    let closed = this.closures.get(day);
    if (closed === undefined) {
      closed = isDanishClosureDay(this.dayStartMs(day) + 12 * HOUR_MS);
      this.closures.set(day, closed);
    }
    return ((day + 3) % 7) + 1 <= 5 && !closed;
  }
}

/** A local day as YYYY-MM-DD. */
export function localDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The local day of a YYYY-MM-DD date. */
export function dayOfDate(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** `1 day`, `2 days`. */
export function dayCount(n: number): string {
  return `${n} ${n === 1 ? 'day' : 'days'}`;
}
