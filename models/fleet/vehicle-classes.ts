import { readFileSync } from 'node:fs';
import { csvHeaderProblem, GreenopsError, parseCsv } from '../../core/index.js';
import {
  evModelOf,
  type BevSpec,
  type EvModel,
  type FleetDefaults,
  type IceSpec,
  type FleetVehicleClass,
} from './fleet-defaults.js';

/** What a vehicle register line may say of a vehicle's fuel; `electric` marks a BEV. */
export type RegisterFuel = 'diesel' | 'petrol' | 'electric';

/** One line of the vehicle register: a vehicle's class and, optionally, its fuel, price and EV model. */
export interface RegisterEntry {
  vehicleId: string;
  class: string;
  fuel?: RegisterFuel;
  /** What the vehicle (a like-for-like replacement) costs to buy, DKK ex VAT: instead of the class's. */
  purchaseDkk?: number;
  /** What leasing it costs a year, DKK ex VAT: instead of purchase and residual value. */
  leaseDkkPerYear?: number;
  /** The EV model to compare it with: instead of the class's. */
  evModel?: string;
  /** What leasing that EV would cost a year, DKK ex VAT: the EV is then costed as leased (no purchase, no residual). */
  evLeaseDkkPerYear?: number;
  /** Line in the register file. */
  line: number;
}

/** Vehicle id → its register entry (a plain Map: it crosses to an analysis worker). */
export type VehicleRegister = Map<string, RegisterEntry>;

export const REGISTER_COLUMNS = [
  'vehicle_id',
  'class',
  'fuel',
  'purchase_dkk',
  'lease_dkk_per_year',
  'ev_model',
  'ev_lease_dkk_per_year',
] as const;
const REQUIRED = ['vehicle_id', 'class'];
const VEHICLE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const FUELS: readonly RegisterFuel[] = ['diesel', 'petrol', 'electric'];

/**
 * Reads a vehicle register (CSV: `vehicle_id,class` and optionally `fuel` (diesel, petrol, electric),
 * `purchase_dkk`, `lease_dkk_per_year`, `ev_model`, `ev_lease_dkk_per_year`). A bad header refuses the file (4xx naming it); a bad line is
 * passed to `onProblem` with its line number and left out, the other lines are used. Classes and EV models must be
 * the defaults'.
 */
export function parseVehicleRegister(
  text: string,
  file: string,
  defaults: FleetDefaults,
  onProblem: (line: number, reason: string) => void,
): VehicleRegister {
  const out: VehicleRegister = new Map();
  const classes = Object.keys(defaults.classes);
  const rows = parseCsv(
    text,
    (header) => {
      const problem = csvHeaderProblem(header, REGISTER_COLUMNS, REQUIRED);
      if (!problem) return;
      const [what, hint] = problem.split(' — ');
      throw new GreenopsError(
        'BAD_REQUEST',
        `${file}:1: ${what} (columns: ${REGISTER_COLUMNS.join(', ')})${hint ? ` — ${hint}` : ''}`,
        {
          field: 'vehicles',
        },
      );
    },
    file,
  );
  for (const { line, values, error } of rows) {
    const problem = error ?? registerLineProblem(values, defaults, classes);
    if (problem) {
      onProblem(line, problem);
      continue;
    }
    const id = values.vehicle_id as string;
    const earlier = out.get(id);
    if (earlier) {
      onProblem(line, `vehicle_id: "${id}" is already on line ${earlier.line}`);
      continue;
    }
    const entry: RegisterEntry = { vehicleId: id, class: values.class as string, line };
    if (values.fuel) entry.fuel = values.fuel as RegisterFuel;
    if (values.purchase_dkk) entry.purchaseDkk = Number(values.purchase_dkk);
    if (values.lease_dkk_per_year) entry.leaseDkkPerYear = Number(values.lease_dkk_per_year);
    if (values.ev_model) entry.evModel = values.ev_model;
    if (values.ev_lease_dkk_per_year) entry.evLeaseDkkPerYear = Number(values.ev_lease_dkk_per_year);
    out.set(id, entry);
  }
  return out;
}

function registerLineProblem(
  values: Record<string, string>,
  defaults: FleetDefaults,
  classes: readonly string[],
): string | undefined {
  if (values.__columns !== undefined)
    return `expected as many fields as the header has, got ${values.__columns}`;
  const id = values.vehicle_id ?? '';
  if (!VEHICLE_ID.test(id)) return `vehicle_id: "${id}" is not a vehicle id`;
  const cls = values.class ?? '';
  if (!defaults.classes[cls])
    return `class: "${cls}" is not a vehicle class (classes: ${classes.join(', ')})`;
  const fuel = values.fuel ?? '';
  if (fuel !== '' && !FUELS.includes(fuel as RegisterFuel))
    return `fuel: "${fuel}" is not one of ${FUELS.join(', ')}`;
  for (const column of ['purchase_dkk', 'lease_dkk_per_year', 'ev_lease_dkk_per_year'] as const) {
    const text = values[column] ?? '';
    const n = Number(text);
    if (text !== '' && (!Number.isFinite(n) || n < 0 || n > 10_000_000))
      return `${column}: "${text}" is not an amount in DKK from 0 to 10,000,000`;
  }
  if (values.purchase_dkk && values.lease_dkk_per_year)
    return 'purchase_dkk and lease_dkk_per_year: give one of them, not both';
  const model = values.ev_model ?? '';
  if (model !== '' && !defaults.evModels[model])
    return `ev_model: "${model}" is not an EV model (models: ${Object.keys(defaults.evModels).join(', ')})`;
  return undefined;
}

/** A register file from disk; an unreadable file is a 4xx naming it. */
export function readVehicleRegister(
  path: string,
  defaults: FleetDefaults,
  onProblem: (line: number, reason: string) => void,
): VehicleRegister {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GreenopsError('BAD_REQUEST', `${path}: not a readable file`, { field: 'vehicles', cause: err });
  }
  return parseVehicleRegister(text, path, defaults, onProblem);
}

/** Where a vehicle's class came from. */
export type ClassSource = 'register' | 'stream' | 'default';
/** Where the EV model it is compared with came from: `--ev-model`/`ev-model=`, its register line, or its class. */
export type EvModelSource = 'forced' | 'register' | 'class';

/** What a vehicle is costed as: its class's vehicles, with the register's fuel and price. */
export interface VehicleCosting {
  class: string;
  /** Neither the register nor the stream named a class: the defaults' `defaultClass` was taken. */
  classAssumed: boolean;
  classSource: ClassSource;
  /** The current combustion vehicle (a like-for-like replacement): the class's, fuel and price from the register. */
  ice: IceSpec & { leaseDkkPerYear: number };
  /** A BEV of the class (what an electric vehicle of the pool costs and uses). */
  bev: BevSpec & { leaseDkkPerYear: number };
  evModel: EvModel & { id: string };
  evModelSource: EvModelSource;
  /** The register's fuel, when it gives one. */
  registerFuel: RegisterFuel | undefined;
  /** The register's yearly lease of the EV compared (`ev_lease_dkk_per_year`), when it gives one. */
  evLeaseDkkPerYear: number | undefined;
}

export interface ClassInputs {
  register?: ReadonlyMap<string, RegisterEntry> | undefined;
  /** The `vehicle_class` tag the vehicle reported on its stream, if any. */
  streamClass?: string | undefined;
  /** One EV model for every vehicle (`--ev-model`). */
  forcedEvModel?: string | undefined;
}

/**
 * A vehicle's class and costs. Class: the register's line, else the stream's `vehicle_class` tag when it is a class
 * of the defaults, else `defaultClass` (`classAssumed`). EV model: a forced one (`--ev-model`) for every vehicle,
 * else the register's `ev_model`, else the class's `defaultEvModel`. The register's fuel, purchase price or yearly
 * lease replace the class's for this vehicle (a lease: no purchase, no residual value, the lease every year).
 */
export function resolveVehicleClass(
  defaults: FleetDefaults,
  vehicleId: string,
  inputs: ClassInputs = {},
): VehicleCosting {
  const entry = inputs.register?.get(vehicleId);
  let id: string;
  let source: ClassSource;
  if (entry && defaults.classes[entry.class]) [id, source] = [entry.class, 'register'];
  else if (inputs.streamClass !== undefined && defaults.classes[inputs.streamClass])
    [id, source] = [inputs.streamClass, 'stream'];
  else [id, source] = [defaults.defaultClass, 'default'];
  const cls = defaults.classes[id] as FleetVehicleClass;
  const [modelId, modelSource]: [string, EvModelSource] =
    inputs.forcedEvModel !== undefined
      ? [inputs.forcedEvModel, 'forced']
      : entry?.evModel !== undefined
        ? [entry.evModel, 'register']
        : [cls.defaultEvModel, 'class'];
  const price = (spec: { purchaseDkk: number; residualShare: number }) =>
    entry?.leaseDkkPerYear !== undefined
      ? { purchaseDkk: 0, residualShare: 0, leaseDkkPerYear: entry.leaseDkkPerYear }
      : {
          purchaseDkk: entry?.purchaseDkk ?? spec.purchaseDkk,
          residualShare: spec.residualShare,
          leaseDkkPerYear: 0,
        };
  const fuel = entry?.fuel === 'diesel' || entry?.fuel === 'petrol' ? entry.fuel : cls.ice.fuel;
  const electric = entry?.fuel === 'electric';
  return {
    class: id,
    classAssumed: source === 'default',
    classSource: source,
    // The register's price is of the vehicle it names: a BEV's for an electric one, else the combustion one's.
    ice: electric ? { ...cls.ice, leaseDkkPerYear: 0 } : { ...cls.ice, fuel, ...price(cls.ice) },
    bev: electric ? { ...cls.bev, ...price(cls.bev) } : { ...cls.bev, leaseDkkPerYear: 0 },
    evModel: evModelOf(defaults, modelId, modelSource === 'forced' ? 'ev-model' : `ev_model of ${vehicleId}`),
    evModelSource: modelSource,
    registerFuel: entry?.fuel,
    evLeaseDkkPerYear: entry?.evLeaseDkkPerYear,
  };
}
