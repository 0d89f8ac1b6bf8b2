import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { GreenopsError } from '../../core/index.js';
import shipped from './reference/fleet-defaults-2026.1.json' with { type: 'json' };

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

const FleetDefaultsSchema = Type.Object(
  {
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
    current: Type.Object(
      {
        ice: Type.Object(
          {
            fuel: Type.Union([Type.Literal('diesel'), Type.Literal('petrol')]),
            litresPerKm: Type.Number({ exclusiveMinimum: 0 }),
            litresPerKmRange: Range,
            ...Ownership,
            ...Sourced,
          },
          { additionalProperties: false },
        ),
        bev: Type.Object(
          {
            kwhPerKm: Type.Number({ exclusiveMinimum: 0 }),
            kwhPerKmRange: Range,
            ...Ownership,
            ...Sourced,
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    evModels: Type.Record(Type.String({ pattern: '^[a-z0-9-]{1,40}$' }), EvModel),
    defaultEvModel: Type.String(),
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
  },
  { additionalProperties: false },
);

export type FleetDefaults = Static<typeof FleetDefaultsSchema>;
export type EvModel = Static<typeof EvModel>;
const check = TypeCompiler.Compile(FleetDefaultsSchema);

/** Checks a fleet defaults file: its shape, the default EV model, and a derating curve in rising temperature. */
export function validateFleetDefaults(value: unknown, file: string): FleetDefaults {
  const errors = [...check.Errors(value)].slice(0, 5);
  if (errors.length > 0)
    throw new GreenopsError(
      'BAD_REQUEST',
      `${file}: ${errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`,
      { field: errors[0]?.path },
    );
  const defaults = value as FleetDefaults;
  if (!defaults.evModels[defaults.defaultEvModel])
    throw new GreenopsError(
      'BAD_REQUEST',
      `${file}: /defaultEvModel: no EV model "${defaults.defaultEvModel}"`,
      {
        field: '/defaultEvModel',
      },
    );
  const temps = defaults.derating.points.map(([t]) => t);
  if (temps.some((t, i) => i > 0 && t <= (temps[i - 1] as number)))
    throw new GreenopsError('BAD_REQUEST', `${file}: /derating/points: temperatures must rise`, {
      field: '/derating/points',
    });
  return defaults;
}

/** The defaults shipped with this version of greenops (models/fleet/reference/). */
export const DEFAULT_FLEET_DEFAULTS: FleetDefaults = validateFleetDefaults(
  shipped,
  'fleet-defaults-2026.1.json',
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

/** An EV model by name, or a 4xx naming the field and the models there are. */
export function evModelOf(
  defaults: FleetDefaults,
  name: string | undefined,
  field = 'ev-model',
): EvModel & { id: string } {
  const id = name ?? defaults.defaultEvModel;
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
