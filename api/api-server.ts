import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import {
  GreenopsError,
  processMetrics,
  renderPrometheus,
  systemClock,
  type Clock,
  type DecodeLimits,
  type Logger,
  type Metric,
} from '../core/index.js';
import type { Replay } from '../ingest/index.js';
import type { DeadLetterStore, TimeSeriesStore } from '../store/index.js';
import type { ApiKeyStore, AuditLog, DeviceCredentialStore, OidcVerifier } from '../access/index.js';
import { auditRoutes } from './routes/audit.js';
import { deviceRoutes } from './routes/devices.js';
import { corsPolicy, securityHeaders } from './http-hardening.js';
import { perCredentialRateLimit } from './rate-limit.js';
import { authenticate } from './auth/authenticate.js';
import { GuardedRouter } from './auth/guarded-router.js';
import { principalOf } from './auth/request-context.js';
import { keyRoutes } from './routes/keys.js';
import { errorMiddleware, notFoundHandler } from './error-middleware.js';
import { openApiDocument } from './openapi.js';
import { energyRoutes } from './routes/energy.js';
import {
  DEFAULT_TRAFFIC_SETTINGS,
  DEFAULT_FLEET_DEFAULTS,
  DEFAULT_FLEET_SETTINGS,
  FleetService,
  AnalysisWorkers,
  DEFAULT_WASTE_SETTINGS,
  TrafficService,
  type EnergyRetrainer,
  type WeatherForecastProvider,
  type FileModelRegistry,
  type FootprintLog,
  type OversightLog,
  type TrafficSettings,
  type FleetDefaults,
  type FleetSettings,
  type OpenDataOptions,
  type TransparencyService,
  type InvoiceAccounts,
  type WasteSettings,
  type DefectTracker,
  type RoadDefects,
} from '../models/index.js';
import { roadRoutes } from './routes/road.js';
import { consoleRoutes, type ConsoleOidc } from './routes/console.js';
import { invoiceRoutes } from './routes/invoices.js';
import { trafficRoutes } from './routes/traffic.js';
import { fleetRoutes } from './routes/fleet.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { healthRoutes, type HealthCheck } from './routes/health.js';
import { streamRoutes } from './routes/streams.js';
import { modelRoutes } from './routes/models.js';
import { transparencyPageRoutes } from './routes/transparency-page.js';
import { aiOutputLabels } from './ai-labels.js';

export interface ApiOptions {
  store: TimeSeriesStore;
  deadLetters: DeadLetterStore;
  logger: Logger;
  clock?: Clock;
  /** Tenant served when a request names none. */
  defaultTenant: string;
  /** Readiness checks reported by /health, e.g. broker and store. */
  health?: Record<string, HealthCheck>;
  /** Metrics of the runnables in this process, served at /metrics with the process metrics. */
  metrics?: () => Metric[];
  /** The ingest's write path, for dead-letter replay. */
  replay?: Replay;
  /** The ingest's decoding limits, so replay judges validity as the ingest will. */
  decodeLimits?: DecodeLimits;
  /** Trained energy models; without it the energy model routes answer 404. */
  energyModels?: FileModelRegistry;
  /** The energy training queue (scheduled and asked-for trainings); without it POST /energy/model/train is 404. */
  energyTraining?: EnergyRetrainer;
  /** Tomorrow's temperatures for energy forecasts (GREENOPS_WEATHER_FORECAST_URL); without one, last week's. */
  weatherForecast?: WeatherForecastProvider | undefined;
  /** Price and emission factor for costing energy waste. */
  wasteSettings?: WasteSettings;
  /** Invoice CO2 accounts; without them the invoice routes answer 404. */
  invoiceAccounts?: InvoiceAccounts;
  /** API keys: verifies `Bearer gok_…` credentials and backs /api/v1/keys. */
  keys: ApiKeyStore;
  /** OIDC bearer tokens of the municipality's IdP; without it only API keys are accepted. */
  oidc?: OidcVerifier | undefined;
  /** Where write actions (keys, replay) are recorded. */
  audit: AuditLog;
  /** Serve /metrics without a credential (GREENOPS_METRICS_PUBLIC=true). */
  metricsPublic?: boolean;
  /** Device credentials behind /api/v1/devices; without them those routes answer 404. */
  devices?: DeviceCredentialStore | undefined;
  /** Requests per credential per minute (429 beyond); 0 or unset: no limit. */
  rateLimitPerMinute?: number;
  /** Origins allowed by CORS (comma-separated); unset: CORS off. */
  corsOrigins?: string | undefined;
  /** Longest a series query may run (413 beyond it). */
  queryTimeoutMs?: number;
  /** Traffic counters' zones, speed limits and uptime threshold. */
  trafficSettings?: TrafficSettings;
  /**
   * Worker threads for heavy computations (energy waste and savings); shared with the invoice accounts in the
   * composition root. Without it the API starts its own and stops it with the server.
   */
  analysis?: AnalysisWorkers;
  /** The traffic open-data export's suppression threshold, attribution and counter positions. */
  trafficOpenData?: Omit<OpenDataOptions, 'generated'>;
  /** Fleet thresholds and sites, the fleet defaults (TCO, EV models) and the longest window of a fleet route. */
  fleet?: { settings?: FleetSettings; defaults?: FleetDefaults; maxDays?: number; service?: FleetService };
  /** Model cards, the citizen page and register exports; without it those routes answer 404 (the page lists none). */
  transparency?: TransparencyService;
  /** Human decisions on model outputs. */
  oversight?: OversightLog;
  /** Where the inference footprint of model routes is recorded. */
  footprint?: FootprintLog;
  /** Road defects and their review; without them the road routes answer 404. */
  roadDefects?: RoadDefects;
  /** The clustering in this process, told of review decisions at once. */
  roadTracker?: DefectTracker;
  /** Map tiles behind the console's map; undefined: none. */
  consoleTileUrl?: string | undefined;
  /** Where road frames are served: a sighting's image reference appended to it is its link; undefined: none. */
  roadFramesUrl?: string | undefined;
  /** The console's OIDC login (issuer, public client id, scopes); undefined: API keys only in the console. */
  consoleOidc?: ConsoleOidc | undefined;
}

export function createApp(options: ApiOptions & { analysis: AnalysisWorkers }): Express {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const requestId = req.header('x-request-id') ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug(
        { requestId, method: req.method, url: req.originalUrl, status: res.statusCode, ms },
        'request',
      );
    });
    next();
  });
  app.use(securityHeaders());
  const cors = corsPolicy(options.corsOrigins);
  if (cors) app.use(cors);
  app.use(authenticate({ keys: options.keys, oidc: options.oidc, logger }));
  app.use(perCredentialRateLimit({ perMinute: options.rateLimitPerMinute ?? 0 }));
  app.use(
    aiOutputLabels({
      transparency: options.transparency,
      footprint: options.footprint,
      defaultTenant: options.defaultTenant,
      logger,
    }),
  );
  app.use(
    transparencyPageRoutes({
      transparency: options.transparency,
      defaultTenant: options.defaultTenant,
      now: () => clock.now(),
    }),
  );
  app.use(consoleRoutes({ tileUrl: options.consoleTileUrl, oidc: options.consoleOidc }).router);
  app.use(healthRoutes(options.health ?? { store: () => options.store.ping() }).router);
  const root = new GuardedRouter('', { publicRoutes: options.metricsPublic ? ['GET /metrics'] : [] });
  root.get('/metrics', (_req, res) => {
    res
      .type('text/plain; version=0.0.4')
      .send(renderPrometheus([...processMetrics(), ...(options.metrics?.() ?? [])]));
  });
  app.use(root.router);
  // Invoice batches may be large; everything else stays small. The second parser skips a body already read.
  app.use('/api/v1/invoices', express.json({ limit: '20mb' }));
  app.use(express.json({ limit: '1mb' }));
  // A body that is not JSON would reach the routes as no body at all and be refused for a missing field; say why.
  app.use((req, _res, next) => {
    const hasBody =
      Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && req.body === undefined && !req.path.startsWith('/api/v1/invoices'))
      return next(
        new GreenopsError('BAD_REQUEST', 'body: must be JSON, sent with Content-Type: application/json', {
          status: 415,
          field: 'body',
        }),
      );
    next();
  });
  const openApi = openApiDocument({ oidc: options.oidc !== undefined });
  const meta = new GuardedRouter('/api/v1');
  meta.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  meta.get('/whoami', (req, res) => {
    const { kind, id, name, tenant, roles } = principalOf(req);
    res.json({ kind, id, name: name ?? null, tenant: tenant ?? null, roles });
  });
  const v1 = express.Router();
  v1.use(meta.router);
  v1.use(keyRoutes({ keys: options.keys, audit: options.audit, clock }).router);
  v1.use(
    streamRoutes({
      store: options.store,
      clock,
      defaultTenant: options.defaultTenant,
      ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
    }).router,
  );
  v1.use(
    energyRoutes({
      store: options.store,
      registry: options.energyModels,
      clock,
      defaultTenant: options.defaultTenant,
      waste: options.wasteSettings ?? DEFAULT_WASTE_SETTINGS,
      analysis: options.analysis,
      training: options.energyTraining,
      weather: options.weatherForecast,
      audit: options.audit,
      logger,
    }).router,
  );
  v1.use(
    trafficRoutes({
      traffic: new TrafficService({
        store: options.store,
        settings: options.trafficSettings ?? DEFAULT_TRAFFIC_SETTINGS,
        now: () => clock.now(),
        ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
      }),
      clock,
      defaultTenant: options.defaultTenant,
      ...(options.trafficOpenData ? { openData: options.trafficOpenData } : {}),
    }).router,
  );
  v1.use(
    fleetRoutes({
      fleet:
        options.fleet?.service ??
        new FleetService({
          store: options.store,
          settings: options.fleet?.settings ?? DEFAULT_FLEET_SETTINGS,
          defaults: options.fleet?.defaults ?? DEFAULT_FLEET_DEFAULTS,
          now: () => clock.now(),
          analysis: options.analysis,
          ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
        }),
      clock,
      defaultTenant: options.defaultTenant,
      maxDays: options.fleet?.maxDays ?? 92,
    }).router,
  );
  v1.use(
    invoiceRoutes({
      accounts: options.invoiceAccounts,
      defaultTenant: options.defaultTenant,
      audit: options.audit,
    }).router,
  );
  v1.use(
    deadLetterRoutes({
      deadLetters: options.deadLetters,
      replay: options.replay,
      decodeLimits: options.decodeLimits,
      audit: options.audit,
    }).router,
  );
  if (options.devices)
    v1.use(
      deviceRoutes({ devices: options.devices, audit: options.audit, defaultTenant: options.defaultTenant }),
    );
  v1.use(auditRoutes({ audit: options.audit, clock, defaultTenant: options.defaultTenant }));
  v1.use(
    modelRoutes({
      transparency: options.transparency,
      oversight: options.oversight,
      audit: options.audit,
      defaultTenant: options.defaultTenant,
      now: () => clock.now(),
    }),
  );
  v1.use(
    roadRoutes({
      defects: options.roadDefects,
      tracker: options.roadTracker,
      framesUrl: options.roadFramesUrl,
      oversight: options.oversight,
      audit: options.audit,
      clock,
      defaultTenant: options.defaultTenant,
    }).router,
  );
  app.use('/api/v1', v1);
  app.use(notFoundHandler);
  app.use(errorMiddleware(logger));
  return app;
}

/** The API as a runnable: start() listens (port 0 picks a free one) and returns the base URL. */
export class ApiServer {
  private server: Server | undefined;
  /** The workers this server started itself (none given), stopped with it. */
  private ownAnalysis: AnalysisWorkers | undefined;

  constructor(private readonly options: ApiOptions & { host?: string; port?: number }) {}

  async start(): Promise<string> {
    const analysis = this.options.analysis ?? (this.ownAnalysis = new AnalysisWorkers());
    const app = createApp({ ...this.options, analysis });
    const { host = '127.0.0.1', port = 8080 } = this.options;
    this.server = await new Promise<Server>((resolve, reject) => {
      const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
    });
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('API not started');
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await this.ownAnalysis?.stop();
    this.ownAnalysis = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
