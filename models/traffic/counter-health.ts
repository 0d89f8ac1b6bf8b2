import type { DayVolume } from './daily-volumes.js';
import { hourTotal, type CounterHours, type DirectionHours } from './hourly-cells.js';
import type { LocalCalendar } from './local-calendar.js';
import type { TrafficSettings } from './traffic-interval.js';

const HOUR_MS = 3_600_000;

export const HEALTH_KINDS = ['outage', 'low-uptime', 'stuck', 'zero-run', 'jump'] as const;
export type HealthKind = (typeof HEALTH_KINDS)[number];

export interface HealthIssue {
  kind: HealthKind;
  /** Absent for a whole-counter issue (a jump in the day's total). */
  direction?: string;
  from: string;
  to: string;
  hours: number;
  detail: string;
}

export interface CounterHealth {
  /** `fault` with an outage, stuck values or an unexplained zero run in the last day seen; `warning` with any issue. */
  status: 'ok' | 'warning' | 'fault';
  /** Hours seen (uptime-accepted, every direction) over hours in the span from first to last data. */
  availability: number;
  issues: HealthIssue[];
  /** Issues per kind (all of them, also those beyond the listed ones). */
  counts: Record<HealthKind, number>;
}

export interface HealthOptions {
  /** The same non-zero hourly count this many hours running is a stuck counter. */
  stuckHours: number;
  /** A run of zeros is implausible when the usual traffic of those hours adds up to this many (P(0) = e^-20). */
  zeroRunExpected: number;
  /** A day's total this many times above or below the median of the same weekday nearby is a jump. */
  jumpRatio: number;
  /** Issues listed (the rest only counted). */
  maxIssues: number;
}

export const DEFAULT_HEALTH_OPTIONS: HealthOptions = {
  stuckHours: 4,
  zeroRunExpected: 20,
  jumpRatio: 3,
  maxIssues: 200,
};

/**
 * A counter's health over its data: outages (hours with no interval), low uptime (intervals refused for uptime under
 * the threshold), stuck values, runs of zeros where the same hours usually carry traffic (Poisson: a run whose usual
 * volume is 20 has a chance of e^-20 of being empty), and day totals that jump against the same weekday nearby.
 */
export function counterHealth(
  hours: CounterHours,
  days: readonly DayVolume[],
  calendar: LocalCalendar,
  settings: Pick<TrafficSettings, 'minHourCoverage'>,
  options: HealthOptions = DEFAULT_HEALTH_OPTIONS,
  /** End of the period asked about: a counter silent since its last data is in an outage until then. */
  untilMs?: number,
): CounterHealth {
  const issues: HealthIssue[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  const push = (
    kind: HealthKind,
    direction: string | undefined,
    fromMs: number,
    toMs: number,
    detail: string,
  ) =>
    issues.push({
      kind,
      ...(direction === undefined ? {} : { direction }),
      from: iso(fromMs),
      to: iso(toMs),
      hours: Math.round((toMs - fromMs) / HOUR_MS),
      detail,
    });
  const { firstHourMs, byDirection } = hours;
  const first = hours.hours > 0 ? firstHourMs : Number.POSITIVE_INFINITY;
  let last = hours.hours > 0 ? firstHourMs + (hours.hours - 1) * HOUR_MS : Number.NEGATIVE_INFINITY;
  if (untilMs !== undefined && Number.isFinite(last))
    last = Math.max(last, Math.floor((untilMs - 1) / HOUR_MS) * HOUR_MS);
  const minCovered = settings.minHourCoverage * 3600;
  const span = Number.isFinite(first) ? (last - first) / HOUR_MS + 1 : 0;
  // Hour i of the span (0 = the first hour with data); beyond the data, every array reads as nothing seen.
  const covered = (d: DirectionHours, i: number) => (i < hours.hours ? (d.coveredS[i] as number) : 0);
  let seenAll = 0;
  for (let i = 0; i < span; i++) if (byDirection.every((d) => covered(d, i) >= minCovered)) seenAll++;
  // Local hour of the week of each hour of the span (Monday 00 = 0).
  const hourOfWeek = new Uint8Array(span);
  for (let i = 0; i < span; i++) {
    const l = calendar.local(first + i * HOUR_MS);
    hourOfWeek[i] = (l.weekday - 1) * 24 + l.hour;
  }

  hours.directions.forEach((direction, k) => {
    const d = byDirection[k] as DirectionHours;
    const total = (i: number) => {
      const c = covered(d, i);
      if (c < minCovered || c === 0) return undefined;
      return hourTotal(d, i);
    };
    // Usual traffic per local hour of the week (median of the hours seen).
    const usual: number[][] = Array.from({ length: 168 }, () => []);
    for (let i = 0; i < span; i++) {
      const v = total(i);
      if (v !== undefined) (usual[hourOfWeek[i] as number] as number[]).push(v);
    }
    const median = usual.map((list) =>
      list.length === 0 ? 0 : (list.sort((a, b) => a - b)[list.length >> 1] as number),
    );
    type Run = {
      kind: 'outage' | 'low-uptime' | 'stuck' | 'zero-run';
      from: number;
      to: number;
      value: number;
      expected: number;
    };
    let run: Run | undefined;
    const close = () => {
      if (!run) return;
      const hoursLong = (run.to - run.from) / HOUR_MS;
      if (run.kind === 'outage') push('outage', direction, run.from, run.to, `no counts for ${hoursLong} h`);
      else if (run.kind === 'low-uptime')
        push('low-uptime', direction, run.from, run.to, `uptime under the threshold for ${hoursLong} h`);
      else if (run.kind === 'stuck' && hoursLong >= options.stuckHours)
        push('stuck', direction, run.from, run.to, `${run.value} every hour for ${hoursLong} h`);
      else if (run.kind === 'zero-run' && run.expected >= options.zeroRunExpected)
        push(
          'zero-run',
          direction,
          run.from,
          run.to,
          `0 counted where ${Math.round(run.expected)} are usual`,
        );
      run = undefined;
    };
    for (let i = 0; i < span; i++) {
      const h = first + i * HOUR_MS;
      const refused = i < hours.hours ? (d.refusedS[i] as number) : 0;
      const v = total(i);
      const usualHere = median[hourOfWeek[i] as number] as number;
      let kind: Run['kind'] | undefined;
      if (covered(d, i) === 0 && refused === 0) kind = 'outage';
      else if (v === undefined) kind = 'low-uptime';
      else if (v === 0 && usualHere > 0) kind = 'zero-run';
      else if (v >= 5) kind = 'stuck'; // a quiet hour's 1 or 2 repeats by chance
      const extendable =
        run !== undefined && run.kind === kind && run.to === h && (kind !== 'stuck' || run.value === v);
      if (!extendable) {
        close();
        if (kind) run = { kind, from: h, to: h + HOUR_MS, value: v ?? 0, expected: 0 };
      } else if (run) run.to = h + HOUR_MS;
      if (run && kind === 'zero-run') run.expected += usualHere;
    }
    close();
  });

  const complete = days.filter((d) => d.complete);
  for (const d of complete) {
    const near = complete
      .filter((o) => o !== d && o.weekday === d.weekday && Math.abs(o.dayIndex - d.dayIndex) <= 28)
      .map((o) => o.total)
      .sort((a, b) => a - b);
    if (near.length < 3) continue;
    const med = near[near.length >> 1] as number;
    if (med < 50) continue;
    const ratio = d.total / med;
    if (ratio > options.jumpRatio || ratio < 1 / options.jumpRatio) {
      const start = calendar.dayStartMs(d.dayIndex);
      push(
        'jump',
        undefined,
        start,
        calendar.dayStartMs(d.dayIndex + 1),
        `${Math.round(d.total)} against a usual ${Math.round(med)} on that weekday`,
      );
    }
  }

  issues.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const counts = Object.fromEntries(HEALTH_KINDS.map((k) => [k, 0])) as Record<HealthKind, number>;
  for (const i of issues) counts[i.kind]++;
  const lastDay = last - 24 * HOUR_MS;
  const current = issues.some(
    (i) => Date.parse(i.to) > lastDay && (i.kind === 'outage' || i.kind === 'stuck' || i.kind === 'zero-run'),
  );
  return {
    status: current ? 'fault' : issues.length > 0 ? 'warning' : 'ok',
    availability: span > 0 ? seenAll / span : 0,
    issues: issues.slice(0, options.maxIssues),
    counts,
  };
}
