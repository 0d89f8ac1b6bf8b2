/**
 * Unit normalisation at ingest. Energy is stored in kWh, volume in m³, whatever the device sends, so that
 * queries and models never see mixed units. Factors are exact by definition (1 GJ = 10⁹ J, 1 kWh = 3.6 MJ).
 */
export const ENERGY_UNITS = { Wh: 0.001, kWh: 1, MWh: 1000, MJ: 1 / 3.6, GJ: 1000 / 3.6 } as const;
export const VOLUME_UNITS = { L: 0.001, m3: 1 } as const;

export type EnergyUnit = keyof typeof ENERGY_UNITS;
export type VolumeUnit = keyof typeof VOLUME_UNITS;
export type MeterUnit = EnergyUnit | VolumeUnit;
export const METER_UNITS = [...Object.keys(ENERGY_UNITS), ...Object.keys(VOLUME_UNITS)] as MeterUnit[];

export type NormalisedUnit = 'kwh' | 'm3';

export interface Normalised {
  value: number;
  unit: NormalisedUnit;
}

export function normaliseMeterValue(value: number, unit: MeterUnit): Normalised {
  if (unit in ENERGY_UNITS) return { value: value * ENERGY_UNITS[unit as EnergyUnit], unit: 'kwh' };
  return { value: value * VOLUME_UNITS[unit as VolumeUnit], unit: 'm3' };
}
