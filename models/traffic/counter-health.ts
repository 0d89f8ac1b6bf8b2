import type { DayVolume } from './daily-volumes.js';
import type { CounterHours } from './hourly-cells.js';
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
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const byHour of hours.cells.values())
    for (const h of byHour.keys()) {
      first = Math.min(first, h);
      last = Math.max(last, h);
    }
  if (untilMs !== undefined && Number.isFinite(last))
    last = Math.max(last, Math.floor((untilMs - 1) / HOUR_MS) * HOUR_MS);
  const minCovered = settings.minHourCoverage * 3600;
  let seenAll = 0;
  const span = Number.isFinite(first) ? (last - first) / HOUR_MS + 1 : 0;
  const directions = [...hours.cells.values()];
  for (let h = first; h <= last; h += HOUR_MS)
    if (directions.every((m) => (m.get(h)?.coveredS ?? 0) >= minCovered)) seenAll++;

  for (const [direction, byHour] of hours.cells) {
    // Usual traffic per local hour of the week (median of the hours seen).
    const usual = new Map<number, number[]>();
    const total = (h: number) => {
      const cell = byHour.get(h);
      if (!cell || cell.coveredS < minCovered) return undefined;
      return cell.counts.reduce((a, b) => a + b, 0);
    };
    const hourOfWeek = (h: number) => {
      const l = calendar.local(h);
      return (l.weekday - 1) * 24 + l.hour;
    };
    for (let h = first; h <= last; h += HOUR_MS) {
      const v = total(h);
      if (v === undefined) continue;
      const k = hourOfWeek(h);
      const list = usual.get(k);
      if (list) list.push(v);
      else usual.set(k, [v]);
    }
    const median = new Map(
      [...usual].map(([k, list]) => [k, list.sort((a, b) => a - b)[list.length >> 1] as number]),
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
    for (let h = first; h <= last; h += HOUR_MS) {
      const cell = byHour.get(h);
      const v = total(h);
      let kind: Run['kind'] | undefined;
      if (!cell || (cell.coveredS === 0 && cell.refusedS === 0)) kind = 'outage';
      else if (v === undefined) kind = 'low-uptime';
      else if (v === 0 && (median.get(hourOfWeek(h)) ?? 0) > 0) kind = 'zero-run';
      else if (v >= 5) kind = 'stuck'; // a quiet hour's 1 or 2 repeats by chance
      const extendable =
        run !== undefined && run.kind === kind && run.to === h && (kind !== 'stuck' || run.value === v);
      if (!extendable) {
        close();
        if (kind) run = { kind, from: h, to: h + HOUR_MS, value: v ?? 0, expected: 0 };
      } else if (run) run.to = h + HOUR_MS;
      if (run && kind === 'zero-run') run.expected += median.get(hourOfWeek(h)) ?? 0;
    }
    close();
  }

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
