export * from './energy/index.js';
export * from './co2/index.js';
export * from './traffic/index.js';
export * from './fleet/index.js';
export {
  AnalysisWorkers,
  DEFAULT_ANALYSIS_OPTIONS,
  type AnalysisWorkersOptions,
} from './analysis-workers.js';
export { WorkerPool, DEFAULT_WORKER_POOL_OPTIONS, type WorkerPoolOptions } from './worker-pool.js';
export * from './transparency/index.js';
export * from './road/index.js';
