import { STREAM_NAMES, type StreamName } from '../../core/index.js';
import { EnergySimulator } from './energy.js';
import { FleetSimulator } from './fleet.js';
import { CameraVehicleSimulator, RoadSimulator } from './road.js';
import type { SimulatorOptions, StreamSimulator } from './simulator.js';
import { TrafficSimulator } from './traffic.js';

const FACTORIES: Record<StreamName, new (options: SimulatorOptions) => StreamSimulator> = {
  energy: EnergySimulator,
  fleet: FleetSimulator,
  traffic: TrafficSimulator,
  road: RoadSimulator,
};

export function createSimulators(stream: StreamName | 'all', options: SimulatorOptions): StreamSimulator[] {
  const streams = stream === 'all' ? STREAM_NAMES : [stream];
  const simulators = streams.map((s) => new FACTORIES[s](options));
  // With every stream, the road cameras' vehicles report their positions too: coverage and missed passes.
  if (stream === 'all') simulators.push(new CameraVehicleSimulator(options));
  return simulators;
}
