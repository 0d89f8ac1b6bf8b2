import {
  DEFAULT_DECODE_LIMITS,
  errorMessage,
  redactConfig,
  type Config,
  type Logger,
} from '../core/index.js';
import { EmbeddedBroker } from '../broker/index.js';
import { IngestService } from '../ingest/index.js';
import { ApiServer } from '../api/index.js';
import { MqttPublisher, SimulationRunner, createSimulators } from '../edge/index.js';
import { co2Paths, mqttSettings, openRecords, openStores, type Stores } from './runtime.js';
import { ApiKeyStore, OidcVerifier } from '../access/index.js';
import type { RecordStore } from '../store/index.js';
import { bootstrapAdminKey, type BootstrapKey } from './bootstrap-admin-key.js';
import { LoggedAuditLog } from './logged-audit-log.js';
import {
  ClassifierStore,
  EnergyRetrainer,
  FileModelRegistry,
  InvoiceAccounts,
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
  brokerUrl: string;
  stores: Stores;
  ingest: IngestService | undefined;
  simulation: SimulationRunner | undefined;
  /** The records store (keys, …), opened with the API. */
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

    let brokerUrl = config.mqttUrl;
    let broker: EmbeddedBroker | undefined;
    if (brokerUrl === undefined) {
      broker = new EmbeddedBroker({
        host: config.host,
        port: config.brokerPort,
        logger: logger.child({ component: 'broker' }),
      });
      brokerUrl = await broker.start();
      const started = broker;
      stoppers.push(() => started.stop());
    }
    const mqtt = mqttSettings(config, brokerUrl);

    let ingest: IngestService | undefined;
    if (roles.ingest) {
      ingest = new IngestService({
        mqtt,
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
    let records: RecordStore | undefined;
    let adminKey: BootstrapKey | undefined;
    if (roles.api) {
      const opened = await openRecords(config, logger.child({ component: 'records' }));
      records = opened;
      stoppers.push(() => opened.close());
      const keys = new ApiKeyStore(opened, { logger: logger.child({ component: 'keys' }) });
      stoppers.push(() => keys.settle());
      adminKey = await bootstrapAdminKey(keys, config.dataDir);
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
        republisher ??= MqttPublisher.connect(
          mqtt,
          `greenops-replay-${process.pid}`,
          logger.child({ component: 'replay' }),
        );
        await (await republisher).publish(topic, payload);
      };
      stoppers.push(async () => {
        if (republisher) await (await republisher).close();
      });
      const table = loadFactorTable(config.co2FactorsPath);
      const paths = co2Paths(config.dataDir);
      const invoiceAccounts = new InvoiceAccounts({
        ledgerDir: paths.ledgers,
        classifiers: new ClassifierStore(paths.classifiers),
        table,
        store: stores.store,
        logger: logger.child({ component: 'invoices' }),
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
        audit: new LoggedAuditLog(logger.child({ component: 'audit' })),
        metricsPublic: config.metricsPublic,
      });
      apiUrl = await api.start();
      stoppers.push(() => api.stop());
    }

    let runner: SimulationRunner | undefined;
    if (roles.simulate) {
      const publisher = await MqttPublisher.connect(
        mqtt,
        `greenops-sim-${process.pid}`,
        logger.child({ component: 'edge' }),
      );
      stoppers.push(() => publisher.close());
      const settings = simulation ?? { startMs: Date.now() - 3_600_000, seed: 1 };
      runner = new SimulationRunner({
        simulators: createSimulators('all', {
          devices: config.simulateDevices,
          seed: settings.seed,
          startMs: settings.startMs,
        }),
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
