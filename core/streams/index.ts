import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { energyStream } from './energy.js';
import { fleetStream } from './fleet.js';
import { trafficStream } from './traffic.js';
import { roadStream } from './road.js';
import type { StreamDefinition } from './stream-definition.js';
import type { StreamName } from './stream-name.js';

export * from './stream-name.js';
export type { StreamDefinition, FieldInfo, PointContext } from './stream-definition.js';
export { EnergyRecord, ENERGY_QUANTITIES, DEFAULT_INTERVAL_SECONDS, type EnergyQuantity } from './energy.js';
export { FleetRecord, POWERTRAINS, DRIVER_PSEUDONYM_PATTERN, VEHICLE_CLASS_PATTERN } from './fleet.js';
export { TrafficRecord, VEHICLE_CLASSES, type VehicleClass } from './traffic.js';
export { RoadRecord, DAMAGE_CLASSES, type DamageClass } from './road.js';

export const STREAMS: Readonly<Record<StreamName, StreamDefinition<never>>> = {
  energy: energyStream as StreamDefinition<never>,
  fleet: fleetStream as StreamDefinition<never>,
  traffic: trafficStream as StreamDefinition<never>,
  road: roadStream as StreamDefinition<never>,
};

const compiled = new Map<StreamName, TypeCheck<TSchema>>();

/** The compiled validator of a stream's record schema (compiled once, on first use). */
export function recordValidator(stream: StreamName): TypeCheck<TSchema> {
  let check = compiled.get(stream);
  if (!check) {
    check = TypeCompiler.Compile(STREAMS[stream].schema);
    compiled.set(stream, check);
  }
  return check;
}

export function streamDefinition<R>(stream: StreamName): StreamDefinition<R> {
  return STREAMS[stream] as unknown as StreamDefinition<R>;
}
