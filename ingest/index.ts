export {
  IngestService,
  DEFAULT_INGEST_OPTIONS,
  type IngestOptions,
  type IngestStats,
  type StreamHook,
  type StreamHooks,
} from './ingest-service.js';
export { MqttSubscriber, type InboundMessage, type MqttSubscriberOptions } from './mqtt-subscriber.js';
export { RegisterTracker, type RegisterReading } from './register-tracker.js';
export { BatchWriter, type BatchWriterOptions, type BatchWriterStats } from './batch-writer.js';
export {
  replayDeadLetters,
  reasonKind,
  type ReplayFilter,
  type ReplayReport,
  type Replay,
} from './dead-letter-replay.js';
