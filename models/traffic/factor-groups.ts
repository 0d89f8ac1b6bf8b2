import { CELLS, cellOf } from './aashto.js';
import { weekdayOfIndex } from './local-calendar.js';
import type { SeriesDay } from './traffic-interval.js';

export type { SeriesDay };

/** What a permanent counter-year teaches about its series: factors, pattern, and its days for validation. */
export interface FactorSource {
  counter: string;
  year: number;
  aadt: number;
  /** ÅDT / mean volume of the month × weekday cell (84 cells, January Monday first). */
  factors: Float64Array;
  /** Per month, mean weekend day / mean weekday (Mon–Fri). */
  weekendRatio: Float64Array;
  /** Average working-day profile by local hour, summing to 1. */
  weekdayShape: Float64Array;
  /** HVDT / ÅDT and July day / ÅDT, to carry the ratios over to a short count. */
  hvdtRatio: number | undefined;
  julyRatio: number | undefined;
  /** Complete days' volumes by day index (for sampling counts out of the year). */
  volumes: Map<number, number>;
}

/** A factor source's pattern, for documentation: commuter (weekdays busier), leisure (weekends busier) or mixed. */
export type TrafficPattern = 'commuter' | 'mixed' | 'leisure';

export function patternOf(weekendRatio: number): TrafficPattern {
  return weekendRatio < 0.75 ? 'commuter' : weekendRatio > 1.15 ? 'leisure' : 'mixed';
}

interface Signature {
  weekendRatio: number | undefined;
  weekdayShape: Float64Array | undefined;
  months: number[];
}

export function weekdayShape(days: readonly SeriesDay[]): Float64Array | undefined {
  const shape = new Float64Array(24);
  let n = 0;
  for (const d of days) {
    if (d.weekday > 5 || d.holiday) continue;
    for (let h = 0; h < 24; h++) shape[h] = (shape[h] as number) + (d.byHour[h] ?? 0);
    n++;
  }
  const total = shape.reduce((a, b) => a + b, 0);
  if (n === 0 || total <= 0) return undefined;
  return shape.map((v) => v / total);
}

function signatureOf(days: readonly SeriesDay[]): Signature {
  const mean = (pick: (d: SeriesDay) => boolean) => {
    const v = days.filter(pick).map((d) => d.volume);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
  };
  const weekend = mean((d) => d.weekday >= 6);
  const weekday = mean((d) => d.weekday <= 5 && !d.holiday);
  return {
    weekendRatio: weekend !== undefined && weekday ? Math.max(weekend, 0.5) / weekday : undefined,
    weekdayShape: weekdayShape(days),
    months: [...new Set(days.map((d) => d.month))],
  };
}

/** How unlike a factor source a count's own profile is: weekend ratio (log) plus hourly shape (total variation). */
function distance(sig: Signature, src: FactorSource): number {
  let d = 0;
  if (sig.weekendRatio !== undefined) {
    const r = sig.months.reduce((s, m) => s + (src.weekendRatio[m - 1] as number), 0) / sig.months.length;
    d += Math.abs(Math.log(sig.weekendRatio / r));
  }
  if (sig.weekdayShape) {
    let tv = 0;
    for (let h = 0; h < 24; h++)
      tv += Math.abs((sig.weekdayShape[h] as number) - (src.weekdayShape[h] as number));
    d += tv / 2;
  }
  return d;
}

/** Mean factors of a set of sources, each counter weighing the same however many years it gives. */
function groupFactors(sources: readonly FactorSource[]): Float64Array {
  const byCounter = new Map<string, FactorSource[]>();
  for (const s of sources) byCounter.set(s.counter, [...(byCounter.get(s.counter) ?? []), s]);
  const f = new Float64Array(CELLS);
  for (const list of byCounter.values())
    for (const s of list)
      for (let c = 0; c < CELLS; c++)
        f[c] = (f[c] as number) + (s.factors[c] as number) / list.length / byCounter.size;
  return f;
}

function expand(
  days: readonly { month: number; weekday: number; volume: number }[],
  factors: Float64Array,
): number {
  let s = 0;
  for (const d of days) s += d.volume * (factors[cellOf(d.month, d.weekday)] as number);
  return s / days.length;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export interface ShortCountEstimate {
  /**
   * `concurrent`: expanded by the ratio ÅDT / volume of permanent counters on the very same days (weather, events
   * and holidays of that week cancel out); `factors`: by month × weekday factors averaged over the group's years,
   * when no permanent counter of the group counted the same days of a complete year.
   */
  method: 'concurrent' | 'factors';
  value: number;
  /** The 90 % range: 5th and 95th percentile of the group's validation errors applied to the estimate. */
  low: number | undefined;
  high: number | undefined;
  days: number;
  /** Before the group's median error was taken out. */
  unadjusted: number;
  group: { counters: string[]; years: number; pattern: TrafficPattern; distance: number };
  /** Counts sampled from the group's own years to size the range. */
  validationSamples: number;
  hvdtRatio: number | undefined;
  julyRatio: number | undefined;
}

export interface ShortCountOptions {
  /** Most counters in a factor group (FHWA's groups have a handful of continuous counters). */
  maxGroup: number;
  /** Share of the candidate counters, nearest first, that forms the group (1: every permanent counter). */
  groupShare: number;
  /** Validation counts start on the count's weekday within ± this many weeks of its date in other years. */
  seasonWeeks: number;
  /** Expand by permanent counters on the same days when two of them counted them (see expandConcurrent). */
  sameDays: boolean;
}

export const DEFAULT_SHORT_COUNT_OPTIONS: ShortCountOptions = {
  maxGroup: 8,
  groupShare: 0.5,
  seasonWeeks: 8,
  sameDays: true,
};

/**
 * ÅDT from a short count (FHWA TMG 2022 §3.3; Vejdirektoratet's expansion of short counts): each day's volume is
 * multiplied by the month × weekday factor of a factor group, and the products averaged. The group is the permanent
 * counters (never the counted one) whose weekend ratio and working-day hourly shape are nearest the count's own,
 * so a commuter path gets commuter factors. The 90 % range is empirical: the same count pattern (same weekdays,
 * same season) is cut out of every group member's other-year data, expanded with the factors of the rest of the
 * group, and compared with that member's true ÅDT; the 5th–95th percentile of those errors is the range, and their
 * median is taken out of the estimate.
 */
export function expandShortCount(
  counter: string,
  days: readonly SeriesDay[],
  sources: readonly FactorSource[],
  options: ShortCountOptions = DEFAULT_SHORT_COUNT_OPTIONS,
): ShortCountEstimate | undefined {
  const donors = sources.filter((s) => s.counter !== counter);
  if (days.length === 0 || donors.length === 0) return undefined;
  const sig = signatureOf(days);
  const concurrent = options.sameDays ? expandConcurrent(days, sig, donors, options) : undefined;
  if (concurrent) return concurrent;
  const byCounter = new Map<string, FactorSource[]>();
  for (const s of donors) byCounter.set(s.counter, [...(byCounter.get(s.counter) ?? []), s]);
  const ranked = [...byCounter.entries()]
    .map(([name, list]) => ({ name, list, d: list.reduce((a, s) => a + distance(sig, s), 0) / list.length }))
    .sort((a, b) => a.d - b.d);
  const size = groupSize(ranked.length, options);
  const group = ranked.slice(0, size);
  const members = group.flatMap((g) => g.list);
  const estimate = expand(days, groupFactors(members));

  const errors = validationErrors(days, group, options.seasonWeeks);
  return shortCountResult(
    'factors',
    days.length,
    estimate,
    errors,
    true,
    group.map((g) => g.name),
    members,
    group,
  );
}

/**
 * Log errors ln(true ÅDT / estimate) of the count's pattern cut out of each group member's years, each expanded with
 * the factors of the group without that member (or, in a group of one, of that member's other years).
 */
function validationErrors(
  days: readonly SeriesDay[],
  group: readonly { name: string; list: FactorSource[] }[],
  seasonWeeks: number,
): number[] {
  const start = days[0] as SeriesDay;
  const offsets = days.map((d) => d.dayIndex - start.dayIndex);
  const startDoy = dayOfYear(start.dayIndex);
  const errors: number[] = [];
  for (const member of group) {
    const others = group.filter((g) => g !== member).flatMap((g) => g.list);
    for (const src of member.list) {
      const factors = groupFactors(others.length ? others : member.list.filter((s) => s !== src));
      if (others.length === 0 && member.list.length < 2) continue;
      const yearStart = Math.floor(Date.UTC(src.year, 0, 1) / 86_400_000);
      let anchor = yearStart + startDoy;
      anchor += ((start.weekday - weekdayOfIndex(anchor) + 10) % 7) - 3;
      for (let w = -seasonWeeks; w <= seasonWeeks; w++) {
        const s = anchor + 7 * w;
        const sample: { month: number; weekday: number; volume: number }[] = [];
        for (const o of offsets) {
          const v = src.volumes.get(s + o);
          if (v === undefined) break;
          const date = new Date((s + o) * 86_400_000);
          sample.push({ month: date.getUTCMonth() + 1, weekday: weekdayOfIndex(s + o), volume: v });
        }
        if (sample.length !== offsets.length) continue;
        const est = expand(sample, factors);
        if (est > 0) errors.push(Math.log(src.aadt / est));
      }
    }
  }
  return errors;
}

function dayOfYear(dayIndex: number): number {
  const year = new Date(dayIndex * 86_400_000).getUTCFullYear();
  return dayIndex - Math.floor(Date.UTC(year, 0, 1) / 86_400_000);
}

/** Counters in a factor group: the nearer `groupShare` of the candidates, at least 2, at most `maxGroup`. */
function groupSize(candidates: number, options: ShortCountOptions): number {
  return Math.min(
    candidates,
    Math.max(2, Math.min(options.maxGroup, Math.round(candidates * options.groupShare))),
  );
}

/**
 * A short count's estimate from its validation errors ln(true ÅDT / estimate): the 90 % range from their 5th and 95th
 * percentiles (with at least 20), and with `calibrate` their median taken out of the value.
 */
function shortCountResult(
  method: ShortCountEstimate['method'],
  days: number,
  estimate: number,
  errors: number[],
  calibrate: boolean,
  counters: string[],
  members: readonly FactorSource[],
  group: readonly { d: number }[],
): ShortCountEstimate {
  const sorted = errors.sort((a, b) => a - b);
  const enough = sorted.length >= 20;
  const median = calibrate && enough ? quantile(sorted, 0.5) : 0;
  const mean = (k: 'hvdtRatio' | 'julyRatio') => {
    const v = members.map((m) => m[k]).filter((x): x is number => x !== undefined);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
  };
  const weekend =
    members.reduce((s, m) => s + m.weekendRatio.reduce((a, b) => a + b, 0) / 12, 0) / members.length;
  return {
    method,
    value: estimate * Math.exp(median),
    low: enough ? estimate * Math.exp(quantile(sorted, 0.05)) : undefined,
    high: enough ? estimate * Math.exp(quantile(sorted, 0.95)) : undefined,
    days,
    unadjusted: estimate,
    group: {
      counters,
      years: members.length,
      pattern: patternOf(weekend),
      distance: group.reduce((s, g) => s + g.d, 0) / group.length,
    },
    validationSamples: sorted.length,
    hvdtRatio: mean('hvdtRatio'),
    julyRatio: mean('julyRatio'),
  };
}

/** Mean volume of a source on the given days, or undefined when it misses one of them. */
function meanOn(src: FactorSource, dayIndexes: readonly number[]): number | undefined {
  let sum = 0;
  for (const d of dayIndexes) {
    const v = src.volumes.get(d);
    if (v === undefined) return undefined;
    sum += v;
  }
  return sum / dayIndexes.length;
}

/** ln(ÅDT / mean volume on the days) of each source, averaged; undefined when none has a usable ratio. */
function meanLogRatio(sources: readonly FactorSource[], dayIndexes: readonly number[]): number | undefined {
  let sum = 0;
  let n = 0;
  for (const s of sources) {
    const m = meanOn(s, dayIndexes);
    if (m === undefined || m <= 0) continue;
    sum += Math.log(s.aadt / m);
    n++;
  }
  return n ? sum / n : undefined;
}

/**
 * Same-period expansion (Vejdirektoratet and FHWA TMG: when continuous counters run during the short count, their
 * ratio of ÅDT to the volume on the same days is the expansion factor): the count's mean day times the mean log
 * ratio ÅDT / same-days volume of the nearest permanent counters (by weekend ratio and hourly shape) that counted
 * every one of those days in a complete year. The weather, events and holidays of the counted week are then in the
 * factor too, which month × weekday factors averaged over years cannot hold. The 90 % range: every permanent counter
 * of the period in turn is the "short count" over the same weekdays anywhere in that year, expanded by the group
 * without it on those days, and compared with its own ÅDT. Needs two permanent counters of that period; else undefined.
 */
/**
 * The same-days validation shifts the count over the whole year (± 26 weeks, same weekdays): with two or three
 * permanent counters in a period, ± 8 weeks gave too few samples and too narrow a range (on the Seattle counters,
 * 80 % instead of 90 % coverage for 8-week counts).
 */
const SAME_DAYS_SPAN_WEEKS = 26;
function expandConcurrent(
  days: readonly SeriesDay[],
  sig: Signature,
  donors: readonly FactorSource[],
  options: ShortCountOptions,
): ShortCountEstimate | undefined {
  const indexes = days.map((d) => d.dayIndex);
  const covering = donors.filter((s) => meanOn(s, indexes) !== undefined);
  const byCounter = new Map<string, FactorSource>();
  for (const s of covering) byCounter.set(s.counter, s);
  if (byCounter.size < 2) return undefined;
  const ranked = [...byCounter.values()].map((s) => ({ s, d: distance(sig, s) })).sort((a, b) => a.d - b.d);
  const size = groupSize(ranked.length, options);
  const group = ranked.slice(0, size);
  const members = group.map((g) => g.s);
  const ratio = meanLogRatio(members, indexes);
  if (ratio === undefined) return undefined;
  const estimate = (days.reduce((a, d) => a + d.volume, 0) / days.length) * Math.exp(ratio);

  const errors: number[] = [];
  for (const member of byCounter.values()) {
    const others = members.filter((m) => m !== member);
    for (let w = -SAME_DAYS_SPAN_WEEKS; w <= SAME_DAYS_SPAN_WEEKS; w++) {
      const shifted = indexes.map((i) => i + 7 * w);
      const own = meanOn(member, shifted);
      const r = meanLogRatio(others, shifted);
      if (own === undefined || own <= 0 || r === undefined) continue;
      errors.push(Math.log(member.aadt / (own * Math.exp(r))));
    }
  }
  return shortCountResult(
    'concurrent',
    days.length,
    estimate,
    errors,
    false,
    members.map((m) => m.counter),
    members,
    group,
  );
}
