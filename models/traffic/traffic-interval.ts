import { VEHICLE_CLASSES, type TrafficRecord, type VehicleClass } from '../../core/index.js';

/** The modes a counter may count (the traffic stream's vehicle classes). */
export const TRAFFIC_MODES = VEHICLE_CLASSES;
export type TrafficMode = VehicleClass;
/** Vehicles over 3.5 t: the heavy share is their share of motor vehicles (Vejdirektoratet's "tunge køretøjer"). */
export const HEAVY_MODES: readonly TrafficMode[] = ['truck', 'bus'];
export const MOTOR_MODES: readonly TrafficMode[] = ['car', 'van', 'truck', 'bus'];

/** One counting interval of one counter and direction, as stored by the traffic stream. */
export interface TrafficInterval {
  counter: string;
  startMs: number;
  /** Interval length in seconds. */
  seconds: number;
  direction: string;
  /** Detections while the counter was up (a mode the counter does not count is absent). */
  counts: Partial<Record<TrafficMode, number>>;
  /** Fraction of the interval the counter was working (Telraam's `uptime`). */
  uptime: number;
  meanKmh?: number;
  v85Kmh?: number;
}

/** How a counter's counts are read: its zone, its holidays, and when partial uptime is trusted. */
export interface TrafficSettings {
  /** IANA zone of the counters' local days (Danish counters: Europe/Copenhagen). */
  timeZone: string;
  /** Zones of counters elsewhere than `timeZone`, by counter id. */
  timeZones: Readonly<Record<string, string>>;
  /** Public holidays left out of weekday figures (HVDT, peak hour): Danish, or none. */
  holidays: 'DK' | 'none';
  /**
   * An interval with uptime at or above this is scaled up to the whole interval (count / uptime) and flagged; below
   * it the interval is treated as missing. Telraam advises against trusting intervals with uptime under 0.5.
   */
  minUptime: number;
  /** An hour is counted when accepted intervals cover at least this share of it (and is scaled to the full hour). */
  minHourCoverage: number;
  /** Speed limit per counter (km/h) for the compliance figures. */
  speedLimitsKmh: Readonly<Record<string, number>>;
}

export const DEFAULT_TRAFFIC_SETTINGS: TrafficSettings = {
  timeZone: 'Europe/Copenhagen',
  timeZones: {},
  holidays: 'DK',
  minUptime: 0.5,
  minHourCoverage: 0.75,
  speedLimitsKmh: {},
};

/** A traffic stream record (as published or replayed) as an interval of a counter. */
export function intervalFromRecord(counter: string, r: TrafficRecord): TrafficInterval {
  return {
    counter,
    startMs: Date.parse(r.ts),
    seconds: r.intervalSeconds,
    direction: r.lane === undefined ? r.direction : `${r.direction}/${r.lane}`,
    counts: r.counts,
    uptime: r.uptime,
    ...(r.speed?.meanKmh === undefined ? {} : { meanKmh: r.speed.meanKmh }),
    ...(r.speed?.v85Kmh === undefined ? {} : { v85Kmh: r.speed.v85Kmh }),
  };
}

/** One day of a series (a counter's mode, or its total): its local day and volume. */
export interface SeriesDay {
  dayIndex: number;
  month: number;
  weekday: number;
  holiday: boolean;
  volume: number;
  /** Volume by local hour (for the profile that chooses the factor group). */
  byHour: ArrayLike<number>;
}
