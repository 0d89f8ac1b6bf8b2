import { danishLocalTime, type StreamName } from '../../core/index.js';

/** A record as published: the JSON object of one stream's schema. */
export type SimRecord = Record<string, unknown>;

/**
 * One stream's simulated devices. Each device has its own simulated clock that advances by the device's natural
 * cadence; the runner decides when to let a device emit (as fast as allowed while it is behind real time, then
 * live).
 */
export interface StreamSimulator {
  readonly stream: StreamName;
  readonly deviceIds: readonly string[];
  /** Simulated time of the device's next emission, epoch ms. */
  nextTime(device: number): number;
  /** The records the device publishes at its next time (one MQTT message); advances its clock. */
  emit(device: number): SimRecord[];
}

export interface SimulatorOptions {
  devices: number;
  seed: number;
  /** Simulated start time, epoch ms. */
  startMs: number;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Hours since local midnight and ISO weekday (1 = Monday) in Danish time (CET/CEST). */
export const localTime = danishLocalTime;

/** Outdoor temperature in Denmark: seasonal (coldest late January), daily cycle, and weather noise. */
export function outdoorTemperature(ms: number, weather: number): number {
  const dayOfYear = (ms - Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)) / 86_400_000;
  const seasonal = 8.5 - 8.5 * Math.cos((2 * Math.PI * (dayOfYear - 20)) / 365);
  const daily = -2.5 * Math.cos((2 * Math.PI * (localTime(ms).hour - 3)) / 24);
  return Math.round((seasonal + daily + weather) * 10) / 10;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
