import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../core/index.js';

/**
 * What a weather forecast gave for the hours asked: °C for each hour (NaN where it has no value), or why it could
 * not be used (unreadable file, failed request, a document in neither format, no value for those hours).
 */
export type WeatherForecastReading =
  { temperatures: number[]; problem?: undefined } | { temperatures?: undefined; problem: string };

/**
 * Hourly outdoor temperature forecasts for the hours a day-ahead energy forecast covers. Without one, or when it
 * cannot be read, the forecast hours take last week's temperatures (and the forecast response and the model card
 * say so).
 */
export interface WeatherForecastProvider {
  /** Where the forecasts come from, for responses, cards and logs (no credentials in it). */
  readonly source: string;
  /** The forecast for [fromMs, fromMs + hours·1 h); never throws: a failure is a reading with its problem. */
  hourlyTemperatures(fromMs: number, hours: number): Promise<WeatherForecastReading>;
}

const HOUR_MS = 3_600_000;

/**
 * Reads the forecast document: JSON `[{ "time": ISO 8601, "temperatureC": number }, …]`, or CSV with a header
 * `timestamp,temperature_c`. A provider that speaks another format (e.g. DMI's forecast EDR API) is put behind a
 * small adapter that answers this one.
 */
export function parseTemperatureForecast(text: string): Map<number, number> {
  const out = new Map<number, number>();
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const rows = JSON.parse(trimmed) as unknown;
    if (!Array.isArray(rows)) throw new Error('forecast: expected a JSON array');
    for (const r of rows as { time?: unknown; temperatureC?: unknown }[]) {
      const t = typeof r.time === 'string' ? Date.parse(r.time) : Number.NaN;
      if (!Number.isNaN(t) && typeof r.temperatureC === 'number')
        out.set(Math.floor(t / HOUR_MS) * HOUR_MS, r.temperatureC);
    }
    return out;
  }
  const lines = trimmed.split('\n');
  if (lines[0]?.trim() !== 'timestamp,temperature_c')
    throw new Error('forecast: expected a JSON array or CSV with the header timestamp,temperature_c');
  for (const line of lines.slice(1)) {
    const [ts, temp] = line.split(',');
    const t = Date.parse(ts ?? '');
    const v = Number(temp);
    if (!Number.isNaN(t) && temp !== undefined && temp.trim() !== '' && Number.isFinite(v))
      out.set(Math.floor(t / HOUR_MS) * HOUR_MS, v);
  }
  return out;
}

function hoursFrom(values: Map<number, number>, fromMs: number, hours: number): WeatherForecastReading {
  const out = Array.from({ length: hours }, (_, h) => values.get(fromMs + h * HOUR_MS) ?? Number.NaN);
  return out.some((v) => !Number.isNaN(v))
    ? { temperatures: out }
    : { problem: `no temperature for the ${hours} h from ${new Date(fromMs).toISOString()}` };
}

/** An error's message with its cause's code (fetch's "fetch failed" says why only in its cause). */
function errorText(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause && !e.message.includes(cause) ? `${e.message} (${cause})` : e.message;
}

/** A forecast file, re-read at each use (a job outside greenops keeps it current). */
export class FileWeatherForecast implements WeatherForecastProvider {
  readonly source: string;
  constructor(private readonly path: string) {
    this.source = `file ${path.split('/').at(-1) ?? path}`;
  }

  async hourlyTemperatures(fromMs: number, hours: number): Promise<WeatherForecastReading> {
    try {
      return hoursFrom(parseTemperatureForecast(await readFile(this.path, 'utf8')), fromMs, hours);
    } catch (err) {
      return { problem: errorText(err) };
    }
  }
}

/** A forecast over HTTP(S) (GET the URL, the document as above); a failed fetch is a problem, it never throws. */
export class HttpWeatherForecast implements WeatherForecastProvider {
  readonly source: string;
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    const parsed = new URL(url);
    this.source = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  }

  async hourlyTemperatures(fromMs: number, hours: number): Promise<WeatherForecastReading> {
    try {
      const res = await this.fetchImpl(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) return { problem: `HTTP ${res.status} ${res.statusText}`.trim() };
      return hoursFrom(parseTemperatureForecast(await res.text()), fromMs, hours);
    } catch (err) {
      return { problem: errorText(err) };
    }
  }
}

/**
 * Logs one warning when the forecast cannot be read (naming where from and why) and again only when the reason
 * changes, not one per request; one line when it can be read again.
 */
export class WarnedWeatherForecast implements WeatherForecastProvider {
  private failing: string | undefined;
  constructor(
    private readonly inner: WeatherForecastProvider,
    private readonly logger: Logger,
  ) {}

  get source(): string {
    return this.inner.source;
  }

  async hourlyTemperatures(fromMs: number, hours: number): Promise<WeatherForecastReading> {
    const reading = await this.inner.hourlyTemperatures(fromMs, hours);
    if (reading.temperatures === undefined && reading.problem !== this.failing) {
      this.failing = reading.problem;
      this.logger.warn(
        { weatherForecast: this.source, err: reading.problem },
        `weather forecast ${this.source} could not be read (${reading.problem}): energy forecasts take last week's temperatures`,
      );
    } else if (reading.temperatures !== undefined && this.failing !== undefined) {
      this.failing = undefined;
      this.logger.info({ weatherForecast: this.source }, `weather forecast ${this.source} can be read again`);
    }
    return reading;
  }
}

/**
 * The provider for a configured URL: file:… reads a file, http(s):… fetches; none without a URL. With a logger,
 * a forecast that cannot be read is warned about once (WarnedWeatherForecast).
 */
export function weatherForecastFrom(
  url: string | undefined,
  logger?: Logger,
): WeatherForecastProvider | undefined {
  if (url === undefined) return undefined;
  const provider = url.startsWith('file:')
    ? new FileWeatherForecast(fileURLToPath(url))
    : new HttpWeatherForecast(url);
  return logger ? new WarnedWeatherForecast(provider, logger) : provider;
}

/** What the forecast hours' temperatures are, for responses. */
export function temperatureSource(
  weather: WeatherForecastProvider | undefined,
  reading: WeatherForecastReading | undefined,
): string {
  if (!weather) return 'last week (no weather forecast configured)';
  if (reading?.temperatures === undefined)
    return `last week: the weather forecast (${weather.source}) could not be read: ${reading?.problem ?? 'no reading'}`;
  return `weather forecast (${weather.source}); last week's where it has no value`;
}

/**
 * What the model card says about the weather forecast when a version is trained: the source, or that it could
 * not be read then and what live forecasts use instead; 'none' without one.
 */
export async function weatherForCard(
  weather: WeatherForecastProvider | undefined,
  nowMs: number,
): Promise<{ weatherSource: string | undefined; weatherProblem: string | undefined }> {
  if (!weather) return { weatherSource: undefined, weatherProblem: undefined };
  const reading = await weather.hourlyTemperatures((Math.floor(nowMs / 86_400_000) + 1) * 86_400_000, 24);
  return { weatherSource: weather.source, weatherProblem: reading.problem };
}
