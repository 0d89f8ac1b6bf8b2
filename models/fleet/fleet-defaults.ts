import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { GreenopsError } from '../../core/index.js';
import shipped from './reference/fleet-defaults-2026.2.json' with { type: 'json' };

const Status = Type.Union([
  Type.Literal('source-checked'),
  Type.Literal('approximate'),
  Type.Literal('illustrative'),
]);
const Share = Type.Number({ minimum: 0, maximum: 1 });
const Money = Type.Number({ minimum: 0 });
const Sourced = { source: Type.String({ minLength: 1 }), status: Status };
const Range = Type.Tuple([Type.Number({ minimum: 0 }), Type.Number({ minimum: 0 })]);
const Ownership = {
  purchaseDkk: Money,
  residualShare: Share,
  maintenanceDkkPerKm: Money,
  annualTaxDkk: Money,
  annualInsuranceDkk: Money,
};

const EvModel = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    usableKwh: Type.Number({ exclusiveMinimum: 0 }),
    wltpKm: Type.Number({ exclusiveMinimum: 0 }),
    maxAcKw: Type.Number({ exclusiveMinimum: 0 }),
    ...Ownership,
    ...Sourced,
  },
  { additionalProperties: false },
);

const Fuel = Type.Union([Type.Literal('diesel'), Type.Literal('petrol')]);
/** The combustion vehicle of a class as it is today: fuel, consumption, and what owning one costs. */
const IceSpec = Type.Object(
  {
    fuel: Fuel,
    litresPerKm: Type.Number({ exclusiveMinimum: 0 }),
    litresPerKmRange: Range,
    ...Ownership,
    ...Sourced,
  },
  { additionalProperties: false },
);
/** A battery-electric vehicle of a class: consumption at the battery (for CO₂e without counters) and ownership. */
const BevSpec = Type.Object(
  {
    kwhPerKm: Type.Number({ exclusiveMinimum: 0 }),
    kwhPerKmRange: Range,
    ...Ownership,
    ...Sourced,
  },
  { additionalProperties: false },
);
const FleetVehicleClass = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    ice: IceSpec,
    bev: BevSpec,
    /** The EV model a combustion vehicle of this class is compared with (a key of `evModels`). */
    defaultEvModel: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
const CLASS_ID = '^[a-z0-9-]{1,40}$';

/** Shared by every version of the file. */
const Common = {
  version: Type.String({ minLength: 1 }),
  description: Type.String(),
  currency: Type.Literal('DKK'),
  tco: Type.Object(
    {
      discountRate: Type.Number({ minimum: 0, maximum: 0.5 }),
      years: Type.Integer({ minimum: 1, maximum: 20 }),
      ...Sourced,
    },
    { additionalProperties: false },
  ),
  prices: Type.Object(
    {
      dieselDkkPerL: Money,
      petrolDkkPerL: Money,
      electricityDkkPerKwh: Money,
      co2DkkPerTonne: Money,
      ...Sourced,
    },
    { additionalProperties: false },
  ),
  charging: Type.Object(
    {
      depotChargerKw: Type.Number({ exclusiveMinimum: 0 }),
      efficiency: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
      reserveShare: Type.Number({ minimum: 0, maximum: 0.5 }),
      ...Sourced,
    },
    { additionalProperties: false },
  ),
  suitability: Type.Object(
    { minDays: Type.Integer({ minimum: 1 }), suitableShare: Share, withExceptionsShare: Share, ...Sourced },
    { additionalProperties: false },
  ),
  evModels: Type.Record(Type.String({ pattern: CLASS_ID }), EvModel),
  derating: Type.Object(
    {
      points: Type.Array(Type.Tuple([Type.Number(), Type.Number({ exclusiveMinimum: 0, maximum: 1.2 })]), {
        minItems: 2,
      }),
      ...Sourced,
    },
    { additionalProperties: false },
  ),
  monthlyTemperatureC: Type.Object(
    {
      values: Type.Array(Type.Number(), { minItems: 12, maxItems: 12 }),
      coldDayOffsetC: Type.Number(),
      ...Sourced,
    },
    { additionalProperties: false },
  ),
  rightSizing: Type.Object(
    {
      serviceLevel: Share,
      turnaroundMin: Type.Number({ minimum: 0 }),
      evTurnaroundMin: Type.Number({ minimum: 0 }),
      ...Sourced,
    },
    { additionalProperties: false },
  ),
};

/** Version 2026.2 on: vehicle classes, each with its current combustion vehicle, its BEV and its EV model. */
const FleetDefaultsSchema = Type.Object(
  {
    ...Common,
    classes: Type.Record(Type.String({ pattern: CLASS_ID }), FleetVehicleClass, { minProperties: 1 }),
    /** The class of a vehicle that neither the register nor the stream names. */
    defaultClass: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

/** Version 2026.1: one current vehicle (`current.ice`, `current.bev`) and one `defaultEvModel` for the whole pool. */
const LegacyFleetDefaultsSchema = Type.Object(
  {
    ...Common,
    current: Type.Object({ ice: IceSpec, bev: BevSpec }, { additionalProperties: false }),
    defaultEvModel: Type.String(),
  },
  { additionalProperties: false },
);

/** The class a 2026.1 file becomes: its one current vehicle and EV model, for every vehicle. */
export const LEGACY_CLASS = 'default';

export type FleetDefaults = Static<typeof FleetDefaultsSchema>;
export type EvModel = Static<typeof EvModel>;
export type FleetVehicleClass = Static<typeof FleetVehicleClass>;
export type IceSpec = Static<typeof IceSpec>;
export type BevSpec = Static<typeof BevSpec>;
type LegacyFleetDefaults = Static<typeof LegacyFleetDefaultsSchema>;
const check = TypeCompiler.Compile(FleetDefaultsSchema);
const checkLegacy = TypeCompiler.Compile(LegacyFleetDefaultsSchema);

const bad = (file: string, field: string, message: string) =>
  new GreenopsError('BAD_REQUEST', `${file}: ${field}: ${message}`, { field });

/** A 2026.1 file as 2026.2: its one current vehicle becomes the class `default`, the class of every vehicle. */
function migrateLegacy(legacy: LegacyFleetDefaults): FleetDefaults {
  const { current, defaultEvModel, ...common } = legacy;
  return {
    ...common,
    classes: {
      [LEGACY_CLASS]: {
        name: 'Every vehicle (a 2026.1 defaults file: one current vehicle for the whole pool)',
        ice: current.ice,
        bev: current.bev,
        defaultEvModel,
      },
    },
    defaultClass: LEGACY_CLASS,
  };
}

/**
 * Checks a fleet defaults file: its shape (2026.2 with `classes`, or 2026.1 with one `current` vehicle, migrated to
 * a single class `default`), that every EV model and the default class named exist, that each class's consumption
 * lies in its stated range, and a derating curve in rising temperature. Errors name the key (`/classes/car/ice/…`).
 */
export function validateFleetDefaults(value: unknown, file: string): FleetDefaults {
  const legacy = typeof value === 'object' && value !== null && 'current' in value && !('classes' in value);
  const errors = [...(legacy ? checkLegacy : check).Errors(value)].slice(0, 5);
  if (errors.length > 0)
    throw new GreenopsError(
      'BAD_REQUEST',
      `${file}: ${errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`,
      { field: errors[0]?.path },
    );
  const defaults = legacy ? migrateLegacy(value as LegacyFleetDefaults) : (value as FleetDefaults);
  const models = Object.keys(defaults.evModels).join(', ');
  for (const [id, c] of Object.entries(defaults.classes)) {
    if (!defaults.evModels[c.defaultEvModel])
      throw bad(
        file,
        legacy ? '/defaultEvModel' : `/classes/${id}/defaultEvModel`,
        `no EV model "${c.defaultEvModel}" (models: ${models})`,
      );
    const inRange = (v: number, [lo, hi]: readonly number[]) => (lo as number) <= v && v <= (hi as number);
    if (!inRange(c.ice.litresPerKm, c.ice.litresPerKmRange))
      throw bad(file, `/classes/${id}/ice/litresPerKmRange`, `must contain litresPerKm ${c.ice.litresPerKm}`);
    if (!inRange(c.bev.kwhPerKm, c.bev.kwhPerKmRange))
      throw bad(file, `/classes/${id}/bev/kwhPerKmRange`, `must contain kwhPerKm ${c.bev.kwhPerKm}`);
  }
  if (!defaults.classes[defaults.defaultClass])
    throw bad(
      file,
      '/defaultClass',
      `no class "${defaults.defaultClass}" (classes: ${Object.keys(defaults.classes).join(', ')})`,
    );
  const temps = defaults.derating.points.map(([t]) => t);
  if (temps.some((t, i) => i > 0 && t <= (temps[i - 1] as number)))
    throw bad(file, '/derating/points', 'temperatures must rise');
  return defaults;
}

/** The defaults shipped with this version of greenops (models/fleet/reference/). */
export const DEFAULT_FLEET_DEFAULTS: FleetDefaults = validateFleetDefaults(
  shipped,
  'fleet-defaults-2026.2.json',
);

export function readFleetDefaults(path: string): FleetDefaults {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GreenopsError('BAD_REQUEST', `${path}: not a readable JSON file`, {
      field: 'defaults',
      cause: err,
    });
  }
  return validateFleetDefaults(json, path);
}

/** An EV model by name (default: the default class's), or a 4xx naming the field and the models there are. */
export function evModelOf(
  defaults: FleetDefaults,
  name: string | undefined,
  field = 'ev-model',
): EvModel & { id: string } {
  const id = name ?? (defaults.classes[defaults.defaultClass] as FleetVehicleClass).defaultEvModel;
  const model = defaults.evModels[id];
  if (!model)
    throw new GreenopsError(
      'BAD_REQUEST',
      `${field}: "${id}" is not an EV model (models: ${Object.keys(defaults.evModels).join(', ')})`,
      { field },
    );
  return { id, ...model };
}

/**
 * Share of the WLTP range an EV keeps at a day's minimum outdoor temperature with heating or air conditioning on:
 * linear between the curve's points, flat beyond its ends.
 */
export function rangeShareAt(defaults: FleetDefaults, temperatureC: number): number {
  const points = defaults.derating.points;
  const first = points[0] as [number, number];
  const last = points[points.length - 1] as [number, number];
  if (temperatureC <= first[0]) return first[1];
  if (temperatureC >= last[0]) return last[1];
  for (let i = 1; i < points.length; i++) {
    const [t1, s1] = points[i] as [number, number];
    const [t0, s0] = points[i - 1] as [number, number];
    if (temperatureC <= t1) return s0 + ((s1 - s0) * (temperatureC - t0)) / (t1 - t0);
  }
  return last[1];
}
