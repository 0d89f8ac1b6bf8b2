import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { GreenopsError } from '../../core/index.js';
import shipped from './reference/factors-2026.1.json' with { type: 'json' };

const Status = Type.Union([
  Type.Literal('source-checked'),
  Type.Literal('approximate'),
  Type.Literal('illustrative'),
]);
const Scope = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)]);
/** 90 % range as multipliers of the central value, e.g. [0.5, 2] for a factor known to a factor of two. */
const Range = Type.Tuple([Type.Number({ exclusiveMinimum: 0 }), Type.Number({ exclusiveMinimum: 0 })]);
const YearValues = Type.Record(Type.String({ pattern: '^\\d{4}$' }), Type.Number({ exclusiveMinimum: 0 }));

const ActivityFactor = Type.Object(
  {
    perKwh: Type.Optional(Type.Number({ minimum: 0 })),
    perLitre: Type.Optional(Type.Number({ minimum: 0 })),
    perM3: Type.Optional(Type.Number({ minimum: 0 })),
    scope: Scope,
    boundary: Type.String(),
    source: Type.String({ minLength: 1 }),
    year: Type.Integer(),
    status: Status,
    range: Range,
  },
  { additionalProperties: false },
);
const Category = Type.Object(
  {
    da: Type.String({ minLength: 1 }),
    en: Type.String({ minLength: 1 }),
    activity: Type.Optional(Type.String()),
    kgPerDkk: Type.Number({ minimum: 0 }),
    scope: Scope,
    unspsc: Type.Array(Type.String({ pattern: '^\\d{2,8}$' })),
  },
  { additionalProperties: false },
);
const FactorTableSchema = Type.Object(
  {
    version: Type.String({ minLength: 1 }),
    published: Type.String(),
    description: Type.String(),
    currency: Type.Literal('DKK'),
    priceYear: Type.Integer(),
    priceIndex: Type.Object({ source: Type.String(), status: Status, values: YearValues }),
    exchangeRates: Type.Object({
      source: Type.String(),
      status: Status,
      values: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), YearValues),
    }),
    activity: Type.Record(Type.String(), ActivityFactor),
    categories: Type.Record(Type.String({ pattern: '^[a-z_]+$' }), Category),
    spend: Type.Object({ source: Type.String(), status: Status, range: Range }),
    /**
     * Supplier-specific factors (GHG Protocol's first choice), by the supplier's company id as on its invoices
     * (CVR, VAT or GLN): e.g. the district-heating utility's own declaration. They replace the average activity
     * factor for that supplier's lines.
     */
    suppliers: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1 }),
        Type.Object(
          { name: Type.String(), activity: Type.Record(Type.String(), ActivityFactor) },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export type FactorTable = Static<typeof FactorTableSchema>;
export type ActivityFactor = Static<typeof ActivityFactor>;
export type EmissionScope = 1 | 2 | 3;
const check = TypeCompiler.Compile(FactorTableSchema);

/**
 * Checks a factor table: its shape, and that every category's activity factor exists and every range brackets 1.
 * Throws naming the file and the first bad key.
 */
export function validateFactorTable(value: unknown, file: string): FactorTable {
  const errors = [...check.Errors(value)].slice(0, 5);
  if (errors.length > 0)
    throw new GreenopsError(
      'BAD_REQUEST',
      `${file}: ${errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`,
      { field: errors[0]?.path },
    );
  const table = value as FactorTable;
  const bad = (path: string, message: string) =>
    new GreenopsError('BAD_REQUEST', `${file}: ${path}: ${message}`, { field: path });
  for (const [id, c] of Object.entries(table.categories))
    if (c.activity !== undefined && !table.activity[c.activity])
      throw bad(`/categories/${id}/activity`, `no activity factor "${c.activity}"`);
  for (const [path, [low, high]] of [
    ['/spend/range', table.spend.range],
    ...Object.entries(table.activity).map(([k, f]) => [`/activity/${k}/range`, f.range] as const),
  ] as const)
    if (!(low <= 1 && high >= 1)) throw bad(path, `[${low}, ${high}] must bracket 1`);
  for (const [id, supplier] of Object.entries(table.suppliers ?? {}))
    for (const [key, f] of Object.entries(supplier.activity)) {
      if (!table.activity[key])
        throw bad(`/suppliers/${id}/activity/${key}`, `no activity "${key}" to replace`);
      if (!(f.range[0] <= 1 && f.range[1] >= 1))
        throw bad(`/suppliers/${id}/activity/${key}/range`, `[${f.range[0]}, ${f.range[1]}] must bracket 1`);
    }
  if (!table.priceIndex.values[String(table.priceYear)])
    throw bad('/priceIndex/values', `no index for the price year ${table.priceYear}`);
  return table;
}

/** The factor table shipped with this version of greenops. */
export const DEFAULT_FACTOR_TABLE: FactorTable = validateFactorTable(shipped, 'factors-2026.1.json');

export function readFactorTable(path: string): FactorTable {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GreenopsError('BAD_REQUEST', `${path}: ${(err as Error).message}`, { field: 'factors' });
  }
  return validateFactorTable(json, path);
}

/** Category of a UNSPSC code by the longest prefix the table maps (segment, family, class or commodity). */
export function categoryForUnspsc(table: FactorTable, code: string): string | undefined {
  let best: string | undefined;
  let bestLength = 0;
  for (const [id, c] of Object.entries(table.categories))
    for (const prefix of c.unspsc)
      if (prefix.length > bestLength && code.startsWith(prefix)) {
        best = id;
        bestLength = prefix.length;
      }
  return best;
}

/** The value for a year from a per-year table: that year, else the nearest one (and which it was). */
function nearestYear(values: Record<string, number>, year: number): { value: number; year: number } {
  let best: { value: number; year: number } | undefined;
  for (const [y, value] of Object.entries(values)) {
    const candidate = { value, year: Number(y) };
    if (!best || Math.abs(candidate.year - year) < Math.abs(best.year - year)) best = candidate;
  }
  return best as { value: number; year: number };
}

/**
 * An amount in the table's price year: converted to DKK at the invoice year's rate, then deflated with the price
 * index, so a spend factor per DKK of the price year applies. Undefined for a currency the table has no rate for.
 */
export function spendInPriceYear(
  table: FactorTable,
  amount: number,
  currency: string,
  year: number,
): { dkk: number; priceYearDkk: number; rate: number; deflator: number } | undefined {
  const rate = currency === 'DKK' ? 1 : table.exchangeRates.values[currency];
  if (rate === undefined) return undefined;
  const perUnit = typeof rate === 'number' ? rate : nearestYear(rate, year).value;
  const dkk = amount * perUnit;
  const deflator =
    (table.priceIndex.values[String(table.priceYear)] as number) /
    nearestYear(table.priceIndex.values, year).value;
  return { dkk, priceYearDkk: dkk * deflator, rate: perUnit, deflator };
}

/** UN/ECE Recommendation 20 units the activity factors can use, as multiples of kWh or litres. */
const ENERGY_KWH: Record<string, number> = {
  KWH: 1,
  MWH: 1000,
  GWH: 1_000_000,
  WHR: 0.001,
  GV: 277.7778, // gigajoule
  // Rec 20's GJ is gram per millilitre, a unit no municipal invoice bills; Danish heat suppliers write GJ for gigajoule.
  GJ: 277.7778,
  '3B': 0.2777778, // megajoule
};
const VOLUME_LITRES: Record<string, number> = { LTR: 1, MTQ: 1000, MLT: 0.001, HLT: 100, DMQ: 1 };

/** Whether a Rec 20 unit is an energy unit (costed per kWh) or a volume (per litre or m³); undefined for others. */
export function unitKind(unitCode: string): 'energy' | 'volume' | undefined {
  if (ENERGY_KWH[unitCode] !== undefined) return 'energy';
  if (VOLUME_LITRES[unitCode] !== undefined) return 'volume';
  return undefined;
}

/**
 * kg CO₂e of a physical quantity under an activity factor, when the unit fits one of the factor's bases
 * (per kWh for energy units, per litre or per m³ for volumes). Undefined when it does not.
 */
export function activityEmission(
  factor: ActivityFactor,
  quantity: number,
  unitCode: string,
): { kg: number; perUnit: number; unit: string; quantity: number } | undefined {
  const at = (base: number, perUnit: number, unit: string) => ({
    kg: base * perUnit,
    perUnit,
    unit,
    quantity: base,
  });
  const kwh = ENERGY_KWH[unitCode];
  if (kwh !== undefined && factor.perKwh !== undefined) return at(quantity * kwh, factor.perKwh, 'kWh');
  const litres = VOLUME_LITRES[unitCode];
  if (litres !== undefined && factor.perLitre !== undefined)
    return at(quantity * litres, factor.perLitre, 'L');
  if (litres !== undefined && factor.perM3 !== undefined)
    return at((quantity * litres) / 1000, factor.perM3, 'm³');
  return undefined;
}

/** A company id in one spelling: "DK 12 34 56 78", "dk12345678" and "12345678" are the same Danish CVR. */
export function normaliseCompanyId(id: string): string {
  const compact = id.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
  return /^DK\d{8}$/.test(compact) ? compact.slice(2) : compact;
}

/** The supplier's own factor for an activity, when the table has one for this supplier. */
export function supplierFactor(
  table: FactorTable,
  supplierId: string | undefined,
  activity: string,
): { id: string; name: string; factor: ActivityFactor } | undefined {
  if (!supplierId || !table.suppliers) return undefined;
  const wanted = normaliseCompanyId(supplierId);
  for (const [id, s] of Object.entries(table.suppliers)) {
    const factor = s.activity[activity];
    if (factor && normaliseCompanyId(id) === wanted) return { id, name: s.name, factor };
  }
  return undefined;
}
