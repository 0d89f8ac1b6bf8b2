import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpWeatherForecast, parseTemperatureForecast, weatherForecastFrom } from './weather-forecast.js';

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
    const temps = await provider?.hourlyTemperatures(T0, 3);
    expect(temps?.slice(0, 2)).toEqual([-2.5, -3]);
    expect(Number.isNaN(temps?.[2] as number)).toBe(true);
    expect(await provider?.hourlyTemperatures(T0 + 10 * HOUR, 3)).toBeUndefined();
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
    expect((await provider.hourlyTemperatures(T0, 1))?.[0]).toBe(4.5);
    status = 503;
    expect(await provider.hourlyTemperatures(T0, 1)).toBeUndefined();
  });

  it('refuses a document in neither format, naming both', () => {
    expect(() => parseTemperatureForecast('time;temp\n')).toThrow(/timestamp,temperature_c/);
    expect(weatherForecastFrom(undefined)).toBeUndefined();
  });
});
