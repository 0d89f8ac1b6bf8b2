import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Point } from '../../core/index.js';
import type { TimeSeriesStore } from '../../store/index.js';
import { profileRows, type ProfileBucket, type ProfileRow } from './aggregates.js';
import { analyseCounter, zoneOf, type CounterAnalysis } from './counter-analysis.js';
import type { CounterHealth } from './counter-health.js';
import type { FactorSource } from './factor-groups.js';
import { LocalCalendar } from './local-calendar.js';
import { loadTrafficIntervals } from './load-traffic.js';
import type { SeriesPick } from './series-year.js';
import type { TrafficInterval, TrafficSettings } from './traffic-interval.js';
import { factorPools, trafficReport, type CounterYearReport } from './traffic-report.js';
import { dailyResultPoints, dailySpeeds, yearlyResultPoint } from './traffic-results.js';

const HOUR_MS = 3_600_000;

export interface TrafficServiceOptions {
  store: TimeSeriesStore;
  settings: TrafficSettings;
  /**
   * Counters of a tenant in an export or a results run, and read to learn factors for one short count's ÅDT (the
   * first ones by name; default 100): the same set, so `/traffic/aadt` and the key figures agree.
   */
  maxCounters?: number;
  /** How long the factors learned for a tenant and year, and a year's reports, are reused. */
  factorTtlMs?: number;
  now?: () => number;
  queryTimeoutMs?: number;
}

/** Every counter-year of a tenant's year, and whether counters were left out for the cap. */
export interface TenantYear {
  year: number;
  reports: CounterYearReport[];
  /** Counters of the tenant; only the first `maxCounters` by name are reported. */
  counters: number;
  truncated: boolean;
}

/** What the traffic routes ask of the store and the traffic model: ÅDT, profiles and health of a tenant's counters. */
export class TrafficService {
  private readonly pools = new Map<string, { at: number; pools: Map<SeriesPick, FactorSource[]> }>();
  private readonly years = new Map<string, { at: number; year: Promise<TenantYear> }>();

  constructor(private readonly options: TrafficServiceOptions) {}

  get settings(): TrafficSettings {
    return this.options.settings;
  }

  calendarOf(device: string): LocalCalendar {
    return new LocalCalendar(zoneOf(device, this.options.settings));
  }

  /** Tenants with traffic counts in the store. */
  async tenants(): Promise<string[]> {
    return this.options.store.listTenants('traffic');
  }

  async devices(tenant: string): Promise<string[]> {
    return (await this.options.store.listDevices('traffic', tenant)).map((d) => d.device).sort();
  }

  /** One local year of a counter, hour by hour, analysed. */
  private async analyseYear(tenant: string, device: string, year: number): Promise<CounterAnalysis> {
    const calendar = this.calendarOf(device);
    const fromMs = calendar.fromWall(Date.UTC(year, 0, 1));
    const toMs = calendar.fromWall(Date.UTC(year + 1, 0, 1));
    return this.analyse(tenant, device, fromMs, toMs);
  }

  private async analyse(
    tenant: string,
    device: string,
    fromMs: number,
    toMs: number,
    untilMs?: number,
  ): Promise<CounterAnalysis> {
    const intervals = await loadTrafficIntervals(this.options.store, {
      tenant,
      device,
      fromMs,
      toMs,
      ...(this.options.queryTimeoutMs === undefined ? {} : { timeoutMs: this.options.queryTimeoutMs }),
    });
    return analyseCounter(device, intervals, this.options.settings, untilMs);
  }

  private async factorPoolsFor(tenant: string, year: number): Promise<Map<SeriesPick, FactorSource[]>> {
    const now = this.now();
    const key = `${tenant}|${year}`;
    const cached = this.pools.get(key);
    if (cached && now - cached.at < (this.options.factorTtlMs ?? 10 * 60_000)) return cached.pools;
    const devices = (await this.devices(tenant)).slice(0, this.options.maxCounters ?? 100);
    const analyses: CounterAnalysis[] = [];
    for (const d of devices) analyses.push(await this.analyseYear(tenant, d, year));
    const pools = factorPools(analyses);
    this.pools.set(key, { at: now, pools });
    return pools;
  }

  /** ÅDT and key figures of a counter's local year; a short count is expanded with the tenant's permanent counters. */
  async aadt(tenant: string, device: string, year: number): Promise<CounterYearReport | undefined> {
    const analysis = await this.analyseYear(tenant, device, year);
    if (analysis.days.length === 0) return undefined;
    let [report] = trafficReport([analysis], this.options.settings, factorPools([analysis]), { year });
    if (report && report.aadt.method !== 'aashto')
      [report] = trafficReport([analysis], this.options.settings, await this.factorPoolsFor(tenant, year), {
        year,
      });
    return report;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Analyses of the tenant's counters (the first `maxCounters` by name) in one local year and their reports, short
   * counts expanded with the permanent counters among them. Work is done a counter at a time with the event loop
   * let go in between, so a large tenant does not hold up other requests.
   */
  private async analyseTenantYear(
    tenant: string,
    year: number,
    onCounter?: (analysis: CounterAnalysis, intervals: readonly TrafficInterval[]) => void,
  ): Promise<TenantYear & { analyses: CounterAnalysis[] }> {
    const all = await this.devices(tenant);
    const devices = all.slice(0, this.options.maxCounters ?? 100);
    const analyses: CounterAnalysis[] = [];
    for (const device of devices) {
      const calendar = this.calendarOf(device);
      const intervals = await loadTrafficIntervals(this.options.store, {
        tenant,
        device,
        fromMs: calendar.fromWall(Date.UTC(year, 0, 1)),
        toMs: calendar.fromWall(Date.UTC(year + 1, 0, 1)),
        ...(this.options.queryTimeoutMs === undefined ? {} : { timeoutMs: this.options.queryTimeoutMs }),
      });
      if (intervals.length === 0) continue;
      const analysis = analyseCounter(device, intervals, this.options.settings);
      onCounter?.(analysis, intervals);
      analyses.push(analysis);
      // A counter-year is tens of milliseconds of work: other requests get their turn between counters.
      await nextTurn();
    }
    const pools = factorPools(analyses);
    const reports: CounterYearReport[] = [];
    for (const a of analyses) {
      reports.push(...trafficReport([a], this.options.settings, pools, { year }));
      await nextTurn();
    }
    return { year, reports, analyses, counters: all.length, truncated: all.length > devices.length };
  }

  /** Key figures of every counter of the tenant in a local year (reused for `factorTtlMs`). */
  async tenantYear(tenant: string, year: number): Promise<TenantYear> {
    const key = `${tenant}|${year}`;
    const cached = this.years.get(key);
    if (cached && this.now() - cached.at < (this.options.factorTtlMs ?? 10 * 60_000)) return cached.year;
    const pending = this.analyseTenantYear(tenant, year).then(({ analyses: _, ...rest }) => rest);
    this.years.set(key, { at: this.now(), year: pending });
    pending.catch(() => this.years.delete(key));
    return pending;
  }

  /**
   * Writes the tenant's results of a local year to the store: a `traffic_daily` point per counter and local day
   * and a `traffic_yearly` point per counter (see traffic-results.ts). Idempotent: the same year computed again
   * writes the same points (same measurement, tags and time) with every field replaced.
   */
  async writeResults(tenant: string, year: number): Promise<{ counters: number; points: number }> {
    const daily: Point[] = [];
    const { analyses, reports } = await this.analyseTenantYear(tenant, year, (analysis, intervals) => {
      daily.push(...dailyResultPoints(tenant, analysis, dailySpeeds(intervals, analysis), new Set([year])));
    });
    const byCounter = new Map(analyses.map((a) => [a.counter, a]));
    const yearly = reports.map((r) =>
      yearlyResultPoint(tenant, r, byCounter.get(r.counter) as CounterAnalysis),
    );
    const points = [...daily, ...yearly];
    for (let i = 0; i < points.length; i += 5000) await this.options.store.write(points.slice(i, i + 5000));
    return { counters: analyses.length, points: points.length };
  }

  /** Counts per 15 minutes, hour, local day, week or month, of one direction or all together. */
  async profile(
    tenant: string,
    device: string,
    fromMs: number,
    toMs: number,
    bucket: ProfileBucket,
    direction?: string,
  ): Promise<ProfileRow[]> {
    const intervals = await loadTrafficIntervals(this.options.store, {
      tenant,
      device,
      fromMs,
      toMs,
      everyMs: bucket === '15m' ? 900_000 : HOUR_MS,
      ...(direction === undefined ? {} : { direction }),
      ...(this.options.queryTimeoutMs === undefined ? {} : { timeoutMs: this.options.queryTimeoutMs }),
    });
    return profileRows(
      intervals,
      bucket,
      this.calendarOf(device),
      this.options.settings,
      this.options.settings.speedLimitsKmh[device],
    );
  }

  async health(tenant: string, device: string, fromMs: number, toMs: number): Promise<CounterHealth> {
    return (await this.analyse(tenant, device, fromMs, toMs, Math.min(toMs, this.now()))).health;
  }
}
