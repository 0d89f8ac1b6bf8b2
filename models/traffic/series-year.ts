import { Z90, aashtoAadt, averageOfDayAverages, cellMeans, CELLS } from './aashto.js';
import type { DayVolume } from './daily-volumes.js';
import { weekdayShape, type FactorSource, type SeriesDay } from './factor-groups.js';

/** Which volume of a day a series follows: one mode (index in TRAFFIC_MODES) or all modes. */
export type SeriesPick = number | 'total';

/** The complete days of one year of a counter, as the volumes of one series. */
export function seriesDays(days: readonly DayVolume[], pick: SeriesPick, year?: number): SeriesDay[] {
  const out: SeriesDay[] = [];
  for (const d of days) {
    if (!d.complete || (year !== undefined && d.year !== year)) continue;
    const volume = pick === 'total' ? d.total : (d.modes[pick] as number);
    // The hourly shape of one mode is not kept per day; the day's shape over all modes stands in for it.
    out.push({
      dayIndex: d.dayIndex,
      month: d.month,
      weekday: d.weekday,
      holiday: d.holiday,
      volume,
      byHour: d.byHour,
    });
  }
  return out;
}

export interface PermanentFigures {
  aadt: number;
  /** 90 % range from the day-to-day spread within the month × weekday cells. */
  low: number;
  high: number;
  days: number;
  hvdt: number | undefined;
  july: number | undefined;
  /** Busiest hour of the average working day, as a share of that day. */
  peakHourShare: number | undefined;
}

/** A year with a complete day in every month × weekday cell: ÅDT by AASHTO, HVDT, July and peak-hour share. */
export function permanentFigures(days: readonly SeriesDay[]): PermanentFigures | undefined {
  const aashto = aashtoAadt(cellMeans(days));
  if (!aashto) return undefined;
  const months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const hvdt = averageOfDayAverages(
    days.filter((d) => !d.holiday),
    [1, 2, 3, 4, 5],
    months,
  );
  const july = averageOfDayAverages(days, [1, 2, 3, 4, 5, 6, 7], [7]);
  const shape = weekdayShape(days);
  return {
    aadt: aashto.value,
    low: Math.max(0, aashto.value - Z90 * aashto.standardError),
    high: aashto.value + Z90 * aashto.standardError,
    days: aashto.days,
    hvdt: hvdt?.value,
    july: july?.value,
    peakHourShare: shape ? Math.max(...shape) : undefined,
  };
}

/** The factors a permanent series-year lends to short counts; undefined when a cell has no traffic. */
export function factorSource(
  counter: string,
  year: number,
  days: readonly SeriesDay[],
  figures: PermanentFigures,
): FactorSource | undefined {
  const cells = cellMeans(days);
  if (figures.aadt <= 0 || cells.mean.some((m) => !(m > 0))) return undefined;
  // A cell holds four or five days, so one rainy Tuesday moves its factor: the weekday index (cell / month average)
  // is smoothed over the month and its neighbours, the month average kept (FHWA TMG 2022 §3.3.3 builds day-of-week
  // and month factors separately for the same reason).
  const at = (m: number, d: number) => cells.mean[(((m % 12) + 12) % 12) * 7 + d - 1] as number;
  const madt = (m: number) => [1, 2, 3, 4, 5, 6, 7].reduce((s, d) => s + at(m, d), 0) / 7;
  const factors = new Float64Array(CELLS);
  for (let m = 0; m < 12; m++)
    for (let d = 1; d <= 7; d++) {
      const index = [m - 1, m, m + 1].reduce((s, k) => s + at(k, d) / madt(k), 0) / 3;
      factors[m * 7 + d - 1] = figures.aadt / (madt(m) * index);
    }
  const weekendRatio = new Float64Array(12);
  for (let m = 0; m < 12; m++) {
    const at = (d: number) => cells.mean[m * 7 + d - 1] as number;
    weekendRatio[m] = (at(6) + at(7)) / 2 / ((at(1) + at(2) + at(3) + at(4) + at(5)) / 5);
  }
  const shape = weekdayShape(days) ?? new Float64Array(24).fill(1 / 24);
  return {
    counter,
    year,
    aadt: figures.aadt,
    factors,
    weekendRatio,
    weekdayShape: shape,
    hvdtRatio: figures.hvdt === undefined ? undefined : figures.hvdt / figures.aadt,
    julyRatio: figures.july === undefined ? undefined : figures.july / figures.aadt,
    volumes: new Map(days.map((d) => [d.dayIndex, d.volume])),
  };
}
