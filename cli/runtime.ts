import { gunzipSync } from 'node:zlib';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GreenopsError,
  createLogger,
  loadConfig,
  type Config,
  type Logger,
  type MqttSettings,
} from '../core/index.js';
import {
  DEFAULT_WHEN_LOCKED,
  DuckDbDatabase,
  DuckDbDeadLetterStore,
  DuckDbPersonalData,
  DuckDbStore,
  InfluxDeadLetterStore,
  InfluxPersonalData,
  InfluxStore,
  PgliteRecordStore,
  PostgresRecordStore,
  migrate,
  type DeadLetterStore,
  type PersonalDataStore,
  type RecordStore,
  type TimeSeriesStore,
} from '../store/index.js';
import { RECORD_MIGRATIONS } from './record-migrations.js';

/** Reads the config: defaults < config file (GREENOPS_CONFIG or ./greenops.config.json) < environment < flags. */
export function readConfig(flags: Partial<Record<keyof Config, string>> = {}, env = process.env): Config {
  const explicit = env.GREENOPS_CONFIG;
  const fileName = explicit ?? 'greenops.config.json';
  let file: Record<string, unknown> = {};
  if (explicit !== undefined || existsSync(fileName)) {
    let text: string;
    try {
      text = readFileSync(fileName, 'utf8');
    } catch (err) {
      throw new GreenopsError(
        'INVALID_CONFIG',
        `GREENOPS_CONFIG: cannot read ${fileName}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    try {
      file = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new GreenopsError('INVALID_CONFIG', `${fileName}: not valid JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return loadConfig({ env, file, fileName, flags });
}

export function mqttSettings(config: Config, url: string): MqttSettings {
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  const tls =
    config.mqttCaFile || config.mqttCertFile
      ? { ca: read(config.mqttCaFile), cert: read(config.mqttCertFile), key: read(config.mqttKeyFile) }
      : undefined;
  return { url, username: config.mqttUsername, password: config.mqttPassword, tls };
}

export interface Stores {
  store: TimeSeriesStore;
  deadLetters: DeadLetterStore;
  /** Retention and data-subject requests on the same store. */
  personal: PersonalDataStore;
  close(): Promise<void>;
}

/**
 * DuckDB (the embedded default) keeps time series and dead letters in one file that one process owns. With
 * InfluxDB both go there, so that `greenops ingest` and `greenops api` can run as separate processes.
 */
export async function openStores(
  config: Config,
  logger: Logger,
  whenLocked: string = DEFAULT_WHEN_LOCKED,
): Promise<Stores> {
  if (config.store === 'influx') {
    const store = await InfluxStore.connect({
      url: config.influxUrl as string,
      api: config.influxApi,
      token: config.influxToken,
      org: config.influxOrg,
      bucket: config.influxBucket,
      database: config.influxDatabase,
      retentionPolicy: config.influxRetentionPolicy,
      username: config.influxUsername,
      password: config.influxPassword,
      logger: logger.child({ component: 'influx' }),
    });
    return {
      store,
      deadLetters: new InfluxDeadLetterStore(store),
      personal: new InfluxPersonalData(store),
      close: () => store.close(),
    };
  }
  const path = config.duckdbPath ?? join(config.dataDir, 'greenops.duckdb');
  let db: DuckDbDatabase;
  try {
    db = await DuckDbDatabase.open(path);
  } catch (err) {
    // DuckDB lets one process write a file: beside a running greenops the command says what to do instead.
    if (!/lock/i.test((err as Error).message)) throw err;
    throw new GreenopsError(
      'STORE_UNAVAILABLE',
      `the DuckDB file ${path} is in use by another process (a running greenops; DuckDB allows one): stop it, ` +
        `${whenLocked}, or use InfluxDB (GREENOPS_STORE=influx), which several processes share`,
      { cause: err, retryable: false },
    );
  }
  try {
    return {
      store: await DuckDbStore.create(db),
      deadLetters: await DuckDbDeadLetterStore.create(db),
      personal: new DuckDbPersonalData(db),
      close: () => db.close(),
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** A user-named input file as text; an unreadable one is an error that names it. */
/** Reads a text input file; a `.gz` file is decompressed (exports are often shipped gzipped). */
export function readInputFile(path: string): string {
  try {
    return path.endsWith('.gz')
      ? gunzipSync(readFileSync(path)).toString('utf8')
      : readFileSync(path, 'utf8');
  } catch (err) {
    throw new GreenopsError('INVALID_INPUT_FILE', `${path}: cannot read: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Where the CO₂ side keeps its files: classifiers under models/co2, the review ledger under co2. */
export function co2Paths(dataDir: string): { classifiers: string; ledgers: string } {
  return { classifiers: join(dataDir, 'models', 'co2'), ledgers: join(dataDir, 'co2') };
}

/**
 * The records store: PostgreSQL when DATABASE_URL is set (shared by replicas), else PGlite in {dataDir}/records.
 * Every component's migrations are applied before it is handed out.
 */
export async function openRecords(config: Config, logger: Logger, whenLocked?: string): Promise<RecordStore> {
  const records = config.databaseUrl
    ? await PostgresRecordStore.connect({ url: config.databaseUrl })
    : await PgliteRecordStore.open(
        join(config.dataDir, 'records'),
        whenLocked === undefined ? {} : { whenLocked },
      );
  try {
    const { applied } = await migrate(records, RECORD_MIGRATIONS);
    for (const { component, version, name } of applied)
      logger.info({ component, version, migration: name }, 'records store migrated');
    return records;
  } catch (err) {
    await records.close();
    throw err;
  }
}

/**
 * Opens the configuration's records store for one command and closes it afterwards. Logs go to stderr: stdout is
 * what a script reads (a key, a credential, JSON). With PGlite, the store's folder lock refuses to open it beside
 * a running greenops (naming the process and the API to use instead) and takes over a lock left by a crash.
 */
export async function withRecords<T>(
  dataDir: string | undefined,
  fn: (records: RecordStore, logger: Logger) => Promise<T>,
  level?: Config['logLevel'],
  whenLocked?: string,
): Promise<T> {
  const config = readConfig(dataDir === undefined ? {} : { dataDir });
  const logger = createLogger({ level: level ?? config.logLevel, destination: process.stderr });
  const records = await openRecords(config, logger, whenLocked);
  try {
    return await fn(records, logger);
  } finally {
    await records.close();
  }
}
