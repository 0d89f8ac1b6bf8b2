import { healthInYear, type CounterAnalysis } from './counter-analysis.js';
import type { CounterHealth } from './counter-health.js';
import { expandShortCount, type FactorSource, type ShortCountEstimate } from './factor-groups.js';
import { factorSource, permanentFigures, seriesDays, type SeriesPick } from './series-year.js';
import {
  HEAVY_MODES,
  MOTOR_MODES,
  TRAFFIC_MODES,
  type TrafficMode,
  type TrafficSettings,
} from './traffic-interval.js';

export type AadtMethod = 'aashto' | 'short-count' | 'mean-of-days';

export interface AadtFigure {
  /** Vehicles (or counted units) per day, all directions. */
  value: number;
  /** 90 % range; null when nothing supports one. */
  low: number | null;
  high: number | null;
  method: AadtMethod;
  /** Complete local days used. */
  days: number;
  /** How it was made, in words. */
  description: string;
  factorGroup?: {
    counters: string[];
    years: number;
    pattern: string;
    validationSamples: number;
    /** The mode whose permanent counters gave the factors (another mode when none counts this one). */
    mode: TrafficMode | 'total';
  };
}

export interface CounterYearReport {
  counter: string;
  year: number;
  timeZone: string;
  directions: string[];
  modes: TrafficMode[];
  days: { seen: number; complete: number };
  aadt: AadtFigure;
  modeAadt: Partial<Record<TrafficMode, AadtFigure>>;
  hvdt: number | null;
  july: number | null;
  peakHourShare: number | null;
  heavyShare: number | null;
  modeShares: Partial<Record<TrafficMode, number>>;
  speed: {
    meanKmh: number | null;
    v85Kmh: number | null;
    v85Method: 'mixture' | 'weighted-mean' | null;
    limitKmh: number | null;
    overLimitShare: number | null;
  } | null;
  methods: Record<'hvdt' | 'july' | 'peakHourShare' | 'heavyShare' | 'modeShares', string>;
  health: CounterHealth;
}

const AASHTO_TEXT =
  'AASHTO: average of the 12 monthly averages of the 7 day-of-week averages of complete local days; range from the day-to-day spread in the cells';

/** The factor sources of every permanent counter-year, per mode and for all modes together. */
export function factorPools(analyses: readonly CounterAnalysis[]): Map<SeriesPick, FactorSource[]> {
  const pools = new Map<SeriesPick, FactorSource[]>();
  for (const a of analyses) {
    const years = new Set(a.days.map((d) => d.year));
    for (const year of years)
      for (const pick of ['total', ...a.modes.map((m) => TRAFFIC_MODES.indexOf(m))] as SeriesPick[]) {
        const days = seriesDays(a.days, pick, year);
        const figures = permanentFigures(days);
        const source = figures && factorSource(a.counter, year, days, figures);
        if (source) pools.set(pick, [...(pools.get(pick) ?? []), source]);
      }
  }
  return pools;
}

function round(v: number | undefined | null, digits = 0): number | null {
  if (v === undefined || v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function fromShortCount(e: ShortCountEstimate, mode: TrafficMode | 'total'): AadtFigure {
  return {
    value: round(e.value) as number,
    low: round(e.low),
    high: round(e.high),
    method: 'short-count',
    days: e.days,
    description:
      e.method === 'concurrent'
        ? `short count of ${e.days} complete days, times the ratio ÅDT / volume on the same days of a group of ${e.group.counters.length} permanent counters (${e.group.pattern}) that counted them, chosen by the count's own weekend ratio and hourly shape (the week's weather and events cancel out); ` +
          `90 % range from ${e.validationSamples} counts of the same weekdays in that year, each member expanded by the others`
        : `short count of ${e.days} complete days, each multiplied by the month × weekday factor of a group of ${e.group.counters.length} permanent counters (${e.group.pattern}) chosen by the count's own weekend ratio and hourly shape; ` +
          `90 % range from ${e.validationSamples} counts of the same pattern sampled from the group's years`,
    factorGroup: {
      counters: e.group.counters,
      years: e.group.years,
      pattern: e.group.pattern,
      validationSamples: e.validationSamples,
      mode,
    },
  };
}

/**
 * ÅDT and key figures per counter and local year. A year with a complete day in every month × weekday cell is a
 * permanent count (AASHTO); any other year is a short count, expanded per mode with factors of the other counters'
 * permanent years of that mode (of all modes together when no other counter counts it), and summed over modes.
 */
export function trafficReport(
  analyses: readonly CounterAnalysis[],
  settings: Pick<TrafficSettings, 'speedLimitsKmh'>,
  pools: Map<SeriesPick, FactorSource[]> = factorPools(analyses),
  only?: { year?: number },
): CounterYearReport[] {
  const out: CounterYearReport[] = [];
  for (const a of analyses) {
    const years = [...new Set(a.days.map((d) => d.year))].sort();
    for (const year of years) {
      if (only?.year !== undefined && year !== only.year) continue;
      const yearDays = a.days.filter((d) => d.year === year);
      const complete = yearDays.filter((d) => d.complete);
      const modeAadt: Partial<Record<TrafficMode, AadtFigure>> = {};
      let hvdt: number | null = null;
      let july: number | null = null;
      let peak: number | null = null;
      let aadt: AadtFigure;
      const total = permanentFigures(seriesDays(a.days, 'total', year));
      if (total) {
        aadt = {
          value: round(total.aadt) as number,
          low: round(total.low),
          high: round(total.high),
          method: 'aashto',
          days: total.days,
          description: AASHTO_TEXT,
        };
        hvdt = round(total.hvdt);
        july = round(total.july);
        peak = round(total.peakHourShare, 4);
        for (const m of a.modes) {
          const f = permanentFigures(seriesDays(a.days, TRAFFIC_MODES.indexOf(m), year));
          if (f)
            modeAadt[m] = {
              value: round(f.aadt, 1) as number,
              low: round(f.low, 1),
              high: round(f.high, 1),
              method: 'aashto',
              days: f.days,
              description: AASHTO_TEXT,
            };
        }
      } else if (complete.length === 0) {
        aadt = {
          value: 0,
          low: null,
          high: null,
          method: 'mean-of-days',
          days: 0,
          description: 'no complete local day in the year',
        };
      } else {
        const estimates: { mode: TrafficMode; e: ShortCountEstimate; from: TrafficMode | 'total' }[] = [];
        for (const m of a.modes) {
          const pick = TRAFFIC_MODES.indexOf(m);
          const days = seriesDays(a.days, pick, year);
          const own = (pools.get(pick) ?? []).filter((s) => s.counter !== a.counter);
          const from = own.length > 0 ? m : 'total';
          const e = expandShortCount(a.counter, days, own.length > 0 ? own : (pools.get('total') ?? []));
          if (e) estimates.push({ mode: m, e, from });
        }
        if (estimates.length === a.modes.length && estimates.length > 0) {
          for (const { mode, e, from } of estimates) modeAadt[mode] = fromShortCount(e, from);
          const sum = (k: 'value' | 'low' | 'high') =>
            estimates.every((x) => x.e[k] !== undefined)
              ? estimates.reduce((s, x) => s + (x.e[k] as number), 0)
              : undefined;
          const first = (estimates[0] as (typeof estimates)[number]).e;
          aadt = {
            ...fromShortCount(
              { ...first, value: sum('value') as number, low: sum('low'), high: sum('high') },
              estimates.length === 1 ? estimates[0]!.from : 'total',
            ),
            ...(estimates.length > 1
              ? {
                  description: `sum over modes of short-count expansions (${estimates.map((x) => x.mode).join(', ')}), each as described under modeAadt; ranges added (modes assumed to move together)`,
                }
              : {}),
          };
          const ratioSum = (k: 'hvdtRatio' | 'julyRatio') =>
            estimates.every((x) => x.e[k] !== undefined)
              ? estimates.reduce((s, x) => s + x.e.value * (x.e[k] as number), 0)
              : undefined;
          hvdt = round(ratioSum('hvdtRatio'));
          july = round(ratioSum('julyRatio'));
        } else {
          const mean = complete.reduce((s, d) => s + d.total, 0) / complete.length;
          aadt = {
            value: round(mean) as number,
            low: null,
            high: null,
            method: 'mean-of-days',
            days: complete.length,
            description:
              'mean of the complete days, not expanded: no permanent counter to learn factors from',
          };
        }
      }
      const sums = new Float64Array(TRAFFIC_MODES.length);
      for (const d of complete)
        for (let m = 0; m < sums.length; m++) sums[m] = (sums[m] as number) + (d.modes[m] as number);
      const all = sums.reduce((x, y) => x + y, 0);
      const modeShares: Partial<Record<TrafficMode, number>> = {};
      if (all > 0)
        for (const m of a.modes)
          modeShares[m] = round((sums[TRAFFIC_MODES.indexOf(m)] as number) / all, 4) as number;
      const motor = MOTOR_MODES.reduce((s, m) => s + (sums[TRAFFIC_MODES.indexOf(m)] as number), 0);
      const heavy = HEAVY_MODES.reduce((s, m) => s + (sums[TRAFFIC_MODES.indexOf(m)] as number), 0);
      const acc = a.speeds.get(year);
      const limit = settings.speedLimitsKmh[a.counter];
      const v85 = acc?.v85Kmh();
      out.push({
        counter: a.counter,
        year,
        timeZone: a.timeZone,
        directions: a.directions,
        modes: a.modes,
        days: { seen: yearDays.length, complete: complete.length },
        aadt,
        modeAadt,
        hvdt,
        july,
        peakHourShare: peak,
        heavyShare: motor > 0 ? round(heavy / motor, 4) : null,
        modeShares,
        speed: acc
          ? {
              meanKmh: round(acc.meanKmh(), 1),
              v85Kmh: round(v85?.value, 1),
              v85Method: v85?.method ?? null,
              limitKmh: limit ?? null,
              overLimitShare: limit === undefined ? null : round(acc.overShare(limit), 4),
            }
          : null,
        methods: {
          hvdt: total
            ? 'working days Mon–Fri without public holidays: average of monthly averages of their day-of-week averages'
            : 'short-count ÅDT × the factor group’s HVDT/ÅDT ratio',
          july: total
            ? 'average of the 7 day-of-week averages of July'
            : 'short-count ÅDT × the factor group’s July/ÅDT ratio',
          peakHourShare:
            'busiest local hour of the average working day, as a share of that day (permanent years only)',
          heavyShare: 'trucks and buses as a share of motor vehicles, over the complete days',
          modeShares: 'each mode’s share of all counts over the complete days',
        },
        health: healthInYear(a, year),
      });
    }
  }
  return out;
}
