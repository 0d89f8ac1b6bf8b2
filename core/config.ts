import { GreenopsError } from './errors.js';
import { HOLIDAY_CALENDARS, type HolidayCalendar } from './holiday-calendar.js';
import { isTenant } from './topic.js';
import { DEFAULT_RETENTION, isRetentionKey, type RetentionKey } from './retention.js';
import { contactAddress } from './contact-address.js';

/**
 * The one configuration schema. Sources, lowest precedence first: defaults, a JSON config file (camelCase
 * keys), environment variables, command-line flags. Every value is validated at start-up and every bad key is
 * reported by name in one error, so a deployment fails fast instead of half-starting.
 */
export interface Config {
  store: 'duckdb' | 'influx';
  dataDir: string;
  /** DuckDB database file; defaults to `{dataDir}/greenops.duckdb`. */
  duckdbPath: string | undefined;
  /** External broker URL (mqtt://, mqtts://, ws://); unset means the embedded broker. */
  mqttUrl: string | undefined;
  mqttUsername: string | undefined;
  mqttPassword: string | undefined;
  /** Dead-letter replay's own identity on an external broker (never the ingest's read-only user). */
  mqttCaFile: string | undefined;
  mqttCertFile: string | undefined;
  mqttKeyFile: string | undefined;
  /** Port of the embedded broker. */
  brokerPort: number;
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  tenant: string;
  simulate: boolean;
  simulateDevices: number;
  simulateRate: number;
  ingestClientId: string;
  ingestSubscription: string;
  ingestMaxUnacked: number;
  ingestReadCoalesceMs: number;
  ingestBatchSize: number;
  /** Unset: 50 ms on an external broker, 5 ms with the embedded one (its publishers wait for the write). */
  ingestFlushMs: number | undefined;
  maxPayloadBytes: number;
  energyRetrainHours: number;
  /** Holidays the energy models treat as closed days: the buildings' country. */
  energyHolidayCalendar: HolidayCalendar;
  /** file: or http(s): URL of hourly temperature forecasts for the energy forecasts. */
  weatherForecastUrl: string | undefined;
  energyPriceDkkPerKwh: number;
  gridCo2KgPerKwh: number;
  /** IANA zone of traffic counters' local days (ÅDT, profiles). */
  trafficTimeZone: string;
  /** Counters in another zone than trafficTimeZone, by counter id. */
  trafficCounterZones: Record<string, string>;
  /** Speed limits (km/h) by counter id, for the compliance figures. */
  trafficSpeedLimits: Record<string, number>;
  /** Counter positions (WGS 84) by counter id, for the open-data GeoJSON. */
  trafficCounterLocations: Record<string, { lat: number; lon: number }>;
  /** Minutes between writing traffic results (daily, yearly) and judging counter health; 0: never. */
  trafficResultsMinutes: number;
  /** Depots of the fleet by id; empty: learned from where vehicles park overnight. */
  fleetSites: Record<string, { lat: number; lon: number }>;
  /** Fleet defaults (TCO, prices, EV models, derating); unset: the shipped file. */
  fleetDefaultsPath: string | undefined;
  /** Vehicle register CSV (vehicle_id, class, fuel, price, EV model); unset: every vehicle of the default class. */
  fleetVehiclesPath: string | undefined;
  /** Minutes between writing fleet results (trips, vehicle-days, EV verdicts) to the store; 0: never. */
  fleetResultsMinutes: number;
  /** Days of raw fleet data each fleet results run (and a fleet route at most) analyses. */
  fleetWindowDays: number;
  /** Open-data figures under this many a day are suppressed. */
  trafficOpenDataMinCount: number;
  /** Attribution (publisher) stated with the CC BY 4.0 open-data export. */
  trafficOpenDataAttribution: string;
  /** Factor table for invoice CO2e (JSON); the shipped table when unset. */
  co2FactorsPath: string | undefined;
  /** Epochs of the invoice classifier's training (fewer: faster, less accurate). */
  co2TrainEpochs: number;
  influxUrl: string | undefined;
  influxApi: 'auto' | 'v1' | 'v2';
  influxToken: string | undefined;
  influxOrg: string | undefined;
  influxBucket: string | undefined;
  influxDatabase: string | undefined;
  influxRetentionPolicy: string | undefined;
  influxUsername: string | undefined;
  influxPassword: string | undefined;
  /** PostgreSQL for records (keys, devices, audit, invoice ledger); unset: embedded PGlite in {dataDir}/records. */
  databaseUrl: string | undefined;
  /** OpenID Connect issuer whose tokens the API accepts (JWKS from its discovery document); unset: API keys only. */
  oidcIssuer: string | undefined;
  oidcAudience: string | undefined;
  /** JWKS URL; default: `jwks_uri` of the issuer's /.well-known/openid-configuration. */
  oidcJwksUrl: string | undefined;
  oidcTenantClaim: string;
  oidcRolesClaim: string;
  oidcClockSkewSeconds: number;
  /** The web console's public client id at the issuer (authorization code + PKCE); unset: no OIDC login button. */
  oidcClientId: string | undefined;
  /** Scopes the console asks for (space-separated, with `openid`). */
  oidcScopes: string;
  metricsPublic: boolean;
  mqttAllowAnonymous: boolean;
  /** Requests per credential (per client address when anonymous) per minute; 0: no limit. */
  rateLimitPerMinute: number;
  /** Origins allowed by CORS (comma-separated); unset: CORS off. */
  corsOrigins: string | undefined;
  /** Longest a series query may run before it is refused with 413. */
  queryTimeoutMs: number;
  ingestStallSeconds: number;
  minFreeDiskMb: number;
  /** Detections of one class within this many metres are one road defect. */
  roadClusterRadiusM: number;
  /** ÅDT assumed for a defect's road when no traffic counter is near (the road class). */
  roadDefaultAadt: number;
  /** Map tiles of the web console ({z}/{x}/{y}); empty: no tiles. */
  consoleTileUrl: string | undefined;
  roadFramesUrl: string | undefined;
  /** Retention days per stream or identifying field, over the defaults of core/retention.ts. */
  retention: Partial<Record<RetentionKey, number>>;
  /** Hours between retention runs (the first a minute after start); 0: never. */
  retentionRunHours: number;
  /** The municipality named on the transparency page and in register exports. */
  organisation: string | undefined;
  /** The municipal department responsible for the models (NL register `department`, ATRS `team`). */
  department: string | undefined;
  /** Where citizens ask or complain about greenops' models: an e-mail address or an http(s) URL. */
  transparencyContact: string | undefined;
  /** The public address greenops is reached at (absolute links in register exports); no trailing slash. */
  publicUrl: string | undefined;
  /** CPU power (W) of the whole processor, for the AI footprint when RAPL is not readable (CodeCarbon's default). */
  cpuTdpWatts: number;
}

type Parser<T> = (raw: string) => T;
interface KeySpec<K extends keyof Config> {
  env: string;
  parse: Parser<Config[K]>;
  default: Config[K];
  secret?: boolean;
  description: string;
}

class BadValue extends Error {}

const str: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new BadValue('must not be empty');
  return raw;
};
const optStr: Parser<string | undefined> = (raw) => (raw === '' ? undefined : raw);
/** A name people read (an organisation, a department): blank is unset, never published as " "; at most 200 characters. */
const optName: Parser<string | undefined> = (raw) => {
  const text = raw.trim();
  if (text === '') return undefined;
  if (text.length > 200) throw new BadValue('must be at most 200 characters');
  return text;
};
const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || n < min || n > max)
      throw new BadValue(`must be an integer from ${min} to ${max}`);
    return n;
  };
const num =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new BadValue(`must be a number from ${min} to ${max}`);
    return n;
  };
const bool: Parser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new BadValue('must be true or false');
};
const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    if (!(values as string[]).includes(raw)) throw new BadValue(`must be one of ${values.join(', ')}`);
    return raw as T;
  };
const url =
  (...protocols: string[]): Parser<string | undefined> =>
  (raw) => {
    if (raw === '') return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new BadValue('must be a URL');
    }
    if (!protocols.includes(parsed.protocol)) throw new BadValue(`must use ${protocols.join(' or ')}`);
    return raw;
  };
/** An e-mail address or a web page, never a description a register could not use as an address. */
const contact: Parser<string | undefined> = (raw) => {
  if (raw.trim() === '') return undefined;
  const address = contactAddress(raw);
  if (address === undefined)
    throw new BadValue(
      'must be an e-mail address (dpo@kommune.dk) or an http(s) URL of a contact page, not a description',
    );
  return address;
};
/** An absolute http(s) base URL without query or fragment; the trailing slash is dropped. */
const baseUrl: Parser<string | undefined> = (raw) => {
  if (raw.trim() === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new BadValue('must be an absolute URL such as https://greenops.aarhus.dk');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new BadValue('must use https: or http:');
  if (parsed.search || parsed.hash || parsed.username || parsed.password)
    throw new BadValue('must be a base URL without query, fragment or credentials');
  return parsed.href.replace(/\/+$/, '');
};
const timeZone: Parser<string> = (raw) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new BadValue('must be an IANA time zone such as Europe/Copenhagen');
  }
  return raw;
};
/** `lat:lon` in decimal degrees (WGS 84). */
const latLon: Parser<{ lat: number; lon: number }> = (raw) => {
  const m = /^(-?\d{1,2}(?:\.\d+)?):(-?\d{1,3}(?:\.\d+)?)$/.exec(raw.trim());
  const lat = Number(m?.[1]);
  const lon = Number(m?.[2]);
  if (!m || Math.abs(lat) > 90 || Math.abs(lon) > 180)
    throw new BadValue(`"${raw}" is not lat:lon in decimal degrees such as 56.1567:10.2108`);
  return { lat, lon };
};
/** `a=x,b=y` pairs, each value read by `value`. */
const pairs =
  <T>(value: Parser<T>): Parser<Record<string, T>> =>
  (raw) => {
    const out: Record<string, T> = {};
    for (const item of raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const at = item.indexOf('=');
      if (at <= 0) throw new BadValue(`"${item}" is not counter=value`);
      out[item.slice(0, at)] = value(item.slice(at + 1));
    }
    return out;
  };
const retentionDays = int(1, 36_525);
/**
 * `key=days` pairs over the defaults. A key twice is refused (which one wins would be a guess), and so is a field
 * kept longer than its stream (`fleet.driver` past `fleet`): the field lives in the stream's records, which the
 * stream's period deletes, so the longer period would be a promise greenops does not keep. A field left at its
 * default follows a stream shortened below it.
 */
const retention: Parser<Partial<Record<RetentionKey, number>>> = (raw) => {
  const out: Partial<Record<RetentionKey, number>> = {};
  for (const item of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = item.indexOf('=');
    if (at <= 0) throw new BadValue(`"${item}" is not key=days (expected key=days, e.g. fleet=60)`);
    const key = item.slice(0, at).trim();
    if (!isRetentionKey(key))
      throw new BadValue(`"${key}" is not one of ${Object.keys(DEFAULT_RETENTION).join(', ')}`);
    if (out[key] !== undefined) throw new BadValue(`"${key}" is given twice; give each key once`);
    out[key] = retentionDays(item.slice(at + 1).trim());
  }
  for (const key of Object.keys(DEFAULT_RETENTION) as RetentionKey[]) {
    const dot = key.indexOf('.');
    if (dot < 0) continue;
    const stream = key.slice(0, dot);
    if (!isRetentionKey(stream)) continue;
    const whole = out[stream] ?? DEFAULT_RETENTION[stream].days;
    const field = out[key];
    // A default field period past a shortened stream follows the stream (that is when it is deleted).
    if (field === undefined) {
      if (DEFAULT_RETENTION[key].days > whole) out[key] = whole;
    } else if (field > whole)
      throw new BadValue(
        `${key}=${field} is longer than ${stream}=${whole}: the ${stream} records holding it are deleted after ${whole} days; set ${key} to at most ${whole} (or ${stream} longer)`,
      );
  }
  return out;
};
const tenant: Parser<string> = (raw) => {
  if (!isTenant(raw)) throw new BadValue('must be lower case letters, digits, - or _ (at most 63)');
  return raw;
};

export const CONFIG_KEYS: { [K in keyof Config]: KeySpec<K> } = {
  store: {
    env: 'GREENOPS_STORE',
    parse: oneOf('duckdb', 'influx'),
    default: 'duckdb',
    description: 'Time-series store.',
  },
  dataDir: {
    env: 'GREENOPS_DATA_DIR',
    parse: str,
    default: './data',
    description: 'Folder for embedded data.',
  },
  duckdbPath: {
    env: 'GREENOPS_DUCKDB_PATH',
    parse: optStr,
    default: undefined,
    description: 'DuckDB file (default {dataDir}/greenops.duckdb).',
  },
  mqttUrl: {
    env: 'MQTT_URL',
    parse: url('mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:'),
    default: undefined,
    description: 'External MQTT broker; unset: embedded broker.',
  },
  mqttUsername: { env: 'MQTT_USERNAME', parse: optStr, default: undefined, description: 'MQTT user name.' },
  mqttPassword: {
    env: 'MQTT_PASSWORD',
    parse: optStr,
    default: undefined,
    secret: true,
    description: 'MQTT password.',
  },
  mqttCaFile: {
    env: 'MQTT_CA_FILE',
    parse: optStr,
    default: undefined,
    description: 'CA certificate (PEM) for mqtts://.',
  },
  mqttCertFile: {
    env: 'MQTT_CERT_FILE',
    parse: optStr,
    default: undefined,
    description: 'Client certificate (PEM) for mqtts://.',
  },
  mqttKeyFile: {
    env: 'MQTT_KEY_FILE',
    parse: optStr,
    default: undefined,
    description: 'Client key (PEM) for mqtts://.',
  },
  brokerPort: {
    env: 'GREENOPS_BROKER_PORT',
    parse: int(0, 65535),
    default: 1883,
    description: 'Port of the embedded broker (0: any free port).',
  },
  host: {
    env: 'HOST',
    parse: str,
    default: '127.0.0.1',
    description: 'Interface the API and embedded broker listen on.',
  },
  port: { env: 'PORT', parse: int(0, 65535), default: 8080, description: 'API port (0: any free port).' },
  logLevel: {
    env: 'LOG_LEVEL',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    default: 'info',
    description: 'Log level.',
  },
  tenant: {
    env: 'GREENOPS_TENANT',
    parse: tenant,
    default: 'demo',
    description: 'Tenant the simulators publish as and the API serves by default.',
  },
  simulate: {
    env: 'GREENOPS_SIMULATE',
    parse: bool,
    default: true,
    description: '`greenops start` runs simulators for all four streams.',
  },
  simulateDevices: {
    env: 'GREENOPS_SIMULATE_DEVICES',
    parse: int(1, 10_000),
    default: 5,
    description: 'Simulated devices per stream.',
  },
  simulateRate: {
    env: 'GREENOPS_SIMULATE_RATE',
    parse: num(0.01, 100_000),
    default: 2,
    description: 'Simulated records per second per stream.',
  },
  ingestClientId: {
    env: 'GREENOPS_INGEST_CLIENT_ID',
    parse: str,
    default: 'greenops-ingest',
    description: 'MQTT client id of the ingest (its persistent session); one per worker.',
  },
  ingestSubscription: {
    env: 'GREENOPS_INGEST_SUBSCRIPTION',
    parse: str,
    default: 'greenops/#',
    description:
      'Topic filter; everything under greenops/, so a topic outside the contract becomes a dead letter; $share/greenops/greenops/# splits the load between workers.',
  },
  ingestMaxUnacked: {
    env: 'GREENOPS_INGEST_MAX_UNACKED',
    parse: int(1, 10_000_000),
    default: 20_000,
    description: 'Messages received but not yet written before the ingest stops reading.',
  },
  ingestReadCoalesceMs: {
    env: 'GREENOPS_INGEST_READ_COALESCE_MS',
    parse: int(0, 100),
    default: 20,
    description:
      'After a small read from the broker (mqtt://), wait this long before the next so one read takes many messages (what is read during a store write waits for that write anyway); 0 reads at once.',
  },
  ingestBatchSize: {
    env: 'GREENOPS_INGEST_BATCH_SIZE',
    parse: int(1, 100_000),
    default: 5000,
    description: 'Most points in one store write.',
  },
  ingestFlushMs: {
    env: 'GREENOPS_INGEST_FLUSH_MS',
    parse: (raw) => (raw === '' ? undefined : int(0, 60_000)(raw)),
    default: undefined,
    description:
      'Longest wait before a partial batch is written while no write is running (data arriving during a write is written right after it). Default 50 on an external broker; 5 with the embedded broker, whose publishers wait for the write before their PUBACK.',
  },
  maxPayloadBytes: {
    env: 'GREENOPS_MAX_PAYLOAD_BYTES',
    parse: int(1024, 256 * 1024 * 1024),
    default: 1024 * 1024,
    description: 'Larger MQTT payloads are dead-lettered.',
  },
  energyRetrainHours: {
    env: 'GREENOPS_ENERGY_RETRAIN_HOURS',
    parse: num(0, 24 * 365),
    default: 168,
    description: 'Retrain the energy model every this many hours (first 10 minutes after start); 0: never.',
  },
  energyHolidayCalendar: {
    env: 'GREENOPS_ENERGY_HOLIDAY_CALENDAR',
    parse: oneOf(...HOLIDAY_CALENDARS),
    default: 'dk',
    description:
      'Public holidays the energy forecasts treat as closed days: dk (Danish, with Christmas Eve, New Year’s Eve and Constitution Day), gb-eng (bank holidays of England and Wales) or none. Set it to the buildings’ country: a holiday forecast as a working day misses by a day’s load.',
  },
  weatherForecastUrl: {
    env: 'GREENOPS_WEATHER_FORECAST_URL',
    parse: url('http:', 'https:', 'file:'),
    default: undefined,
    description:
      'Hourly outdoor temperature forecasts for the energy forecasts: a file: or http(s): URL answering JSON [{time, temperatureC}] or CSV timestamp,temperature_c (e.g. an adapter over the DMI forecast API). Without it, forecasts use last week’s temperatures.',
  },
  energyPriceDkkPerKwh: {
    env: 'GREENOPS_ENERGY_PRICE_DKK_PER_KWH',
    parse: num(0, 100),
    default: 2,
    description:
      'Price used to cost energy waste (DKK/kWh, all in); an illustrative default: set your tariff.',
  },
  gridCo2KgPerKwh: {
    env: 'GREENOPS_GRID_CO2_KG_PER_KWH',
    parse: num(0, 10),
    default: 0.1,
    description:
      'Emission factor for wasted energy (kg CO2e/kWh); an illustrative default: set the factor your CO2 account uses.',
  },
  trafficTimeZone: {
    env: 'GREENOPS_TRAFFIC_TIME_ZONE',
    parse: timeZone,
    default: 'Europe/Copenhagen',
    description: 'IANA zone of traffic counters’ local days (ÅDT and profiles are built from local days).',
  },
  trafficCounterZones: {
    env: 'GREENOPS_TRAFFIC_COUNTER_ZONES',
    parse: pairs(timeZone),
    default: {},
    description: 'Counters in another zone, as counter=Zone pairs separated by commas.',
  },
  trafficSpeedLimits: {
    env: 'GREENOPS_TRAFFIC_SPEED_LIMITS',
    parse: pairs(num(5, 200)),
    default: {},
    description: 'Speed limits (km/h) for the compliance figures, as counter=kmh pairs separated by commas.',
  },
  trafficCounterLocations: {
    env: 'GREENOPS_TRAFFIC_COUNTER_LOCATIONS',
    parse: pairs(latLon),
    default: {},
    description:
      'Counter positions for the open-data GeoJSON, as counter=lat:lon pairs (WGS 84) separated by commas.',
  },
  trafficResultsMinutes: {
    env: 'GREENOPS_TRAFFIC_RESULTS_MINUTES',
    parse: int(0, 7 * 24 * 60),
    default: 60,
    description:
      'Write daily and yearly traffic results to the store and judge counter health (the /metrics gauges) every this many minutes (first a minute after start); 0: never.',
  },
  fleetSites: {
    env: 'GREENOPS_FLEET_SITES',
    parse: pairs(latLon),
    default: {},
    description:
      'Fleet depots as site=lat:lon pairs (WGS 84, 300 m radius) separated by commas; unset: learned from where vehicles park overnight.',
  },
  fleetDefaultsPath: {
    env: 'GREENOPS_FLEET_DEFAULTS_FILE',
    parse: optStr,
    default: undefined,
    description:
      'Fleet defaults (JSON: TCO method, prices, EV models, cold-weather derating); default: the file shipped with greenops.',
  },
  fleetVehiclesPath: {
    env: 'GREENOPS_FLEET_VEHICLES',
    parse: optStr,
    default: undefined,
    description:
      'Fleet vehicle register (CSV: vehicle_id, class, and optionally fuel, purchase_dkk, lease_dkk_per_year, ev_model): each vehicle’s class for its costs and EV model; unset or a vehicle not in it: the defaults’ defaultClass.',
  },
  fleetResultsMinutes: {
    env: 'GREENOPS_FLEET_RESULTS_MINUTES',
    parse: int(0, 7 * 24 * 60),
    default: 60,
    description:
      'Write fleet results (fleet_trip, fleet_daily, fleet_ev) of the last GREENOPS_FLEET_WINDOW_DAYS to the store every this many minutes (first two minutes after start); 0: never.',
  },
  fleetWindowDays: {
    env: 'GREENOPS_FLEET_WINDOW_DAYS',
    parse: int(1, 366),
    default: 31,
    description:
      'Days of raw fleet data a fleet results run analyses, and the longest window of a fleet route.',
  },
  trafficOpenDataMinCount: {
    env: 'GREENOPS_TRAFFIC_OPEN_DATA_MIN_COUNT',
    parse: int(0, 10_000),
    default: 10,
    description: 'Open-data figures under this many a day are suppressed (privacy).',
  },
  trafficOpenDataAttribution: {
    env: 'GREENOPS_TRAFFIC_OPEN_DATA_ATTRIBUTION',
    parse: str,
    default: 'greenops',
    description:
      'Publisher named in the CC BY 4.0 attribution of the traffic open data (e.g. Aarhus Kommune).',
  },
  co2FactorsPath: {
    env: 'GREENOPS_CO2_FACTORS',
    parse: optStr,
    default: undefined,
    description: 'Factor table (JSON) for CO2e from invoices; default: the table shipped with greenops.',
  },
  co2TrainEpochs: {
    env: 'GREENOPS_CO2_TRAIN_EPOCHS',
    parse: int(1, 200),
    default: 10,
    description:
      'Epochs of an invoice classifier training (about 1.2 s each on an idle core); fewer train faster and less accurately.',
  },
  influxUrl: {
    env: 'INFLUX_URL',
    parse: url('http:', 'https:'),
    default: undefined,
    description: 'InfluxDB URL.',
  },
  influxApi: {
    env: 'INFLUX_API',
    parse: oneOf('auto', 'v1', 'v2'),
    default: 'auto',
    description: 'InfluxDB write API: v2 (/api/v2/write), v1 (/write) or auto (from /ping).',
  },
  influxToken: {
    env: 'INFLUX_TOKEN',
    parse: optStr,
    default: undefined,
    secret: true,
    description: 'InfluxDB 2.x/3.x token.',
  },
  influxOrg: {
    env: 'INFLUX_ORG',
    parse: optStr,
    default: undefined,
    description: 'InfluxDB 2.x organisation.',
  },
  influxBucket: {
    env: 'INFLUX_BUCKET',
    parse: optStr,
    default: undefined,
    description: 'InfluxDB 2.x/3.x bucket.',
  },
  influxDatabase: {
    env: 'INFLUX_DATABASE',
    parse: optStr,
    default: undefined,
    description: 'InfluxDB 1.x database.',
  },
  influxRetentionPolicy: {
    env: 'INFLUX_RETENTION_POLICY',
    parse: optStr,
    default: undefined,
    description: 'InfluxDB 1.x retention policy.',
  },
  influxUsername: {
    env: 'INFLUX_USERNAME',
    parse: optStr,
    default: undefined,
    description: 'InfluxDB 1.x user.',
  },
  influxPassword: {
    env: 'INFLUX_PASSWORD',
    parse: optStr,
    default: undefined,
    secret: true,
    description: 'InfluxDB 1.x password.',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    parse: url('postgres:', 'postgresql:'),
    default: undefined,
    secret: true,
    description:
      'PostgreSQL for records (keys, devices, audit, invoice ledger); unset: embedded PGlite in {dataDir}/records.',
  },
  oidcIssuer: {
    env: 'GREENOPS_OIDC_ISSUER',
    parse: url('https:', 'http:'),
    default: undefined,
    description:
      "OpenID Connect issuer whose bearer tokens the API accepts (e.g. the municipality's Entra ID or KOMBIT).",
  },
  oidcAudience: {
    env: 'GREENOPS_OIDC_AUDIENCE',
    parse: optStr,
    default: undefined,
    description: 'Audience (aud) the tokens must carry; required with GREENOPS_OIDC_ISSUER.',
  },
  oidcJwksUrl: {
    env: 'GREENOPS_OIDC_JWKS_URL',
    parse: url('https:', 'http:'),
    default: undefined,
    description: "The issuer's JWKS; default: jwks_uri from its /.well-known/openid-configuration.",
  },
  oidcTenantClaim: {
    env: 'GREENOPS_OIDC_TENANT_CLAIM',
    parse: str,
    default: 'greenops_tenant',
    description: 'Token claim holding the tenant.',
  },
  oidcRolesClaim: {
    env: 'GREENOPS_OIDC_ROLES_CLAIM',
    parse: str,
    default: 'roles',
    description: 'Token claim holding the greenops roles (an array or a space-separated string).',
  },
  oidcClockSkewSeconds: {
    env: 'GREENOPS_OIDC_CLOCK_SKEW_SECONDS',
    parse: int(0, 600),
    default: 60,
    description: 'Tolerance for exp and nbf.',
  },
  oidcClientId: {
    env: 'GREENOPS_OIDC_CLIENT_ID',
    parse: (raw) => {
      if (raw === '') return undefined;
      if (!/^[\x21-\x7e]{1,255}$/.test(raw)) throw new BadValue('must be printable ASCII with no spaces');
      return raw;
    },
    default: undefined,
    description:
      "The web console's public client id at the issuer (authorization code + PKCE, no secret); needs GREENOPS_OIDC_ISSUER.",
  },
  oidcScopes: {
    env: 'GREENOPS_OIDC_SCOPES',
    parse: (raw) => {
      const scopes = raw.trim().split(/\s+/);
      if (!scopes.includes('openid')) throw new BadValue('must include openid');
      if (scopes.some((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))
        throw new BadValue('must be scope tokens separated by spaces (RFC 6749 §3.3)');
      return scopes.join(' ');
    },
    default: 'openid',
    description:
      'Scopes the console asks the issuer for (space-separated, with openid; add the API scope your IdP needs for an access token whose aud is GREENOPS_OIDC_AUDIENCE).',
  },
  metricsPublic: {
    env: 'GREENOPS_METRICS_PUBLIC',
    parse: bool,
    default: false,
    description: '/metrics answers without a credential (only on a private network).',
  },
  mqttAllowAnonymous: {
    env: 'GREENOPS_MQTT_ALLOW_ANONYMOUS',
    parse: bool,
    default: false,
    description:
      'The embedded broker accepts clients without credentials (they may publish anywhere: tests only).',
  },
  rateLimitPerMinute: {
    env: 'GREENOPS_RATE_LIMIT_PER_MINUTE',
    parse: int(0, 1_000_000),
    default: 600,
    description: 'API requests per credential per minute before 429; 0: no limit.',
  },
  corsOrigins: {
    env: 'GREENOPS_CORS_ORIGINS',
    parse: optStr,
    default: undefined,
    description: 'Origins allowed by CORS, comma-separated; unset: CORS off.',
  },
  queryTimeoutMs: {
    env: 'GREENOPS_QUERY_TIMEOUT_MS',
    parse: int(100, 600_000),
    default: 10_000,
    description: 'Longest a series query may run before it is refused with 413.',
  },
  ingestStallSeconds: {
    env: 'GREENOPS_INGEST_STALL_SECONDS',
    parse: int(1, 86_400),
    default: 30,
    description:
      'Readiness fails (check "ingest") when received data has waited this long without being written.',
  },
  roadClusterRadiusM: {
    env: 'GREENOPS_ROAD_CLUSTER_RADIUS_M',
    parse: num(1, 50),
    default: 5,
    description:
      'Road detections of one damage class within this many metres (and along the same road axis) are one defect.',
  },
  roadDefaultAadt: {
    env: 'GREENOPS_ROAD_DEFAULT_AADT',
    parse: int(1, 200_000),
    default: 2000,
    description:
      'Traffic (ÅDT, vehicles a day) assumed for a defect with no traffic counter within 500 m; its priority is severity × ÅDT/1000.',
  },
  consoleTileUrl: {
    env: 'GREENOPS_CONSOLE_TILE_URL',
    parse: url('https:', 'http:'),
    default: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    description:
      'Map tiles behind the web console’s defect map ({z}/{x}/{y}); empty: none (the map works without tiles).',
  },
  roadFramesUrl: {
    env: 'GREENOPS_ROAD_FRAMES_URL',
    parse: url('https:', 'http:'),
    default: undefined,
    description:
      'Where the road cameras’ anonymised frames are served: a sighting’s image reference is appended to it (imageUrl in the API, a link on the console’s defect page); unset: references are shown as text.',
  },
  minFreeDiskMb: {
    env: 'GREENOPS_MIN_FREE_DISK_MB',
    parse: int(0, 10_000_000),
    default: 256,
    description:
      'Readiness fails (check "disk") when the data directory has less free space; 0 turns the check off.',
  },
  retention: {
    env: 'GREENOPS_RETENTION',
    parse: retention,
    default: {},
    description:
      'Retention in days per stream or identifying field over the defaults (fleet=90, fleet.driver=30, road=1826, road.image_ref=30, dead-letters=30, traffic=3653, energy=3653), as key=days pairs.',
  },
  retentionRunHours: {
    env: 'GREENOPS_RETENTION_RUN_HOURS',
    parse: num(0, 24 * 365),
    default: 24,
    description: 'Hours between retention runs (the first a minute after start); 0: never.',
  },
  organisation: {
    env: 'GREENOPS_ORGANISATION',
    parse: optName,
    default: undefined,
    description:
      'The municipality (of GREENOPS_TENANT) named on the transparency page and in algorithm-register exports; blank is unset.',
  },
  department: {
    env: 'GREENOPS_DEPARTMENT',
    parse: optName,
    default: undefined,
    description:
      'The department responsible for the models, in register exports (NL department, ATRS team); unset: empty, with a warning.',
  },
  transparencyContact: {
    env: 'GREENOPS_TRANSPARENCY_CONTACT',
    parse: contact,
    default: undefined,
    description:
      'Where citizens ask or complain about the models: the DPO’s e-mail address or the URL of a contact page; on /transparency and in register exports (contact_email only for an e-mail address).',
  },
  publicUrl: {
    env: 'GREENOPS_PUBLIC_URL',
    parse: baseUrl,
    default: undefined,
    description:
      'The public address of greenops (https://…), for absolute links in register exports (ATRS website); unset: those links are left out.',
  },
  cpuTdpWatts: {
    env: 'GREENOPS_CPU_TDP_WATTS',
    parse: num(1, 2000),
    default: 85,
    description:
      'Power of the whole processor (W) for the AI footprint when RAPL cannot be read; 85 W is CodeCarbon’s default for an unknown CPU.',
  },
};

export interface ConfigSources {
  env?: Record<string, string | undefined>;
  /** Parsed JSON config file, camelCase keys. */
  file?: Record<string, unknown>;
  /** Where the file came from, for error messages. */
  fileName?: string;
  /** Command-line flags, camelCase keys, as strings. */
  flags?: Partial<Record<keyof Config, string>>;
}

export function loadConfig({
  env = {},
  file = {},
  fileName = 'config file',
  flags = {},
}: ConfigSources = {}): Config {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const key of Object.keys(file)) {
    if (!(key in CONFIG_KEYS)) problems.push(`${fileName}: unknown key "${key}"`);
  }
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [keyof Config, KeySpec<keyof Config>][]) {
    const fromFlag = flags[key];
    const fromEnv = env[spec.env];
    const fromFile = file[key];
    const [raw, source] =
      fromFlag !== undefined
        ? [fromFlag, `--${kebab(key)}`]
        : fromEnv !== undefined
          ? [fromEnv, spec.env]
          : fromFile !== undefined
            ? [typeof fromFile === 'string' ? fromFile : JSON.stringify(fromFile), `${fileName}: ${key}`]
            : [undefined, ''];
    if (raw === undefined) {
      config[key] = spec.default;
      continue;
    }
    try {
      config[key] = spec.parse(raw);
    } catch (err) {
      if (!(err instanceof BadValue)) throw err;
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
      problems.push(`${source} ${err.message}, got ${shown}`);
    }
  }
  if (problems.length === 0) problems.push(...crossChecks(config as unknown as Config));
  if (problems.length > 0) {
    throw new GreenopsError('INVALID_CONFIG', `Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return config as unknown as Config;
}

function crossChecks(c: Config): string[] {
  const problems: string[] = [];
  if (c.store === 'influx') {
    if (!c.influxUrl) problems.push('INFLUX_URL is required when GREENOPS_STORE=influx');
    if (!c.influxBucket && !c.influxDatabase) {
      problems.push(
        'INFLUX_BUCKET (InfluxDB 2.x/3.x) or INFLUX_DATABASE (1.x) is required when GREENOPS_STORE=influx',
      );
    }
  }
  if (c.oidcIssuer !== undefined && c.oidcAudience === undefined) {
    problems.push('GREENOPS_OIDC_AUDIENCE is required with GREENOPS_OIDC_ISSUER');
  }
  if (c.oidcClientId !== undefined && c.oidcIssuer === undefined) {
    problems.push('GREENOPS_OIDC_CLIENT_ID needs GREENOPS_OIDC_ISSUER (the issuer the console logs in at)');
  }
  if ((c.mqttCertFile === undefined) !== (c.mqttKeyFile === undefined)) {
    problems.push('MQTT_CERT_FILE and MQTT_KEY_FILE go together');
  }
  return problems;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The config with secrets replaced, safe to log. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    if ((spec as { secret?: boolean }).secret && out[key] !== undefined) out[key] = '(set)';
  }
  return out;
}
