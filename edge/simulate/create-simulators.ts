import { STREAM_NAMES, type StreamName } from '../../core/index.js';
import { EnergySimulator } from './energy.js';
import { FleetSimulator } from './fleet.js';
import { RoadSimulator } from './road.js';
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
  return streams.map((s) => new FACTORIES[s](options));
}
