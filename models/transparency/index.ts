export {
  MODEL_CARD_FORMAT,
  NO_VERSION,
  SUMMARY_MAX_CHARS,
  cardProblems,
  type AiActClass,
  type Bilingual,
  type CardInput,
  type EvaluationEntry,
  type FootprintSummary,
  type GroupPerformance,
  type ModelCard as TransparencyCard,
  type ModelStatus,
  type OversightSummary,
} from './model-card.js';
export {
  MODEL_IDS,
  TransparencyService,
  isModelId,
  type EnergyModelSource,
  type InvoiceModelSource,
  type ModelId,
  type OversightPage,
  type TransparencyOptions,
} from './transparency-service.js';
export {
  EXPORT_FORMATS,
  exportWarnings,
  isExportFormat,
  registerExport,
  type ExportContext,
  type ExportFormat,
} from './register-exports.js';
export { citizenErrorPage, citizenPage, escapeHtml, type PageLanguage } from './citizen-page.js';
export { counted, humanPeriod, versionText } from './wording.js';
export {
  DEFAULT_POWER_MODEL,
  footprintOf,
  machineCpuSeconds,
  readRapl,
  startUsage,
  type Footprint,
  type PowerModel,
  type WorkUsage,
} from './footprint.js';
export {
  FOOTPRINT_MIGRATIONS,
  FootprintLog,
  TRAINING_MODULES,
  type InferenceDay,
  type TrainingFootprint,
} from './footprint-log.js';
export {
  DECISIONS,
  OVERSIGHT_MIGRATIONS,
  OversightLog,
  type Decision,
  type OversightCounts,
  type OversightDecision,
} from './oversight-log.js';
export { RetentionJob, applyRetention, type RetentionOutcome } from './retention-job.js';
export {
  checkDriverPseudonym,
  driverDeadLetters,
  driverSamples,
  eraseDriver,
  driverPseudonym,
  eraseDriverDeadLetters,
  pseudonymDigest,
} from './privacy.js';
export { TRAFFIC_METHOD_VERSION } from './cards/traffic.js';
