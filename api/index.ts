export { ApiServer, createApp, type ApiOptions } from './api-server.js';
export type { HealthCheck } from './routes/health.js';
