import {
  DEFAULT_DECODE_LIMITS,
  GreenopsError,
  errorMessage,
  redactConfig,
  type Config,
  type Logger,
  type MqttSettings,
} from '../core/index.js';
import { EmbeddedBroker } from '../broker/index.js';
import type { RecordStore } from '../store/index.js';
import {
  ApiKeyStore,
  DeviceCredentialStore,
  INGEST_TOPICS,
  OidcVerifier,
  RecordAuditLog,
  INGEST_USERNAME,
  MqttAccess,
  REPLAY_TOPICS,
  REPLAY_USERNAME,
  serviceAccount,
} from '../access/index.js';
import { IngestService } from '../ingest/index.js';
import { ApiServer } from '../api/index.js';
import {
  MqttPublisher,
  PerDevicePublisher,
  SimulationRunner,
  createSimulators,
  type Publisher,
} from '../edge/index.js';
import { co2Paths, mqttSettings, openRecords, openStores, type Stores } from './runtime.js';
import { simulatorLogins } from './simulator-credentials.js';
import { bootstrapAdminKey, type BootstrapKey } from './bootstrap-admin-key.js';
import {
  ClassifierStore,
  EnergyRetrainer,
  FileModelRegistry,
  InvoiceAccounts,
  AnalysisWorkers,
  importJsonlLedgers,
  loadFactorTable,
} from '../models/index.js';
import { join } from 'node:path';

export interface Roles {
  ingest: boolean;
  api: boolean;
  simulate: boolean;
}

export interface SimulationSettings {
  startMs: number;
  seed: number;
  untilMs?: number;
}

export interface GreenopsApp {
  apiUrl: string | undefined;
  /** The broker the process talks to; undefined for `greenops api` alone without MQTT_URL. */
  brokerUrl: string | undefined;
  stores: Stores;
  ingest: IngestService | undefined;
  simulation: SimulationRunner | undefined;
  /** The records store (keys, devices, audit, invoice ledger), when a role needs it. */
  records: RecordStore | undefined;
  /** The platform-admin key created on a fresh records store; print it once. */
  adminKey: BootstrapKey | undefined;
  stop(): Promise<void>;
}

/**
 * The composition root: wires the runnables a command asks for. `greenops start` runs them all in one process
 * (with the embedded broker unless MQTT_URL names one); `greenops ingest` and `greenops api` run one role.
 */
export async function startGreenops(
  config: Config,
  logger: Logger,
  roles: Roles,
  simulation?: SimulationSettings,
): Promise<GreenopsApp> {
  logger.debug({ config: redactConfig(config) }, 'configuration');
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.error({ err: errorMessage(err) }, 'error while stopping');
      }
    }
  };
  try {
    const stores = await openStores(config, logger);
    stoppers.push(() => stores.close());
    // One records store for the process (a PGlite folder admits one owner): the API's keys, audit trail and invoice
    // ledger, and the embedded broker's device credentials. An ingest alone on an external broker needs none.
    // `greenops api` alone never starts a broker (a second embedded broker beside a running service would take its
    // port); the embedded one belongs to the process that ingests.
    const embeddedBroker = config.mqttUrl === undefined && (roles.ingest || roles.simulate);
    const records = roles.api || embeddedBroker ? await openRecords(config, logger) : undefined;
    if (records) stoppers.push(() => records.close());
    const audit = records ? new RecordAuditLog(records) : undefined;

    let brokerUrl = config.mqttUrl;
    // The embedded broker checks device credentials in the records store; the ingest and the republisher get
    // service identities whose random passwords live only in this process. An external broker has its own
    // users: the ingest connects as MQTT_USERNAME, replay as MQTT_REPLAY_USERNAME.
    let devices: DeviceCredentialStore | undefined;
    let mqtt: MqttSettings | undefined;
    let replayMqtt: MqttSettings | undefined;
    if (brokerUrl !== undefined) {
      mqtt = mqttSettings(config, brokerUrl);
      replayMqtt = { ...mqtt, username: config.mqttReplayUsername, password: config.mqttReplayPassword };
    } else if (embeddedBroker) {
      devices = new DeviceCredentialStore(records as RecordStore);
      const ingestAccount = serviceAccount(INGEST_USERNAME, INGEST_TOPICS);
      const replayAccount = serviceAccount(REPLAY_USERNAME, REPLAY_TOPICS);
      const broker = new EmbeddedBroker({
        host: config.host,
        port: config.brokerPort,
        logger: logger.child({ component: 'broker' }),
        access: new MqttAccess({
          devices,
          services: [ingestAccount, replayAccount],
          allowAnonymous: config.mqttAllowAnonymous,
        }),
      });
      brokerUrl = await broker.start();
      stoppers.push(() => broker.stop());
      mqtt = { url: brokerUrl, username: ingestAccount.username, password: ingestAccount.password };
      replayMqtt = { url: brokerUrl, username: replayAccount.username, password: replayAccount.password };
    }

    // Ingest and simulators need a broker; with them it is external (MQTT_URL) or embedded.
    const brokerSettings = (): MqttSettings => {
      if (!mqtt) throw new Error('this role needs a broker');
      return mqtt;
    };

    let ingest: IngestService | undefined;
    if (roles.ingest) {
      ingest = new IngestService({
        mqtt: brokerSettings(),
        store: stores.store,
        deadLetters: stores.deadLetters,
        logger: logger.child({ component: 'ingest' }),
        clientId: config.ingestClientId,
        subscription: config.ingestSubscription,
        maxUnacked: config.ingestMaxUnacked,
        batchSize: config.ingestBatchSize,
        flushMs: config.ingestFlushMs,
        limits: { maxBytes: config.maxPayloadBytes },
        spillDir: config.dataDir,
      });
      const started = ingest;
      stoppers.push(() => started.stop());
      await ingest.start();
    }

    const energyModels = new FileModelRegistry(join(config.dataDir, 'models', 'energy'));
    if (roles.ingest && config.energyRetrainHours > 0) {
      const retrainer = new EnergyRetrainer({
        store: stores.store,
        registry: energyModels,
        tenant: config.tenant,
        everyHours: config.energyRetrainHours,
        logger: logger.child({ component: 'energy' }),
      });
      retrainer.start();
      stoppers.push(() => retrainer.stop());
    }

    let apiUrl: string | undefined;
    let adminKey: BootstrapKey | undefined;
    if (roles.api) {
      if (!records || !audit) throw new Error('the API role opens the records store');
      const keys = new ApiKeyStore(records, { logger: logger.child({ component: 'keys' }) });
      stoppers.push(() => keys.settle());
      adminKey = await bootstrapAdminKey(keys, config.dataDir, audit);
      const oidc =
        config.oidcIssuer === undefined
          ? undefined
          : new OidcVerifier({
              issuer: config.oidcIssuer,
              audience: config.oidcAudience as string,
              jwksUrl: config.oidcJwksUrl,
              tenantClaim: config.oidcTenantClaim,
              rolesClaim: config.oidcRolesClaim,
              clockSkewSeconds: config.oidcClockSkewSeconds,
            });
      const ingestRef = ingest;
      // Dead-letter replay publishes through its own MQTT connection, opened on first use.
      let republisher: Promise<MqttPublisher> | undefined;
      const republish = async (topic: string, payload: Buffer) => {
        if (replayMqtt === undefined)
          throw new GreenopsError(
            'BROKER_UNAVAILABLE',
            'dead-letter replay needs a broker: greenops api alone starts none, so set MQTT_URL (and MQTT_REPLAY_USERNAME and MQTT_REPLAY_PASSWORD)',
          );
        if (replayMqtt.username === undefined)
          throw new GreenopsError(
            'BROKER_UNAVAILABLE',
            'dead-letter replay needs its own MQTT identity on an external broker: set MQTT_REPLAY_USERNAME and MQTT_REPLAY_PASSWORD',
          );
        if (!republisher) {
          const connecting = MqttPublisher.connect(
            replayMqtt as MqttSettings,
            `greenops-replay-${process.pid}`,
            logger.child({ component: 'replay' }),
          );
          // A refused connection is tried again on the next replay rather than remembered.
          connecting.catch(() => {
            if (republisher === connecting) republisher = undefined;
          });
          republisher = connecting;
        }
        await (await republisher).publish(topic, payload);
      };
      stoppers.push(async () => {
        if (republisher) await (await republisher).close();
      });
      const table = loadFactorTable(config.co2FactorsPath);
      const paths = co2Paths(config.dataDir);
      await importJsonlLedgers(records, paths.ledgers, logger.child({ component: 'invoices' }));
      // One pool of worker threads for the API's heavy computations (waste, savings, reading large uploads).
      const analysis = new AnalysisWorkers();
      stoppers.push(() => analysis.stop());
      const invoiceAccounts = new InvoiceAccounts({
        records,
        classifiers: new ClassifierStore(paths.classifiers),
        table,
        store: stores.store,
        logger: logger.child({ component: 'invoices' }),
        train: { epochs: config.co2TrainEpochs },
        analysis,
      });
      stoppers.push(() => invoiceAccounts.stop());
      const api = new ApiServer({
        store: stores.store,
        deadLetters: stores.deadLetters,
        logger: logger.child({ component: 'api' }),
        defaultTenant: config.tenant,
        host: config.host,
        port: config.port,
        health: {
          store: () => stores.store.ping(),
          ...(ingestRef ? { broker: () => ingestRef.connected } : {}),
        },
        metrics: () => ingestRef?.metrics() ?? [],
        republish,
        decodeLimits: { ...DEFAULT_DECODE_LIMITS, maxBytes: config.maxPayloadBytes },
        energyModels,
        wasteSettings: { priceDkkPerKwh: config.energyPriceDkkPerKwh, co2KgPerKwh: config.gridCo2KgPerKwh },
        invoiceAccounts,
        keys,
        oidc,
        audit,
        devices: devices ?? new DeviceCredentialStore(records),
        metricsPublic: config.metricsPublic,
        rateLimitPerMinute: config.rateLimitPerMinute,
        corsOrigins: config.corsOrigins,
        queryTimeoutMs: config.queryTimeoutMs,
        analysis,
      });
      apiUrl = await api.start();
      stoppers.push(() => api.stop());
    }

    let runner: SimulationRunner | undefined;
    if (roles.simulate) {
      const settings = simulation ?? { startMs: Date.now() - 3_600_000, seed: 1 };
      const simulators = createSimulators('all', {
        devices: config.simulateDevices,
        seed: settings.seed,
        startMs: settings.startMs,
      });
      const edgeLogger = logger.child({ component: 'edge' });
      let publisher: Publisher;
      if (devices) {
        // Each simulated device connects with a device credential of its own, as a real one would.
        const logins = await simulatorLogins({
          devices,
          tenant: config.tenant,
          simulators,
          file: join(config.dataDir, 'simulator-credentials.json'),
          logger: edgeLogger,
          audit,
        });
        publisher = new PerDevicePublisher({
          settings: { url: brokerSettings().url },
          loginFor: (topic) => logins.get(topic),
          clientIdPrefix: `greenops-sim-${process.pid}`,
          logger: edgeLogger,
        });
      } else {
        publisher = await MqttPublisher.connect(brokerSettings(), `greenops-sim-${process.pid}`, edgeLogger);
      }
      const simPublisher = publisher;
      stoppers.push(() => simPublisher.close());
      runner = new SimulationRunner({
        simulators,
        publisher,
        tenant: config.tenant,
        logger: logger.child({ component: 'edge' }),
        rate: config.simulateRate,
        untilMs: settings.untilMs,
      });
      runner.start();
      const started = runner;
      stoppers.push(() => started.stop());
    }
    return { apiUrl, brokerUrl, stores, ingest, simulation: runner, records, adminKey, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
