import {
  DEFAULT_DECODE_LIMITS,
  counter,
  errorMessage,
  retentionRules,
  redactConfig,
  type Config,
  type Logger,
} from '../core/index.js';
import { EmbeddedBroker, PACKET_HEADROOM_BYTES } from '../broker/index.js';
import type { RecordStore } from '../store/index.js';
import {
  ApiKeyStore,
  DeviceCredentialStore,
  OidcVerifier,
  RecordAuditLog,
  MqttAccess,
} from '../access/index.js';
import { DEFAULT_INGEST_OPTIONS, IngestService } from '../ingest/index.js';
import {
  MqttPublisher,
  PerDevicePublisher,
  SimulationRunner,
  createSimulators,
  type Publisher,
} from '../edge/index.js';
import { co2Paths, mqttSettings, openRecords, openStores, type Stores } from './runtime.js';
import { simulatorLogins } from './simulator-credentials.js';
import { diskReadiness, ingestReadiness } from './readiness.js';
import { bootstrapAdminKey, type BootstrapKey } from './bootstrap-admin-key.js';
import {
  ClassifierStore,
  DEFAULT_POWER_MODEL,
  DEFAULT_TRAFFIC_SETTINGS,
  EnergyRetrainer,
  setEnergyHolidayCalendar,
  weatherForecastFrom,
  FileModelRegistry,
  FootprintLog,
  InvoiceAccounts,
  AnalysisWorkers,
  TrafficResultsJob,
  CounterExposure,
  DefectTracker,
  RoadDefects,
  RoadResultsJob,
  roadIngestHooks,
  TrafficService,
  DEFAULT_FLEET_DEFAULTS,
  DEFAULT_FLEET_SETTINGS,
  FleetResultsJob,
  FleetService,
  readFleetDefaults,
  readVehicleRegister,
  OversightLog,
  RetentionJob,
  TransparencyService,
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

    // The ingest comes first: with the embedded broker it takes messages in process, and the broker acknowledges
    // a message only once the ingest has written it. On an external broker it subscribes as MQTT_USERNAME.
    const ingestLogger = logger.child({ component: 'ingest' });
    const ingestSettings = {
      store: stores.store,
      deadLetters: stores.deadLetters,
      logger: ingestLogger,
      limits: { maxBytes: config.maxPayloadBytes },
      spillDir: config.dataDir,
      batchSize: config.ingestBatchSize,
      flushMs: config.ingestFlushMs ?? (config.mqttUrl === undefined ? 5 : DEFAULT_INGEST_OPTIONS.flushMs),
    };
    // Road detections become defects in the records store as they arrive (the ingest acknowledges a detection
    // once its defect is written). One process clusters: the one that ingests with the records store at hand.
    let tracker: DefectTracker | undefined;
    const exposure = new CounterExposure({
      locations: config.trafficCounterLocations,
      maxDistanceM: 500,
      defaultAadt: config.roadDefaultAadt,
    });
    if (roles.ingest && records) {
      tracker = new DefectTracker({
        records,
        exposure,
        logger: logger.child({ component: 'road' }),
        settings: { radiusM: config.roadClusterRadiusM },
      });
      await tracker.start();
      const started = tracker;
      stoppers.push(() => started.stop());
      // Exposure from the traffic module: the ÅDT of each located counter (this year's, else last year's), hourly.
      const counterTraffic = new TrafficService({
        store: stores.store,
        settings: { ...DEFAULT_TRAFFIC_SETTINGS, timeZone: config.trafficTimeZone },
        queryTimeoutMs: config.queryTimeoutMs,
      });
      const roadLogger = logger.child({ component: 'road' });
      const refreshExposure = () =>
        exposure
          .refresh(config.tenant, async (counter) => {
            const year = new Date().getUTCFullYear();
            const report =
              (await counterTraffic.aadt(config.tenant, counter, year)) ??
              (await counterTraffic.aadt(config.tenant, counter, year - 1));
            return report?.aadt.value;
          })
          .catch((err: unknown) => roadLogger.warn({ err }, 'road: reading counter ÅDT failed'));
      if (exposure.counters.length > 0) {
        const first = setTimeout(() => void refreshExposure(), 10_000);
        const hourly = setInterval(() => void refreshExposure(), 3_600_000);
        first.unref();
        hourly.unref();
        stoppers.push(async () => {
          clearTimeout(first);
          clearInterval(hourly);
        });
      }
    }
    let ingest: IngestService | undefined;
    if (roles.ingest) {
      ingest = new IngestService({
        ...ingestSettings,
        ...(tracker ? { hooks: roadIngestHooks(tracker) } : {}),
        mqtt: config.mqttUrl === undefined ? undefined : mqttSettings(config, config.mqttUrl),
        clientId: config.ingestClientId,
        subscription: config.ingestSubscription,
        maxUnacked: config.ingestMaxUnacked,
        readCoalesceMs: config.ingestReadCoalesceMs,
      });
      const started = ingest;
      stoppers.push(() => started.stop());
    }

    let brokerUrl = config.mqttUrl;
    // The embedded broker checks device credentials in the records store.
    let devices: DeviceCredentialStore | undefined;
    let embedded: EmbeddedBroker | undefined;
    if (embeddedBroker) {
      devices = new DeviceCredentialStore(records as RecordStore);
      const inProcess = ingest;
      const broker = new EmbeddedBroker({
        host: config.host,
        port: config.brokerPort,
        logger: logger.child({ component: 'broker' }),
        access: new MqttAccess({ devices, services: [], allowAnonymous: config.mqttAllowAnonymous }),
        maxPacketBytes: config.maxPayloadBytes + PACKET_HEADROOM_BYTES,
        ...(inProcess
          ? {
              deliver: (topic: string, payload: Buffer) => inProcess.submit(topic, payload),
              backlogged: () => inProcess.backlogged,
            }
          : {}),
      });
      brokerUrl = await broker.start();
      embedded = broker;
      stoppers.push(() => broker.stop());
    }
    await ingest?.start();

    // AI's own footprint: trainings announced by model workers and inference served by the API, at the factor
    // table's Danish grid factor, recorded in the records store (shared with the API of another process).
    const table = loadFactorTable(config.co2FactorsPath);
    const electricity = table.activity.electricity;
    const grid = {
      kgPerKwh: electricity?.perKwh ?? config.gridCo2KgPerKwh,
      source: electricity
        ? `factor table ${table.version}: electricity ${electricity.perKwh} kg CO2e/kWh (${electricity.status}, ${electricity.year})`
        : 'GREENOPS_GRID_CO2_KG_PER_KWH',
    };
    const footprint = records
      ? new FootprintLog({
          records,
          power: { ...DEFAULT_POWER_MODEL, cpuTdpWatts: config.cpuTdpWatts },
          gridKgPerKwh: grid.kgPerKwh,
          logger: logger.child({ component: 'footprint' }),
        })
      : undefined;
    if (footprint) {
      footprint.start();
      stoppers.push(() => footprint.stop());
    }
    const retentionRulesInForce = retentionRules(config.retention);
    let retention: RetentionJob | undefined;
    if (roles.ingest && config.retentionRunHours > 0) {
      const job = new RetentionJob({
        personal: stores.personal,
        deadLetters: stores.deadLetters,
        rules: retentionRulesInForce,
        everyHours: config.retentionRunHours,
        logger: logger.child({ component: 'retention' }),
      });
      job.start();
      stoppers.push(() => job.stop());
      retention = job;
    }

    setEnergyHolidayCalendar(config.energyHolidayCalendar);
    const energyModels = new FileModelRegistry(join(config.dataDir, 'models', 'energy'));
    // One training queue for the schedule and the API (POST /api/v1/energy/model/train): one training at a time.
    const weatherForecast = weatherForecastFrom(
      config.weatherForecastUrl,
      logger.child({ component: 'energy' }),
    );
    const energyTraining = new EnergyRetrainer({
      weather: weatherForecast,
      waste: { priceDkkPerKwh: config.energyPriceDkkPerKwh, co2KgPerKwh: config.gridCo2KgPerKwh },
      store: stores.store,
      registry: energyModels,
      everyHours: config.energyRetrainHours,
      retrainEveryHours: config.energyRetrainHours || 168,
      logger: logger.child({ component: 'energy' }),
    });
    stoppers.push(() => energyTraining.stop());
    if (roles.ingest && config.energyRetrainHours > 0) energyTraining.start();

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
      const healthLogger = logger.child({ component: 'health' });
      const ingestReady = ingest && ingestReadiness(ingest, config.ingestStallSeconds * 1000, healthLogger);
      const diskReady = diskReadiness(config.dataDir, config.minFreeDiskMb * 1e6, healthLogger);
      // Dead-letter replay goes through the ingest's validation and write path, in this process: the running
      // ingest's, or one of its own for `greenops api` alone. No broker and no MQTT rights are involved.
      let replayWriter = ingest;
      if (!replayWriter) {
        const writer = new IngestService({
          ...ingestSettings,
          logger: logger.child({ component: 'replay' }),
        });
        stoppers.push(() => writer.stop());
        replayWriter = writer;
      }
      const replayThrough = replayWriter;
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
      const trafficSettings = {
        ...DEFAULT_TRAFFIC_SETTINGS,
        timeZone: config.trafficTimeZone,
        timeZones: config.trafficCounterZones,
        speedLimitsKmh: config.trafficSpeedLimits,
      };
      // Daily and yearly traffic results for the dashboards, and counter health for /metrics: in the API's
      // process, which serves those metrics (replicas each write the same points, which is harmless).
      const trafficJob = new TrafficResultsJob({
        traffic: new TrafficService({
          store: stores.store,
          settings: trafficSettings,
          queryTimeoutMs: config.queryTimeoutMs,
        }),
        everyMinutes: config.trafficResultsMinutes,
        logger: logger.child({ component: 'traffic' }),
      });
      trafficJob.start();
      stoppers.push(() => trafficJob.stop());
      const fleetDefaults = config.fleetDefaultsPath
        ? readFleetDefaults(config.fleetDefaultsPath)
        : DEFAULT_FLEET_DEFAULTS;
      // An unreadable register or a bad header stops the start; a bad line is logged and left out.
      const fleetRegister = config.fleetVehiclesPath
        ? readVehicleRegister(config.fleetVehiclesPath, fleetDefaults, (line, reason) =>
            logger.warn(
              { file: config.fleetVehiclesPath, line },
              `${config.fleetVehiclesPath}:${line}: ${reason} (line left out)`,
            ),
          )
        : undefined;
      const fleet = new FleetService({
        store: stores.store,
        settings: {
          ...DEFAULT_FLEET_SETTINGS,
          sites: Object.entries(config.fleetSites).map(([id, p]) => ({ id, ...p, radiusM: 300 })),
        },
        defaults: fleetDefaults,
        ...(fleetRegister ? { register: fleetRegister } : {}),
        queryTimeoutMs: config.queryTimeoutMs,
        analysis,
      });
      // Trips, vehicle-days and EV verdicts for the fleet dashboard; trip summaries outlive the raw positions.
      const fleetJob = new FleetResultsJob({
        fleet,
        tenant: config.tenant,
        everyMinutes: config.fleetResultsMinutes,
        windowDays: config.fleetWindowDays,
        logger: logger.child({ component: 'fleet' }),
      });
      fleetJob.start();
      stoppers.push(() => fleetJob.stop());
      const oversight = new OversightLog(records);
      const roadDefects = new RoadDefects(records);
      const roadJob = new RoadResultsJob({
        records,
        defects: roadDefects,
        store: stores.store,
        tenant: config.tenant,
        everyMinutes: config.trafficResultsMinutes > 0 ? 15 : 0,
        logger: logger.child({ component: 'road' }),
      });
      roadJob.start();
      stoppers.push(() => roadJob.stop());
      const transparency = new TransparencyService({
        energyModels,
        invoices: invoiceAccounts,
        store: stores.store,
        oversight,
        footprint,
        grid,
        organisation: config.organisation,
        organisationTenant: config.tenant,
        contact: config.transparencyContact,
        department: config.department,
        publicUrl: config.publicUrl,
        personal: stores.personal,
        retention: retentionRulesInForce,
        roadPrecision: (tenant) => roadDefects.precision(tenant),
      });
      const unset = [
        ...(config.organisation === undefined ? ['GREENOPS_ORGANISATION'] : []),
        ...(config.department === undefined ? ['GREENOPS_DEPARTMENT'] : []),
        ...(config.transparencyContact === undefined ? ['GREENOPS_TRANSPARENCY_CONTACT'] : []),
        ...(config.publicUrl === undefined ? ['GREENOPS_PUBLIC_URL'] : []),
      ];
      if (unset.length > 0)
        logger.warn(
          { unset },
          `transparency: set ${unset.join(', ')} before publishing /transparency or a register export (README: Transparency and data protection)`,
        );
      // The API (express and its middleware, the OpenAPI documents, every route) is imported only by a process that
      // serves it: the ingest role alone never does, and paid ~10 MB and ~0.1 s at start-up for it.
      const { ApiServer } = await import('../api/index.js');
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
          ...(ingestReady ? { ingest: () => ingestReady.check() } : {}),
          disk: () => diskReady.check(),
        },
        metrics: () => [
          ...(ingestRef?.metrics() ?? []),
          ...(ingestReady?.metrics() ?? []),
          ...diskReady.metrics(),
          ...trafficJob.metrics(),
          ...fleetJob.metrics(),
          ...(footprint?.metrics() ?? []),
          ...(retention?.metrics() ?? []),
          ...(embedded
            ? [
                counter(
                  'greenops_broker_oversize_refused_total',
                  'Connections the embedded broker closed for a packet above GREENOPS_MAX_PAYLOAD_BYTES + 70 KiB.',
                  embedded.oversizeRefused,
                ),
              ]
            : []),
        ],
        replay: (topic, payload) => replayThrough.submit(topic, payload),
        decodeLimits: { ...DEFAULT_DECODE_LIMITS, maxBytes: config.maxPayloadBytes },
        energyModels,
        energyTraining,
        weatherForecast,
        wasteSettings: { priceDkkPerKwh: config.energyPriceDkkPerKwh, co2KgPerKwh: config.gridCo2KgPerKwh },
        trafficSettings,
        fleet: { service: fleet, maxDays: config.fleetWindowDays },
        trafficOpenData: {
          minCount: config.trafficOpenDataMinCount,
          attribution: config.trafficOpenDataAttribution,
          locations: config.trafficCounterLocations,
        },
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
        transparency,
        oversight,
        ...(footprint ? { footprint } : {}),
        roadDefects,
        ...(tracker ? { roadTracker: tracker } : {}),
        consoleTileUrl: config.consoleTileUrl,
        roadFramesUrl: config.roadFramesUrl,
        consoleOidc:
          config.oidcIssuer !== undefined && config.oidcClientId !== undefined
            ? { issuer: config.oidcIssuer, clientId: config.oidcClientId, scopes: config.oidcScopes }
            : undefined,
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
          settings: { url: brokerUrl as string },
          loginFor: (topic) => logins.get(topic),
          clientIdPrefix: `greenops-sim-${process.pid}`,
          logger: edgeLogger,
        });
      } else {
        publisher = await MqttPublisher.connect(
          mqttSettings(config, brokerUrl as string),
          `greenops-sim-${process.pid}`,
          edgeLogger,
        );
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
