import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * Hourly outdoor temperature forecasts for the hours a day-ahead energy forecast covers. Without one, the
 * forecast hours take last week's temperatures (and the forecast response and the model card say so).
 */
export interface WeatherForecastProvider {
  /** Where the forecasts come from, for responses and cards (no credentials in it). */
  readonly source: string;
  /** °C for each hour of [fromMs, fromMs + hours·1 h); NaN where the forecast has no value; undefined if unavailable. */
  hourlyTemperatures(fromMs: number, hours: number): Promise<number[] | undefined>;
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

function hoursFrom(values: Map<number, number>, fromMs: number, hours: number): number[] | undefined {
  const out = Array.from({ length: hours }, (_, h) => values.get(fromMs + h * HOUR_MS) ?? Number.NaN);
  return out.some((v) => !Number.isNaN(v)) ? out : undefined;
}

/** A forecast file, re-read at each use (a job outside greenops keeps it current). */
export class FileWeatherForecast implements WeatherForecastProvider {
  readonly source: string;
  constructor(private readonly path: string) {
    this.source = `file ${path.split('/').at(-1) ?? path}`;
  }

  async hourlyTemperatures(fromMs: number, hours: number): Promise<number[] | undefined> {
    return hoursFrom(parseTemperatureForecast(await readFile(this.path, 'utf8')), fromMs, hours);
  }
}

/** A forecast over HTTP(S) (GET the URL, the document as above); a failed fetch falls back, it never throws. */
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

  async hourlyTemperatures(fromMs: number, hours: number): Promise<number[] | undefined> {
    try {
      const res = await this.fetchImpl(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) return undefined;
      return hoursFrom(parseTemperatureForecast(await res.text()), fromMs, hours);
    } catch {
      return undefined;
    }
  }
}

/** The provider for a configured URL: file:… reads a file, http(s):… fetches; none without a URL. */
export function weatherForecastFrom(url: string | undefined): WeatherForecastProvider | undefined {
  if (url === undefined) return undefined;
  return url.startsWith('file:') ? new FileWeatherForecast(fileURLToPath(url)) : new HttpWeatherForecast(url);
}
