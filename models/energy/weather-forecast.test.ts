import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/index.js';
import { weatherCardText } from './retrain.js';
import {
  HttpWeatherForecast,
  parseTemperatureForecast,
  temperatureSource,
  weatherForCard,
  weatherForecastFrom,
} from './weather-forecast.js';

const T0 = Date.UTC(2026, 0, 10);
const HOUR = 3_600_000;

describe('weather forecast port (file or HTTP; never the internet in tests)', () => {
  let dir: string | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  it('reads a CSV forecast file by file: URL, NaN for hours it lacks', async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenops-weather-'));
    const file = join(dir, 'forecast.csv');
    writeFileSync(
      file,
      `timestamp,temperature_c\n${new Date(T0).toISOString()},-2.5\n${new Date(T0 + HOUR).toISOString()},-3\n`,
    );
    const provider = weatherForecastFrom(pathToFileURL(file).href);
    expect(provider?.source).toBe('file forecast.csv');
    const temps = (await provider?.hourlyTemperatures(T0, 3))?.temperatures;
    expect(temps?.slice(0, 2)).toEqual([-2.5, -3]);
    expect(Number.isNaN(temps?.[2] as number)).toBe(true);
    expect(await provider?.hourlyTemperatures(T0 + 10 * HOUR, 3)).toEqual({
      problem: `no temperature for the 3 h from ${new Date(T0 + 10 * HOUR).toISOString()}`,
    });
  });

  it('fetches a JSON forecast over HTTP, and falls back (undefined) when the provider fails', async () => {
    let status = 200;
    server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ time: new Date(T0).toISOString(), temperatureC: 4.5 }]));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/forecast?token=secret`;
    const provider = new HttpWeatherForecast(url);
    expect(provider.source).not.toContain('secret');
    expect((await provider.hourlyTemperatures(T0, 1)).temperatures?.[0]).toBe(4.5);
    status = 503;
    expect(await provider.hourlyTemperatures(T0, 1)).toEqual({ problem: 'HTTP 503 Service Unavailable' });
  });

  it('says a missing file cannot be read, warns once naming it, and the response and card say what is used', async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenops-weather-'));
    const { logger, lines } = createMemoryLogger('info');
    const provider = weatherForecastFrom(pathToFileURL(join(dir, 'does-not-exist.json')).href, logger);
    const first = await provider?.hourlyTemperatures(T0, 24);
    await provider?.hourlyTemperatures(T0, 24);
    expect(first?.temperatures).toBeUndefined();
    expect(first?.problem).toMatch(/^ENOENT: no such file or directory/);
    const warnings = lines().filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ weatherForecast: 'file does-not-exist.json', err: first?.problem });
    expect(temperatureSource(provider, first)).toMatch(
      /^last week: the weather forecast \(file does-not-exist\.json\) could not be read: ENOENT/,
    );
    const atTraining = await weatherForCard(provider, T0);
    expect(weatherCardText(atTraining.weatherSource, atTraining.weatherProblem)).toMatch(
      /^file does-not-exist\.json: could not be read when trained \(ENOENT.*\); last week's temperatures are used instead$/,
    );
    expect(weatherCardText(undefined, undefined)).toBe('none');
  });

  it('says a refused or failing HTTP forecast cannot be read, warning once per reason and again when it changes', async () => {
    // a port nobody listens on: a server opened and closed
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const { logger, lines } = createMemoryLogger('info');
    const refused = weatherForecastFrom(`http://127.0.0.1:${port}/forecast`, logger);
    const reading = await refused?.hourlyTemperatures(T0, 24);
    await refused?.hourlyTemperatures(T0, 24);
    expect(reading?.problem).toBe('fetch failed (ECONNREFUSED)');
    expect(temperatureSource(refused, reading)).toBe(
      `last week: the weather forecast (http://127.0.0.1:${port}/forecast) could not be read: fetch failed (ECONNREFUSED)`,
    );
    expect(lines().filter((l) => l.level === 40)).toHaveLength(1);

    let status = 500;
    server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        status === 200 ? JSON.stringify([{ time: new Date(T0).toISOString(), temperatureC: 1 }]) : '{}',
      );
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/forecast`;
    const mem = createMemoryLogger('info');
    const failing = weatherForecastFrom(url, mem.logger);
    expect(await failing?.hourlyTemperatures(T0, 24)).toEqual({ problem: 'HTTP 500 Internal Server Error' });
    await failing?.hourlyTemperatures(T0, 24);
    status = 200;
    expect((await failing?.hourlyTemperatures(T0, 24))?.temperatures?.[0]).toBe(1);
    expect(mem.lines().map((l) => [l.level, l.err])).toEqual([
      [40, 'HTTP 500 Internal Server Error'],
      [30, undefined],
    ]);
    expect(temperatureSource(undefined, undefined)).toBe('last week (no weather forecast configured)');
  });

  it('refuses a document in neither format, naming both', () => {
    expect(() => parseTemperatureForecast('time;temp\n')).toThrow(/timestamp,temperature_c/);
    expect(weatherForecastFrom(undefined)).toBeUndefined();
  });
});
