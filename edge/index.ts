export { MqttPublisher, isCredentialRefusal, type Publisher } from './publisher.js';
export {
  PerDevicePublisher,
  type DeviceLogin,
  type PerDevicePublisherOptions,
} from './per-device-publisher.js';
export { SimulationRunner, type SimulationOptions, type SimulationStats } from './simulate/runner.js';
export type { StreamSimulator, SimRecord, SimulatorOptions } from './simulate/simulator.js';
export { outdoorTemperature } from './simulate/simulator.js';
export { EnergySimulator, occupancyAt } from './simulate/energy.js';
export {
  FleetSimulator,
  FLEET_DEPOTS,
  SIM_CLASS_USE,
  type FleetSimulatorOptions,
  type SimVehicleClass,
  type FleetUsage,
  type TruthTrip,
  type TruthVehicle,
} from './simulate/fleet.js';
export { TrafficSimulator } from './simulate/traffic.js';
export {
  CameraVehicleSimulator,
  RoadSimulator,
  type RoadGroundTruth,
  type TrueDefect,
} from './simulate/road.js';
export { createSimulators } from './simulate/create-simulators.js';
export { replayCsv, type ReplayOptions, type ReplayResult } from './replay/replay.js';
export { replayRecords, isProblem, type ReplayRecord, type ReplayProblem } from './replay/replay-records.js';
export { REPLAY_COLUMNS } from './replay/columns.js';

export { Random } from './random.js';
export {
  DiskQueue,
  DEFAULT_DISK_QUEUE,
  type DiskQueueOptions,
  type QueuedMessage,
} from './outbox/disk-queue.js';
export {
  QueuedPublisher,
  type QueuedPublisherOptions,
  type QueuedPublisherStats,
} from './outbox/queued-publisher.js';
