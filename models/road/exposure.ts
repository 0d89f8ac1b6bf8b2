import { metresBetween, type LatLon } from './geo.js';

/** The traffic a defect is exposed to: ÅDT (vehicles a day, yearly average) and where the figure came from. */
export interface Exposure {
  aadt: number;
  /** `counter:{id}` (the nearest traffic counter) or `road-class` (the configured default). */
  source: string;
}

export interface ExposureSource {
  exposureAt(tenant: string, at: LatLon): Exposure;
}

export interface CounterExposureOptions {
  /** Traffic counters' positions (GREENOPS_TRAFFIC_COUNTER_LOCATIONS). */
  locations: Record<string, LatLon>;
  /** A counter further than this from the defect says nothing about its road. */
  maxDistanceM: number;
  /** ÅDT assumed where no counter is near (GREENOPS_ROAD_DEFAULT_AADT: the road class of most municipal roads). */
  defaultAadt: number;
}

/**
 * Exposure from the traffic module: the ÅDT of the nearest counter within reach, else the configured road-class
 * ÅDT. Counter figures are set by whoever computes them (the API process refreshes them from the traffic
 * service), so a lookup on the clustering path never waits on a query.
 */
export class CounterExposure implements ExposureSource {
  private readonly aadt = new Map<string, number>();

  constructor(private readonly options: CounterExposureOptions) {}

  setAadt(tenant: string, counter: string, aadt: number): void {
    this.aadt.set(`${tenant}\u0000${counter}`, aadt);
  }

  get counters(): string[] {
    return Object.keys(this.options.locations);
  }

  /**
   * Reads every located counter's ÅDT (from the traffic module) and keeps it for lookups; a counter without one
   * (no complete days yet) keeps its previous figure. Defects take the new exposure when they are next written.
   */
  async refresh(tenant: string, aadtOf: (counter: string) => Promise<number | undefined>): Promise<number> {
    let set = 0;
    for (const counter of this.counters) {
      const aadt = await aadtOf(counter);
      if (aadt !== undefined && Number.isFinite(aadt) && aadt > 0) {
        this.setAadt(tenant, counter, aadt);
        set += 1;
      }
    }
    return set;
  }

  exposureAt(tenant: string, at: LatLon): Exposure {
    let best: { counter: string; m: number; aadt: number } | undefined;
    for (const [counter, where] of Object.entries(this.options.locations)) {
      const aadt = this.aadt.get(`${tenant}\u0000${counter}`);
      if (aadt === undefined) continue;
      const m = metresBetween(at, where);
      if (m <= this.options.maxDistanceM && (!best || m < best.m)) best = { counter, m, aadt };
    }
    return best
      ? { aadt: best.aadt, source: `counter:${best.counter}` }
      : { aadt: this.options.defaultAadt, source: 'road-class' };
  }
}

/** Priority = severity (1–5) × exposure in thousands of vehicles a day: a grade-4 pothole on a 10,000 ÅDT road is 40. */
export function priorityOf(severity: number, aadt: number): number {
  return Math.round(severity * (aadt / 1000) * 100) / 100;
}
