import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, loadConfig } from '../../core/index.js';
import { sampleEnergyCsv, startGreenops, type GreenopsApp } from '../../cli/index.js';
import { runCli } from '../harness/cli-process.js';

const HOUR = 3_600_000;

describe('energy model: import → train (backtest, gate, registry) → model card and forecast over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-energy-'));
  let app: GreenopsApp | undefined;
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains on stored history, registers a version with its gate decision, and serves forecasts for tomorrow', async () => {
    const days = 60;
    const start = Math.floor(Date.now() / HOUR) * HOUR - days * 86_400_000;
    const file = join(dir, 'history.csv');
    writeFileSync(file, sampleEnergyCsv(3, days, 5, start));
    expect(await runCli(['import', 'energy', '--file', file, '--data-dir', dir]).exited).toBe(0);

    const train = runCli([
      'energy',
      'train',
      '--data-dir',
      dir,
      '--days',
      String(days + 1),
      '--holdout-days',
      '30',
      '--epochs',
      '5',
    ]);
    expect(await train.exited).toBe(0);
    expect(train.output()).toMatch(
      /registered version 1 for demo \(live\): mostly (neural|linear|towt|seasonalNaive)/,
    );
    expect(existsSync(join(dir, 'models', 'energy', 'demo', 'v1', 'weights.bin'))).toBe(true);
    // Each meter's linear reference and TOWT, fitted at training, served without a refit at each forecast.
    expect(existsSync(join(dir, 'models', 'energy', 'demo', 'v1', 'references.json'))).toBe(true);

    // A weather forecast file that is not there: forecasts fall back to last week's temperatures and say so.
    const missing = pathToFileURL(join(dir, 'does-not-exist.json')).href;
    const memory = createMemoryLogger('warn');
    app = await startGreenops(
      loadConfig({
        env: {
          GREENOPS_DATA_DIR: dir,
          PORT: '0',
          GREENOPS_BROKER_PORT: '0',
          GREENOPS_SIMULATE: 'false',
          GREENOPS_WEATHER_FORECAST_URL: missing,
        },
      }),
      memory.logger,
      { ingest: false, api: true, simulate: false },
    );
    const api = app.apiUrl as string;
    const key = app.adminKey!.secret;
    const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${key}` } });
    const model = (await (await get(`${api}/api/v1/energy/model`)).json()) as {
      card: {
        version: number;
        meters: string[];
        gate: { serve: string; reasons: string[] };
        limitations: string[];
        backtest: { median: object };
        referencesFittedUntil?: string;
      };
    };
    expect(model.card.version).toBe(1);
    expect(Date.parse(model.card.referencesFittedUntil ?? '')).toBeGreaterThan(start);
    expect(model.card.meters).toHaveLength(3);
    expect(model.card.gate.reasons.length).toBeGreaterThan(0);
    expect(model.card.limitations.join(' ')).toContain('the service may have one configured');
    expect(train.output()).toContain('weather forecast: none here (GREENOPS_WEATHER_FORECAST_URL is not set');

    const meter = model.card.meters[0] as string;
    const res = await get(`${api}/api/v1/energy/forecast?device=${meter}`);
    expect(res.status).toBe(200);
    const forecast = (await res.json()) as {
      temperature: string;
      model: { serve: string };
      points: { time: string; p50: number; p10?: number; p90?: number }[];
    };
    expect(forecast.model.serve).toBe(model.card.gate.serve);
    expect(forecast.temperature).toMatch(
      /^last week: the weather forecast \(file does-not-exist\.json\) could not be read: ENOENT/,
    );
    // The forecast says which model made it, in which version, and that it is an estimate (issue 15).
    // The forecaster's card covers the per-meter choice (the network or the linear reference).
    const serving = {
      neural: 'energy-forecaster',
      linear: 'energy-forecaster',
      towt: 'energy-towt',
      seasonalNaive: 'energy-seasonal-naive',
    }[model.card.gate.serve as 'neural' | 'linear' | 'towt' | 'seasonalNaive'];
    expect((forecast as unknown as { ai: object }).ai).toMatchObject({ model: serving, estimate: true });
    const card = (await (await get(`${api}/api/v1/models/energy-forecaster`)).json()) as {
      version: string;
      status: string;
      performanceByGroup: { groups: { group: string }[] };
      evaluation: { data: string }[];
    };
    expect(card.version).toBe('v1');
    expect(card.status).toBe(model.card.gate.serve === 'neural' ? 'in-use' : 'pilot');
    expect(card.performanceByGroup.groups.map((g) => g.group).sort()).toEqual([...model.card.meters].sort());
    expect(card.evaluation[0]?.data).toBe('tenant');
    expect(forecast.points).toHaveLength(24);
    expect(Date.parse(forecast.points[0]!.time) % 86_400_000).toBe(0);
    expect(Date.parse(forecast.points[0]!.time)).toBeGreaterThan(Date.now());
    for (const p of forecast.points) {
      expect(Number.isFinite(p.p50)).toBe(true);
      if (p.p10 !== undefined) expect(p.p10).toBeLessThanOrEqual(p.p50);
    }
    const savings = (await (
      await get(
        `${api}/api/v1/energy/savings?device=${meter}&baselineFrom=-60d&baselineTo=-20d&reportFrom=-20d&reportTo=now`,
      )
    ).json()) as Record<string, unknown>;
    expect(savings).toMatchObject({ device: meter, baselineFit: { meetsG14: expect.any(Boolean) } });
    expect(Number.isFinite(savings.avoidedKwh as number)).toBe(true);
    expect(savings.warnings).toEqual(
      expect.arrayContaining(['baseline shorter than a year: seasons it has not seen are extrapolated']),
    );
    const short = await get(
      `${api}/api/v1/energy/savings?device=${meter}&baselineFrom=-10d&baselineTo=-5d&reportFrom=-5d&reportTo=now`,
    );
    expect(((await short.json()) as { error: { field: string } }).error.field).toBe('baselineTo');
    const reversed = await get(
      `${api}/api/v1/energy/savings?device=${meter}&baselineFrom=-20d&baselineTo=-50d&reportFrom=-10d&reportTo=now`,
    );
    expect(reversed.status).toBe(400);
    expect(((await reversed.json()) as { error: { message: string } }).error.message).toMatch(
      /^baselineTo: baselineTo is before baselineFrom/,
    );

    const waste = (await (
      await get(`${api}/api/v1/energy/waste?device=${meter}&from=-14d&referenceWeeks=4`)
    ).json()) as {
      totals: { excessKwh: number };
      findings: { kind: string; costDkk: number }[];
      prices: object;
    };
    expect(waste.prices).toEqual({ priceDkkPerKwh: 2, co2KgPerKwh: 0.1 });
    expect(Array.isArray(waste.findings)).toBe(true);
    expect(waste.totals.excessKwh).toBeCloseTo(
      waste.findings.reduce((s, f) => s + (f as unknown as { excessKwh: number }).excessKwh, 0),
      0,
    );

    // A site (building) is its meters: the sample puts every three meters on one site.
    const siteForecast = (await (await get(`${api}/api/v1/energy/forecast?site=site-001`)).json()) as {
      meters: string[];
      points: { p50: number }[];
    };
    expect(siteForecast.meters.length).toBeGreaterThan(0);
    expect(siteForecast.points).toHaveLength(24);
    // two forecasts, one warning naming the file and the error
    const weatherWarnings = memory.lines().filter((l) => l.weatherForecast !== undefined);
    expect(weatherWarnings).toHaveLength(1);
    expect(weatherWarnings[0]).toMatchObject({ level: 40, weatherForecast: 'file does-not-exist.json' });
    expect(weatherWarnings[0]?.err).toMatch(/^ENOENT/);
    const siteWaste = (await (
      await get(`${api}/api/v1/energy/waste?site=site-001&from=-14d&referenceWeeks=4`)
    ).json()) as { meters: string[] };
    expect(siteWaste.meters).toEqual(siteForecast.meters);
    const both = await get(`${api}/api/v1/energy/forecast?site=site-001&device=${meter}`);
    expect(((await both.json()) as { error: { field: string } }).error.field).toBe('device');

    const unknown = await get(`${api}/api/v1/energy/forecast?device=not-a-meter`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { field: string } }).error.field).toBe('device');

    // Tomorrow's points the training wrote, readable over HTTP.
    const stored = (await (await get(`${api}/api/v1/energy/forecast/points?device=${meter}`)).json()) as {
      meters: { device: string; points: { p50: number; model: string; version: number }[] }[];
    };
    expect(stored.meters[0]?.points).toHaveLength(24);
    expect(stored.meters[0]?.points[0]).toMatchObject({ model: expect.any(String), version: 1 });

    // The running service holds the DuckDB file: `energy train` asks it to train (queued, off its event loop),
    // and the new version shows on the card.
    const handover = runCli([
      'energy',
      'train',
      '--data-dir',
      dir,
      '--days',
      String(days + 1),
      '--holdout-days',
      '30',
      '--epochs',
      '2',
      '--api',
      api,
      '--wait',
    ]);
    // --wait polls the job and prints the same gate summary as a training with the service stopped
    expect(await handover.exited, `${handover.output()}\n${JSON.stringify(memory.lines())}`).toBe(0);
    expect(handover.output()).toMatch(/the running greenops holds the store: training (started|queued)/);
    expect(handover.output()).toMatch(/CV\(RMSE\) %\s+days \|/);
    expect(handover.output()).toMatch(/registered version 2 for demo \(live\): mostly /);
    const after = (await (await get(`${api}/api/v1/energy/model`)).json()) as {
      card: { version: number; weatherForecast: string };
      training: { state: string; version: number }[];
    };
    expect(after.card.version).toBe(2);
    expect(after.training).toEqual([expect.objectContaining({ state: 'done', version: 2 })]);
    // the service trained with a forecast it could not read: the card says so and what is used instead
    expect(after.card.weatherForecast).toMatch(
      /^file does-not-exist\.json: could not be read when trained \(ENOENT.*\); last week's temperatures are used instead$/,
    );
  }, 150_000);
});
