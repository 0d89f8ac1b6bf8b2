import { describe, expect, it } from 'vitest';
import { DEFAULT_FACTOR_TABLE } from '../co2/factor-table.js';
import { driveCo2 } from './fleet-co2.js';
import { DEFAULT_FLEET_DEFAULTS as defaults, type FleetVehicleClass } from './fleet-defaults.js';

const table = DEFAULT_FACTOR_TABLE;

describe('driveCo2', () => {
  it('costs a combustion drive by the litres its fuel counter saw, scope 1, with the factor’s range', () => {
    const fuel = table.activity[(defaults.classes.van as FleetVehicleClass).ice.fuel];
    const e = driveCo2('ice', 100, 6.5, NaN, defaults, table);
    expect(e).toMatchObject({ scope: 1, method: 'fuel-counter', fuelL: 6.5, kwhCharged: 0 });
    expect(e.kgCo2e).toBeCloseTo(6.5 * (fuel?.perLitre as number), 9);
    expect(e.low / e.kgCo2e).toBeCloseTo(fuel?.range?.[0] as number, 9);
    expect(e.high / e.kgCo2e).toBeCloseTo(fuel?.range?.[1] as number, 9);
  });

  it('without a counter, costs an electric drive by km × class consumption at the plug, its range widened', () => {
    const { kwhPerKm, kwhPerKmRange } = (defaults.classes.van as FleetVehicleClass).bev;
    const eff = defaults.charging.efficiency;
    const el = table.activity.electricity;
    const e = driveCo2('bev', 50, NaN, NaN, defaults, table);
    expect(e).toMatchObject({ scope: 2, method: 'distance', fuelL: 0 });
    expect(e.kwhCharged).toBeCloseTo((50 * kwhPerKm) / eff, 9);
    expect(e.kgCo2e).toBeCloseTo(e.kwhCharged * (el?.perKwh as number), 9);
    const [fl, fh] = el?.range as [number, number];
    expect(e.low).toBeCloseTo(e.kgCo2e * fl * ((kwhPerKmRange[0] as number) / kwhPerKm), 9);
    expect(e.high).toBeCloseTo(e.kgCo2e * fh * ((kwhPerKmRange[1] as number) / kwhPerKm), 9);
    expect(e.low).toBeLessThan(e.kgCo2e);
    expect(e.high).toBeGreaterThan(e.kgCo2e);
  });

  it('an electric drive with an energy counter: traction kWh over charging efficiency, no consumption range', () => {
    const e = driveCo2('bev', 50, NaN, 9, defaults, table);
    expect(e.method).toBe('energy-counter');
    expect(e.kwhCharged).toBeCloseTo(9 / defaults.charging.efficiency, 9);
    expect(e.high / e.kgCo2e).toBeCloseTo(table.activity.electricity?.range?.[1] as number, 9);
  });
});
