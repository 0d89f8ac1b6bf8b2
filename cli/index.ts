export { startGreenops, type GreenopsApp, type Roles, type SimulationSettings } from './greenops-app.js';
export { readConfig, openStores, mqttSettings, type Stores } from './runtime.js';
export { sampleEnergyCsv } from './commands/energy.js';
export {
  writeMosquittoFiles,
  type MosquittoFilesOptions,
  type MosquittoFilesReport,
} from './mosquitto-files.js';
export { sampleTrafficCsv } from './commands/traffic.js';
export { readTrafficCsv, trafficFileReport } from './commands/traffic-file.js';
export { sampleFleetCsv } from './commands/fleet.js';
export { fleetFileReport, readFleetCsv, readTemperatures } from './commands/fleet-file.js';
