import { Type, type Static } from '@sinclair/typebox';
import {
  EntityId,
  Heading,
  Latitude,
  Longitude,
  MessageId,
  NonNegative,
  Percent,
  Timestamp,
  record,
  reportedDevice,
} from './common.js';
import { defineStream } from './stream-definition.js';
import type { Point } from '../point.js';

export const POWERTRAINS = ['ice', 'bev', 'phev', 'hev'] as const;

/**
 * A driver is identified only by a pseudonym: a keyed hash (e.g. hex HMAC-SHA256 of the badge id) computed on
 * the vehicle. The pattern refuses anything that could be a name (GDPR art. 5(1)(c), data minimisation).
 */
export const DRIVER_PSEUDONYM_PATTERN = '^[0-9a-f]{16,64}$';

/** A vehicle class id (the keys of the fleet defaults' `classes`). */
export const VEHICLE_CLASS_PATTERN = '^[a-z0-9-]{1,40}$';

export const FleetRecord = record(
  {
    id: MessageId,
    ts: Timestamp,
    vehicleId: Type.Optional(EntityId),
    powertrain: Type.Optional(Type.Union(POWERTRAINS.map((p) => Type.Literal(p)))),
    /** The vehicle's class as the fleet defaults name it (car, van, minibus, …): the tag `vehicle_class`. */
    vehicleClass: Type.Optional(Type.String({ pattern: VEHICLE_CLASS_PATTERN })),
    lat: Latitude,
    lon: Longitude,
    speedKmh: Type.Number({ minimum: 0, maximum: 250 }),
    headingDeg: Type.Optional(Heading),
    ignition: Type.Boolean(),
    odometerKm: Type.Optional(NonNegative),
    fuelLevelPct: Type.Optional(Percent),
    fuelUsedL: Type.Optional(NonNegative),
    socPct: Type.Optional(Percent),
    energyUsedKwh: Type.Optional(NonNegative),
    driverId: Type.Optional(Type.String({ pattern: DRIVER_PSEUDONYM_PATTERN })),
  },
  'One vehicle telemetry sample. fuelUsedL and energyUsedKwh are cumulative counters.',
);
export type FleetRecord = Static<typeof FleetRecord>;

export const fleetStream = defineStream<FleetRecord>({
  name: 'fleet',
  version: 1,
  schema: FleetRecord,
  tags: ['powertrain', 'vehicle_class'],
  fields: {
    lat: { type: 'number', unit: '°', description: 'Latitude (WGS 84).' },
    lon: { type: 'number', unit: '°', description: 'Longitude (WGS 84).' },
    speed_kmh: { type: 'number', unit: 'km/h', description: 'Speed.' },
    heading_deg: { type: 'number', unit: '°', description: 'Heading, clockwise from north.' },
    ignition: { type: 'boolean', description: 'Ignition on.' },
    odometer_km: { type: 'number', unit: 'km', description: 'Odometer.' },
    fuel_level_pct: { type: 'number', unit: '%', description: 'Fuel tank level.' },
    fuel_used_l: { type: 'number', unit: 'L', description: 'Cumulative fuel used.' },
    soc_pct: { type: 'number', unit: '%', description: 'Battery state of charge.' },
    energy_used_kwh: { type: 'number', unit: 'kWh', description: 'Cumulative traction energy used.' },
    driver: {
      type: 'string',
      description:
        'Pseudonymous driver id (a field, never a tag: not indexed). Personal data: readable by fleet and the admins only.',
      personal: true,
    },
  },
  defaultField: 'speed_kmh',
  toPoints(r, { tenant, deviceId, timeMs }) {
    const fields: Point['fields'] = { lat: r.lat, lon: r.lon, speed_kmh: r.speedKmh, ignition: r.ignition };
    if (r.headingDeg !== undefined) fields.heading_deg = r.headingDeg;
    if (r.odometerKm !== undefined) fields.odometer_km = r.odometerKm;
    if (r.fuelLevelPct !== undefined) fields.fuel_level_pct = r.fuelLevelPct;
    if (r.fuelUsedL !== undefined) fields.fuel_used_l = r.fuelUsedL;
    if (r.socPct !== undefined) fields.soc_pct = r.socPct;
    if (r.energyUsedKwh !== undefined) fields.energy_used_kwh = r.energyUsedKwh;
    if (r.driverId !== undefined) fields.driver = r.driverId;
    const tags: Point['tags'] = { tenant, device: reportedDevice(deviceId, r.vehicleId) };
    if (r.powertrain !== undefined) tags.powertrain = r.powertrain;
    if (r.vehicleClass !== undefined) tags.vehicle_class = r.vehicleClass;
    return [{ measurement: 'fleet', tags, fields, timeMs }];
  },
});
