import { Type, type Static } from '@sinclair/typebox';
import { ENERGY_UNITS, METER_UNITS, normaliseMeterValue } from '../units.js';
import { EntityId, MessageId, Timestamp, record, reportedDevice } from './common.js';
import { defineStream } from './stream-definition.js';
import type { Point } from '../point.js';

export const ENERGY_QUANTITIES = ['electricity', 'district_heat', 'water', 'gas'] as const;
export type EnergyQuantity = (typeof ENERGY_QUANTITIES)[number];

export const EnergyRecord = record(
  {
    id: MessageId,
    ts: Timestamp,
    meterId: Type.Optional(EntityId),
    siteId: EntityId,
    quantity: Type.Union(ENERGY_QUANTITIES.map((q) => Type.Literal(q))),
    unit: Type.Union(METER_UNITS.map((u) => Type.Literal(u))),
    kind: Type.Union([Type.Literal('interval'), Type.Literal('register')]),
    value: Type.Number({ minimum: 0 }),
    intervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    rolloverAt: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    outdoorTempC: Type.Optional(Type.Number({ minimum: -60, maximum: 60 })),
  },
  'One meter reading: consumption over an interval starting at ts, or a cumulative register value at ts.',
);
export type EnergyRecord = Static<typeof EnergyRecord>;

export const DEFAULT_INTERVAL_SECONDS = 3600;

export const energyStream = defineStream<EnergyRecord>({
  name: 'energy',
  version: 1,
  schema: EnergyRecord,
  tags: ['site', 'quantity'],
  fields: {
    kwh: {
      type: 'number',
      unit: 'kWh',
      description: 'Consumption in the interval starting at the point time.',
    },
    m3: { type: 'number', unit: 'm³', description: 'Volume in the interval (water, gas metered by volume).' },
    interval_s: { type: 'number', unit: 's', description: 'Length of the interval.' },
    register_kwh: { type: 'number', unit: 'kWh', description: 'Cumulative register reading as sent.' },
    register_m3: { type: 'number', unit: 'm³', description: 'Cumulative register reading as sent.' },
    outdoor_temp_c: { type: 'number', unit: '°C', description: 'Outdoor temperature at the site.' },
    flag: {
      type: 'string',
      description: '"reset" when the interval follows a meter reset (excluded by models).',
    },
  },
  defaultField: 'kwh',
  check(r) {
    const isEnergyUnit = r.unit in ENERGY_UNITS;
    if ((r.quantity === 'electricity' || r.quantity === 'district_heat') && !isEnergyUnit) {
      return `unit ${r.unit} is a volume; ${r.quantity} needs an energy unit (Wh, kWh, MWh, MJ, GJ)`;
    }
    if (r.quantity === 'water' && isEnergyUnit)
      return `unit ${r.unit} is an energy unit; water needs m3 or L`;
    if (r.kind === 'interval' && r.rolloverAt !== undefined)
      return 'rolloverAt applies to register readings only';
    if (r.kind === 'register' && r.rolloverAt !== undefined && r.value >= r.rolloverAt) {
      return `register value ${r.value} is not below rolloverAt ${r.rolloverAt}`;
    }
    return undefined;
  },
  toPoints(r, { tenant, deviceId, timeMs }) {
    const normalised = normaliseMeterValue(r.value, r.unit);
    const fields: Point['fields'] = {};
    if (r.kind === 'interval') {
      fields[normalised.unit] = normalised.value;
      fields.interval_s = r.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
    } else {
      fields[`register_${normalised.unit}`] = normalised.value;
    }
    if (r.outdoorTempC !== undefined) fields.outdoor_temp_c = r.outdoorTempC;
    const tags = {
      tenant,
      device: reportedDevice(deviceId, r.meterId),
      site: r.siteId,
      quantity: r.quantity,
    };
    return [{ measurement: 'energy', tags, fields, timeMs }];
  },
});
