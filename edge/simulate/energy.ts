import { isDanishClosureDay } from '../../core/index.js';
import { Random } from '../random.js';
import {
  iso,
  localTime,
  round,
  outdoorTemperature,
  type SimRecord,
  type SimulatorOptions,
  type StreamSimulator,
} from './simulator.js';

const INTERVAL_S = 900;

interface Meter {
  id: string;
  site: string;
  quantity: 'electricity' | 'district_heat' | 'water';
  /** Building floor area scale (m² / 1000). */
  size: number;
  kind: 'interval' | 'register';
  register: number;
  weather: number;
  random: Random;
  next: number;
  seq: number;
  /** Equipment left on at night (waste the models should find). */
  leftOn: boolean;
}

/**
 * Municipal buildings (schools, offices, care homes): per site an electricity meter, a district-heating meter
 * and every other site a water meter sending cumulative register readings. Load follows opening hours, weekends
 * and Danish holidays; heat follows heating degree-hours below 17 °C.
 */
export class EnergySimulator implements StreamSimulator {
  readonly stream = 'energy' as const;
  readonly deviceIds: readonly string[];
  private readonly meters: Meter[];

  constructor({ devices, seed, startMs }: SimulatorOptions) {
    const start = Math.floor(startMs / (INTERVAL_S * 1000)) * INTERVAL_S * 1000;
    this.meters = Array.from({ length: devices }, (_, i) => {
      const siteIndex = Math.floor(i / 3);
      const slot = i % 3;
      const random = Random.from(seed, 'energy', i);
      const quantity = slot === 0 ? 'electricity' : slot === 1 ? 'district_heat' : 'water';
      return {
        id: `meter-${String(i + 1).padStart(3, '0')}`,
        site: `site-${String(siteIndex + 1).padStart(3, '0')}`,
        quantity,
        size: Random.from(seed, 'site', siteIndex).between(1, 8),
        kind: quantity === 'water' ? 'register' : 'interval',
        register: random.between(100, 5000),
        weather: 0,
        random,
        next: start + INTERVAL_S * 1000,
        seq: 0,
        leftOn: Random.from(seed, 'site', siteIndex).chance(0.3),
      } satisfies Meter;
    });
    this.deviceIds = this.meters.map((m) => m.id);
  }

  nextTime(device: number): number {
    return (this.meters[device] as Meter).next;
  }

  emit(device: number): SimRecord[] {
    const m = this.meters[device] as Meter;
    // An interval is sent once it is complete, stamped with its start.
    const t = m.next - INTERVAL_S * 1000;
    m.next += INTERVAL_S * 1000;
    m.weather = 0.98 * m.weather + m.random.normal(0, 0.3);
    const temp = outdoorTemperature(t, m.weather);
    const occupancy = occupancyAt(t);
    const hours = INTERVAL_S / 3600;
    const base = { id: `${m.id}-${t}`, ts: iso(t), meterId: m.id, siteId: m.site, quantity: m.quantity };
    if (m.quantity === 'electricity') {
      const baseload = 6 * m.size * (m.leftOn ? 1.8 : 1);
      const kw = baseload + 22 * m.size * occupancy + Math.max(0, temp - 22) * 0.8 * m.size;
      const value = round(kw * hours * Math.max(0.2, 1 + m.random.normal(0, 0.06)), 3);
      return [
        { ...base, unit: 'kWh', kind: 'interval', value, intervalSeconds: INTERVAL_S, outdoorTempC: temp },
      ];
    }
    if (m.quantity === 'district_heat') {
      const setback = occupancy > 0.2 ? 1 : 0.7;
      const kw = 4 * m.size + Math.max(0, 17 - temp) * 3.2 * m.size * setback;
      const value = round(kw * hours * Math.max(0.2, 1 + m.random.normal(0, 0.05)), 3);
      return [
        { ...base, unit: 'kWh', kind: 'interval', value, intervalSeconds: INTERVAL_S, outdoorTempC: temp },
      ];
    }
    const m3 = (0.02 + 0.35 * occupancy) * m.size * hours * Math.max(0, 1 + m.random.normal(0, 0.2));
    m.register = round(m.register + m3, 4);
    return [{ ...base, unit: 'm3', kind: 'register', value: m.register }];
  }
}

/** Share of peak occupancy: weekdays 07–17 with ramps, weekends and holidays near zero. */
export function occupancyAt(ms: number): number {
  const { hour, weekday } = localTime(ms);
  if (weekday >= 6 || isDanishClosureDay(ms)) return 0.03;
  if (hour < 6 || hour >= 19) return 0;
  if (hour < 8) return (hour - 6) / 2;
  if (hour < 16) return hour >= 11.5 && hour < 12.5 ? 0.85 : 1;
  return Math.max(0, (19 - hour) / 3);
}
