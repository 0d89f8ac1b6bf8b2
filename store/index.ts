export type {
  TimeSeriesStore,
  SeriesQuery,
  SeriesRow,
  DeviceSummary,
  LatestQuery,
  FieldsQuery,
  FieldsRow,
  ScanFieldsQuery,
  FieldColumns,
  AggregateFn,
} from './time-series-store.js';
export { AGGREGATE_FNS } from './time-series-store.js';
export type { PersonalDataStore, FieldMatch } from './personal-data-store.js';
export type {
  DeadLetterStore,
  DeadLetter,
  DeadLetterInput,
  DeadLetterPage,
  DeadLetterQuery,
} from './dead-letter-store.js';
export { STORED_PAYLOAD_BYTES, storedDeadLetter, uniqueDeadLetters } from './dead-letter-store.js';
export { DuckDbDatabase, readRows } from './duckdb/duckdb-database.js';
export { DuckDbStore } from './duckdb/duckdb-store.js';
export { DuckDbDeadLetterStore } from './duckdb/duckdb-dead-letter-store.js';
export { seriesKey, escapeTag } from './series-key.js';
export { InfluxStore, DEFAULT_INFLUX_SETTINGS, type InfluxSettings } from './influx/influx-store.js';
export { toLine } from './influx/line-protocol.js';
export { InfluxDeadLetterStore } from './influx/influx-dead-letter-store.js';
export type { RecordStore, RecordQueryable, Migration, MigrationSet } from './records/record-store.js';
export { CopyWriter, prepareCopy } from './records/copy-text.js';
export type { CopyInput, CopyValue, PreparedCopy } from './records/copy-text.js';
export { migrate, MIGRATION_LOCK_KEY, type MigrationReport } from './records/migrate.js';
export { PgliteRecordStore } from './records/pglite-record-store.js';
export { DEFAULT_WHEN_LOCKED } from './records/folder-lock.js';
export { PostgresRecordStore, type PostgresRecordStoreOptions } from './records/postgres-record-store.js';
export { pageAtTimeBoundary, pointNs } from './personal-data-store.js';
export { DuckDbPersonalData } from './duckdb/duckdb-personal-data.js';
export { InfluxPersonalData } from './influx/influx-personal-data.js';
