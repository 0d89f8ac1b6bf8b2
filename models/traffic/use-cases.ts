import type { TimeSeriesStore } from '../../store/index.js';
import { profileRows, type ProfileBucket, type ProfileRow } from './aggregates.js';
import { analyseCounter, zoneOf, type CounterAnalysis } from './counter-analysis.js';
import type { CounterHealth } from './counter-health.js';
import type { FactorSource } from './factor-groups.js';
import { LocalCalendar } from './local-calendar.js';
import { loadTrafficIntervals } from './load-traffic.js';
import type { SeriesPick } from './series-year.js';
import type { TrafficSettings } from './traffic-interval.js';
import { factorPools, trafficReport, type CounterYearReport } from './traffic-report.js';

const HOUR_MS = 3_600_000;

export interface TrafficServiceOptions {
  store: TimeSeriesStore;
  settings: TrafficSettings;
  /** Permanent counters read to learn factors for a short count (the tenant's first ones by name). */
  maxFactorCounters?: number;
  /** How long the factors learned for a tenant and year are reused. */
  factorTtlMs?: number;
  now?: () => number;
  queryTimeoutMs?: number;
}

/** What the traffic routes ask of the store and the traffic model: ÅDT, profiles and health of a tenant's counters. */
export class TrafficService {
  private readonly pools = new Map<string, { at: number; pools: Map<SeriesPick, FactorSource[]> }>();

  constructor(private readonly options: TrafficServiceOptions) {}

  get settings(): TrafficSettings {
    return this.options.settings;
  }

  calendarOf(device: string): LocalCalendar {
    return new LocalCalendar(zoneOf(device, this.options.settings));
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
    const now = (this.options.now ?? Date.now)();
    const key = `${tenant}|${year}`;
    const cached = this.pools.get(key);
    if (cached && now - cached.at < (this.options.factorTtlMs ?? 10 * 60_000)) return cached.pools;
    const devices = (await this.devices(tenant)).slice(0, this.options.maxFactorCounters ?? 50);
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
    return (
      await this.analyse(tenant, device, fromMs, toMs, Math.min(toMs, (this.options.now ?? Date.now)()))
    ).health;
  }
}
