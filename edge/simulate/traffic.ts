import { isDanishClosureDay, VEHICLE_CLASSES, type VehicleClass } from '../../core/index.js';
import { Random } from '../random.js';
import {
  iso,
  localTime,
  round,
  type SimRecord,
  type SimulatorOptions,
  type StreamSimulator,
} from './simulator.js';

const INTERVAL_S = 300;
const CLASS_SHARE: Record<VehicleClass, number> = {
  car: 0.74,
  van: 0.11,
  truck: 0.04,
  bus: 0.015,
  bicycle: 0.08,
  pedestrian: 0.015,
};

interface Counter {
  id: string;
  /** Vehicles per hour at the busiest hour, per direction. */
  peak: number;
  limitKmh: number;
  random: Random;
  next: number;
  outageUntil: number;
}

/**
 * Road counters with two directions each: weekday morning and afternoon rush hours (inbound heavier in the
 * morning), a flatter midday weekend shape, holidays like Sundays, slower traffic when busy, and rare outages
 * reported through the uptime fraction.
 */
export class TrafficSimulator implements StreamSimulator {
  readonly stream = 'traffic' as const;
  readonly deviceIds: readonly string[];
  private readonly counters: Counter[];

  constructor({ devices, seed, startMs }: SimulatorOptions) {
    const start = Math.floor(startMs / (INTERVAL_S * 1000)) * INTERVAL_S * 1000;
    this.counters = Array.from({ length: devices }, (_, i) => {
      const random = Random.from(seed, 'traffic', i);
      return {
        id: `counter-${String(i + 1).padStart(3, '0')}`,
        peak: random.between(300, 1600),
        limitKmh: random.pick([40, 50, 50, 60, 80]),
        random,
        next: start + INTERVAL_S * 1000,
        outageUntil: 0,
      };
    });
    this.deviceIds = this.counters.map((c) => c.id);
  }

  nextTime(device: number): number {
    return (this.counters[device] as Counter).next;
  }

  emit(device: number): SimRecord[] {
    const c = this.counters[device] as Counter;
    // An interval is sent once it is complete, stamped with its start.
    const t = c.next - INTERVAL_S * 1000;
    c.next += INTERVAL_S * 1000;
    if (t >= c.outageUntil && c.random.chance(0.002))
      c.outageUntil = t + c.random.int(1, 6) * INTERVAL_S * 1000;
    const uptime = t < c.outageUntil ? round(c.random.between(0, 0.6), 2) : 1;
    return (['in', 'out'] as const).map((direction) => {
      const perHour = c.peak * shape(t, direction);
      const expected = (perHour * INTERVAL_S) / 3600;
      const counts: Partial<Record<VehicleClass, number>> = {};
      for (const cls of VEHICLE_CLASSES) counts[cls] = c.random.poisson(expected * CLASS_SHARE[cls] * uptime);
      const load = perHour / c.peak;
      const mean = c.limitKmh * (1.02 - 0.35 * load * load) + c.random.normal(0, 1.5);
      return {
        id: `${c.id}-${direction}-${t}`,
        ts: iso(t),
        counterId: c.id,
        intervalSeconds: INTERVAL_S,
        direction,
        counts,
        speed: {
          meanKmh: round(Math.max(5, mean), 1),
          v85Kmh: round(Math.max(5, mean + 7 + c.random.normal(0, 1)), 1),
        },
        uptime,
      };
    });
  }
}

/** Share of the peak hourly volume at time t for a direction. */
export function shape(t: number, direction: 'in' | 'out'): number {
  const { hour, weekday } = localTime(t);
  const bump = (centre: number, width: number) => Math.exp(-((hour - centre) ** 2) / (2 * width * width));
  const night = 0.04;
  if (weekday >= 6 || isDanishClosureDay(t)) return night + 0.45 * bump(13, 3.5);
  const morning = bump(7.75, 0.9) * (direction === 'in' ? 1 : 0.55);
  const afternoon = bump(15.75, 1.2) * (direction === 'out' ? 1 : 0.6);
  const day = 0.4 * bump(12, 4);
  return Math.min(1, night + morning + afternoon + day);
}
