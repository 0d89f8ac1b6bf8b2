export { IngestService, type IngestOptions, type IngestStats } from './ingest-service.js';
export { RegisterTracker, type RegisterReading } from './register-tracker.js';
export { BatchWriter, type BatchWriterOptions, type BatchWriterStats } from './batch-writer.js';
