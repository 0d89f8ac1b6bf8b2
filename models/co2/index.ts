export { parseUbl } from './ubl-parser.js';
export { InvoiceFileError, type InvoiceLine, type InvoiceFormat } from './invoice-line.js';
export { parseInvoiceCsv, INVOICE_CSV_COLUMNS } from './csv-invoices.js';
export { readInvoices, type InvoiceFile } from './read-invoices.js';
export {
  DEFAULT_FACTOR_TABLE,
  readFactorTable,
  validateFactorTable,
  categoryForUnspsc,
  type FactorTable,
  type EmissionScope,
} from './factor-table.js';
export {
  buildCorpus,
  CORPUS_CATEGORIES,
  CORPUS_VERSION,
  CORPUS_SOURCE,
  type LabelledExample,
} from './corpus.js';
export {
  TextClassifier,
  trainClassifier,
  evaluateClassifier,
  REVIEW_CONFIDENCE,
  CLASSIFIER_CARD,
  DEFAULT_TRAIN_OPTIONS,
  type Classification,
  type ClassifierEvaluation,
  type ClassifierManifest,
  type ClassifierArtifacts,
} from './classifier.js';
export { ClassifierStore, SHARED_CLASSIFIER } from './classifier-store.js';
export { TrainingQueue } from './training-queue.js';
export {
  estimateLine,
  estimateLines,
  estimateTotals,
  reviewQueue,
  supplierHistory,
  supplierKey,
  activityQuantity,
  NON_EMITTING,
  UNKNOWN,
  invoiceLineId,
  recurringLineKey,
  type Reviews,
  type LineEstimate,
  type EstimateTotals,
  type TotalEntry,
  type EstimateContext,
} from './estimate.js';
export { InvoiceLedger, type Correction, type StoredLine, type LedgerSnapshot } from './ledger.js';
export { INVOICE_MIGRATIONS } from './ledger-migrations.js';
export { importJsonlLedgers, type LedgerImport } from './ledger-import.js';
export {
  trainTenantClassifier,
  classifierFor,
  trainingSet,
  loadFactorTable,
  monthlyPoints,
  estimateInvoiceFiles,
  type EstimateDocument,
  CO2_MEASUREMENT,
} from './use-cases.js';
export { InvoiceAccounts, type InvoiceAccountsOptions, type TrainingState } from './invoice-accounts.js';
export { sampleInvoices, type SampleOptions } from './sample-invoices.js';
export { readText, LEXICON_VERSION, LEXICON_SOURCE, CARRIERS, type NonEmittingKind } from './lexicon.js';
export { categoryForCpv, categoryForCodes } from './classification-codes.js';
export { combineRanges, lognormalMoments, type RangedAmount } from './uncertainty.js';
export { HELD_OUT_INVOICES, heldOutFiles } from './held-out-invoices.js';
