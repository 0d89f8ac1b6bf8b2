import { DEFAULT_FACTOR_TABLE, type FactorTable } from '../co2/factor-table.js';
import type { FleetDefaults } from './fleet-defaults.js';

export type Powertrain = 'ice' | 'bev' | 'phev' | 'hev';

/** How a trip's or vehicle's CO₂e was found: from a cumulative counter, or distance × a class consumption. */
export type Co2Method = 'fuel-counter' | 'energy-counter' | 'distance';

export interface Co2Estimate {
  kgCo2e: number;
  /** 90 % range: the factor's range, and for `distance` the consumption's range. */
  low: number;
  high: number;
  scope: 1 | 2;
  method: Co2Method;
  /** Fuel burnt (L) and electricity charged (kWh, grid side) behind the estimate. */
  fuelL: number;
  kwhCharged: number;
}

/**
 * CO₂e of driving: scope 1 from litres burnt (the factor table's diesel or petrol activity factor, tank-to-wheel),
 * scope 2 from kWh charged (traction kWh / charging efficiency × the electricity factor, location-based); without
 * counters distance × the class consumption of fleet-defaults.json, with its stated range.
 */
export function driveCo2(
  powertrain: Powertrain,
  km: number,
  fuelL: number,
  tractionKwh: number,
  defaults: FleetDefaults,
  table: FactorTable = DEFAULT_FACTOR_TABLE,
): Co2Estimate {
  const electric = powertrain === 'bev';
  if (electric) {
    const f = table.activity.electricity;
    const perKwh = f?.perKwh ?? 0;
    const [fl, fh] = f?.range ?? [1, 1];
    const eff = defaults.charging.efficiency;
    const known = Number.isFinite(tractionKwh);
    const kwh = (known ? tractionKwh : km * defaults.current.bev.kwhPerKm) / eff;
    const [cl, ch] = known
      ? [1, 1]
      : defaults.current.bev.kwhPerKmRange.map((r) => r / defaults.current.bev.kwhPerKm);
    const kg = kwh * perKwh;
    return {
      kgCo2e: kg,
      low: kg * fl * (cl as number),
      high: kg * fh * (ch as number),
      scope: 2,
      method: known ? 'energy-counter' : 'distance',
      fuelL: 0,
      kwhCharged: kwh,
    };
  }
  const f = table.activity[defaults.current.ice.fuel];
  const perL = f?.perLitre ?? 0;
  const [fl, fh] = f?.range ?? [1, 1];
  const known = Number.isFinite(fuelL);
  const litres = known ? fuelL : km * defaults.current.ice.litresPerKm;
  const [cl, ch] = known
    ? [1, 1]
    : defaults.current.ice.litresPerKmRange.map((r) => r / defaults.current.ice.litresPerKm);
  const kg = litres * perL;
  return {
    kgCo2e: kg,
    low: kg * fl * (cl as number),
    high: kg * fh * (ch as number),
    scope: 1,
    method: known ? 'fuel-counter' : 'distance',
    fuelL: litres,
    kwhCharged: 0,
  };
}
