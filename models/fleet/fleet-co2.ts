import { DEFAULT_FACTOR_TABLE, type FactorTable } from '../co2/factor-table.js';
import type { BevSpec, FleetDefaults, IceSpec, FleetVehicleClass } from './fleet-defaults.js';

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
 * counters distance × the vehicle class's consumption of fleet-defaults.json (`vehicle`: its class's vehicles, the
 * fuel maybe from the register; default: the defaults' `defaultClass`), with its stated range.
 */
export function driveCo2(
  powertrain: Powertrain,
  km: number,
  fuelL: number,
  tractionKwh: number,
  defaults: FleetDefaults,
  table: FactorTable = DEFAULT_FACTOR_TABLE,
  vehicle: { ice: IceSpec; bev: BevSpec } = defaults.classes[defaults.defaultClass] as FleetVehicleClass,
): Co2Estimate {
  if (powertrain === 'bev') {
    const { kwhPerKm, kwhPerKmRange } = vehicle.bev;
    const eff = defaults.charging.efficiency;
    const factor = table.activity.electricity;
    const e = fromActivity(
      tractionKwh / eff,
      km,
      kwhPerKm / eff,
      kwhPerKmRange,
      kwhPerKm,
      factor?.perKwh,
      factor?.range,
    );
    return {
      ...e.estimate,
      scope: 2,
      method: e.known ? 'energy-counter' : 'distance',
      fuelL: 0,
      kwhCharged: e.amount,
    };
  }
  const { fuel, litresPerKm, litresPerKmRange } = vehicle.ice;
  const factor = table.activity[fuel];
  const e = fromActivity(
    fuelL,
    km,
    litresPerKm,
    litresPerKmRange,
    litresPerKm,
    factor?.perLitre,
    factor?.range,
  );
  return {
    ...e.estimate,
    scope: 1,
    method: e.known ? 'fuel-counter' : 'distance',
    fuelL: e.amount,
    kwhCharged: 0,
  };
}

/**
 * The activity behind a drive (litres or grid kWh): the counter's when it is known, else km × `perKm`; its kg CO₂e
 * with a 90 % range from the factor's range, widened by the consumption's range (relative to `nominalPerKm`) when the
 * activity was estimated from distance.
 */
function fromActivity(
  counted: number,
  km: number,
  perKm: number,
  perKmRange: readonly number[],
  nominalPerKm: number,
  factor: number | undefined,
  factorRange: readonly [number, number] | undefined,
): { known: boolean; amount: number; estimate: Pick<Co2Estimate, 'kgCo2e' | 'low' | 'high'> } {
  const known = Number.isFinite(counted);
  const amount = known ? counted : km * perKm;
  const [fl, fh] = factorRange ?? [1, 1];
  const [cl, ch] = known ? [1, 1] : perKmRange.map((r) => r / nominalPerKm);
  const kg = amount * (factor ?? 0);
  return {
    known,
    amount,
    estimate: { kgCo2e: kg, low: kg * fl * (cl as number), high: kg * fh * (ch as number) },
  };
}
