import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { join } from 'node:path';
import { GreenopsError, createLogger, timeExpressionMs } from '../../core/index.js';
import { EnergySimulator, Random, isProblem, replayRecords } from '../../edge/index.js';
import {
  DEFAULT_HOLDOUT_DAYS,
  FileModelRegistry,
  GATE_MIN_DAYS,
  backtest,
  retrainTenant,
  seriesFromRows,
  writeForecasts,
  writeEnergyAnalysis,
  weatherForecastFrom,
  weatherForCard,
  HOUR_MS,
  setEnergyHolidayCalendar,
  type ModelCard,
  type TrainingJob,
  type MeterRow,
} from '../../models/index.js';
import { openStores, readConfig, readInputFile } from '../runtime.js';

/**
 * A realistic hourly history for tests and backtests, from the building simulator: `timestamp,meter_id,kwh,
 * outdoor_temp_c,site_id` for electricity and district-heating meters (two per building), with the data problems real exports have
 * (missing hours, a zero-filled outage) so that cleaning is exercised too.
 */
export function sampleEnergyCsv(
  meters: number,
  days: number,
  seed: number,
  startMs = Date.UTC(2024, 0, 1),
): string {
  const sim = new EnergySimulator({ devices: Math.ceil((meters * 3) / 2) + 3, seed, startMs });
  const kwhMeters = new Map<number, string>();
  const siteOf = new Map<string, string>();
  const hourly = new Map<string, { kwh: number; temp: number; n: number }>();
  const end = startMs + days * 86_400_000;
  for (;;) {
    let device = 0;
    for (let i = 1; i < sim.deviceIds.length; i++) if (sim.nextTime(i) < sim.nextTime(device)) device = i;
    if (sim.nextTime(device) > end) break;
    for (const r of sim.emit(device)) {
      if (r.unit !== 'kWh') continue;
      if (!kwhMeters.has(device) && kwhMeters.size < meters) {
        kwhMeters.set(device, r.meterId as string);
        siteOf.set(r.meterId as string, r.siteId as string);
      }
      if (!kwhMeters.has(device)) continue;
      const hour = Math.floor(Date.parse(r.ts as string) / HOUR_MS) * HOUR_MS;
      const key = `${hour}|${r.meterId as string}`;
      const cell = hourly.get(key) ?? { kwh: 0, temp: 0, n: 0 };
      cell.kwh += r.value as number;
      cell.temp += (r.outdoorTempC as number | undefined) ?? 0;
      cell.n += 1;
      hourly.set(key, cell);
    }
  }
  const random = Random.from(seed, 'sample-defects');
  const rows: string[] = ['timestamp,meter_id,kwh,outdoor_temp_c,site_id'];
  const outageMeter = [...kwhMeters.values()][0];
  const outageStart = startMs + Math.floor(days / 2) * 86_400_000;
  for (const [key, cell] of [...hourly].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (cell.n < 4) continue; // an hour not complete at the end
    const [hourText, meter] = key.split('|') as [string, string];
    const hour = Number(hourText);
    if (random.chance(0.002)) continue; // a missing hour
    const outage = meter === outageMeter && hour >= outageStart && hour < outageStart + 10 * HOUR_MS;
    rows.push(
      `${new Date(hour).toISOString()},${meter},${outage ? 0 : cell.kwh.toFixed(3)},${(cell.temp / cell.n).toFixed(1)},${siteOf.get(meter) ?? meter}`,
    );
  }
  return rows.join('\n') + '\n';
}

const REPORT_COLUMNS = ['served', 'neural', 'linear', 'towt', 'seasonalNaive'] as const;

function printReport(r: ModelCard['backtest']): void {
  const pct = (v: number | undefined) =>
    v === undefined || Number.isNaN(v) ? '    – ' : `${v.toFixed(1).padStart(6)}`;
  console.log(
    `trained until ${r.trainUntil} on ${r.meters.length} meters in ${r.trainingSeconds.toFixed(1)} s (${r.backend}); day-ahead horizon ${r.horizonHours} h; ` +
      `retrained every ${r.retrainEveryHours || '–'} h (${r.retrainings} times); replay ${r.backtestSeconds.toFixed(1)} s`,
  );
  console.log(
    `CV(RMSE) %          days | ${REPORT_COLUMNS.map((c) => c.padStart(8)).join(' ')} | served NMBE cover | chosen         | G14`,
  );
  for (const m of r.meters) {
    const a = m.accuracy;
    console.log(
      `${m.meter.padEnd(20)} ${String(m.days).padStart(4)} | ${REPORT_COLUMNS.map((c) => `  ${pct(a[c].cvRmsePct)}`).join(' ')} | ${pct(a.served.nmbePct)} ${pct((a.served.coverage ?? Number.NaN) * 100)} | ${m.chosen.padEnd(14)} | ${meetsG14(a.served) ? 'ok' : 'NO'}`,
    );
  }
  const md = r.median;
  console.log(
    `${'median'.padEnd(20)}      | ${REPORT_COLUMNS.map((c) => `  ${pct(md[c].cvRmsePct)}`).join(' ')} | ${pct(md.served.nmbePct)} ${pct((md.served.coverage ?? Number.NaN) * 100)} |`,
  );
  console.log(
    `${'p90'.padEnd(20)}      | ${REPORT_COLUMNS.map((c) => `  ${pct(r.p90CvRmsePct[c])}`).join(' ')} |`,
  );
  console.log(
    `${'G14 hourly met'.padEnd(20)}      | ${REPORT_COLUMNS.map((c) => `${String(r.g14Met[c]).padStart(5)}/${String(r.meters.length).padEnd(2)}`).join(' ')} |`,
  );
  const worse = r.meters.filter((m) => {
    const best = Math.min(
      m.accuracy.linear.cvRmsePct,
      m.accuracy.towt.cvRmsePct,
      m.accuracy.seasonalNaive.cvRmsePct,
    );
    return m.accuracy.served.cvRmsePct > best * 1.05;
  });
  console.log(
    `served worse than its best reference by > 5 %: ${worse.length === 0 ? 'none' : worse.map((m) => m.meter).join(', ')}`,
  );
  console.log(
    `neural / seasonal-naive median CV(RMSE): ${(r.neuralToNaiveCvRmse * 100).toFixed(0)} %; forecast ${r.forecastMsPerMeter.toFixed(2)} ms per meter`,
  );
}

/** The gate's summary of a registered version, the same whether the CLI or the service trained it. */
function printGateSummary(card: ModelCard, tenant: string): void {
  printReport(card.backtest);
  console.log(
    `registered version ${card.version} for ${tenant} (live): mostly ${card.gate.serve}; the network ${card.gate.neuralPassed ? 'passed' : 'did not pass'} the gate`,
  );
  for (const reason of card.gate.reasons) console.log(`  ${reason}`);
  for (const m of card.gate.perMeter ?? []) console.log(`  ${m.meter}: ${m.reason}`);
}

/** Queues a training on the running service (POST /api/v1/energy/model/train) with the data dir's admin key. */
async function trainOnService(
  api: string,
  dataDir: string,
  tenant: string,
  o: { days: number; holdout: number; epochs: number; wait: boolean },
  cause: unknown,
): Promise<void> {
  const keyFile = join(dataDir, 'admin.key');
  const key = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
  const refuse = (why: string) =>
    new GreenopsError(
      'CONFLICT',
      `a running greenops holds the store, and ${why}: call POST ${api}/api/v1/energy/model/train with a key of role facility or tenant-admin, or stop the service`,
      { cause },
    );
  if (!key) throw refuse(`${keyFile} holds no admin key`);
  let res: Response;
  try {
    res = await fetch(
      `${api}/api/v1/energy/model/train?tenant=${encodeURIComponent(tenant)}&days=${o.days}&holdoutDays=${o.holdout}&epochs=${o.epochs}`,
      { method: 'POST', headers: { authorization: `Bearer ${key}` } },
    );
  } catch (err) {
    throw refuse(`it does not answer at ${api} (${(err as Error).message}; --api sets its URL)`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    message?: string;
    job?: string;
    error?: { message?: string };
  };
  if (res.status !== 202) throw refuse(`it answered ${res.status}: ${body.error?.message ?? ''}`);
  console.log(
    `the running greenops holds the store: ${body.message ?? 'training queued'} on it (${api}); ` +
      (o.wait
        ? `waiting for job ${body.job}`
        : 'GET /api/v1/energy/model shows the new version (--wait waits for it)'),
  );
  if (!o.wait) return;
  // Polls the job on the card route until it has run; the service trains in a worker thread, so this can take
  // minutes for a year of many meters.
  const modelUrl = `${api}/api/v1/energy/model?tenant=${encodeURIComponent(tenant)}`;
  let last = '';
  for (;;) {
    const poll = await fetch(modelUrl, { headers: { authorization: `Bearer ${key}` } }).catch(
      (err: Error) => {
        throw refuse(`it stopped answering at ${api} while training (${err.message})`);
      },
    );
    const model = (await poll.json().catch(() => ({}))) as {
      card?: ModelCard;
      training?: TrainingJob[];
      error?: { message?: string };
    };
    if (!poll.ok)
      throw refuse(`GET /api/v1/energy/model answered ${poll.status}: ${model.error?.message ?? ''}`);
    const job = model.training?.find((j) => j.id === body.job);
    if (!job) throw refuse(`it no longer lists job ${body.job} (restarted?)`);
    if (job.state !== last) {
      if (job.state === 'queued' || job.state === 'running') process.stderr.write(`training: ${job.state}\n`);
      last = job.state;
    }
    if (job.state === 'failed')
      throw new GreenopsError(
        'INSUFFICIENT_DATA',
        `the service's training failed: ${job.error ?? 'no reason given'}`,
      );
    if (job.state === 'skipped')
      throw new GreenopsError('BAD_REQUEST', `--holdout-days: ${job.error ?? 'skipped'}`, {
        field: 'holdout-days',
      });
    if (job.state === 'done') {
      if (model.card && model.card.version === job.version) printGateSummary(model.card, tenant);
      else console.log(`registered version ${job.version} for ${tenant}; a newer one is live now`);
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function meetsG14(a: { cvRmsePct: number; nmbePct: number }): boolean {
  return a.cvRmsePct <= 30 && Math.abs(a.nmbePct) <= 10;
}

/** A progress bar on a terminal, a line every tenth otherwise (logs, CI). */
function progress(label: string): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`,
      );
    } else if (Math.floor((done / total) * 10) !== lastTenth) {
      lastTenth = Math.floor((done / total) * 10);
      process.stderr.write(`${label}: ${done}/${total}\n`);
    }
  };
}

export function registerEnergyCommands(program: Command): void {
  const energy = program.command('energy').description('energy models: training, backtests and sample data');

  energy
    .command('train')
    .description(
      "train the tenant's forecaster on its stored history, backtest it on the last weeks, gate and register it",
    )
    .option('--tenant <tenant>', 'tenant (GREENOPS_TENANT)')
    .option('--days <n>', 'history to use, in days', '400')
    .option(
      '--holdout-days <n>',
      `most recent days replayed as the backtest (at least ${GATE_MIN_DAYS}, what ASHRAE G14 needs to judge a meter)`,
      String(DEFAULT_HOLDOUT_DAYS),
    )
    .option('--epochs <n>', 'training epochs', '40')
    .option('--store <kind>', 'duckdb | influx (GREENOPS_STORE)')
    .option('--data-dir <dir>', 'folder for embedded data and models (GREENOPS_DATA_DIR)')
    .option(
      '--api <url>',
      'the running service, asked to train when it holds the embedded store (default http://127.0.0.1:$PORT)',
    )
    .option(
      '--wait',
      'when the running service trains: wait for its training and print the gate summary (as with the service stopped)',
    )
    .action(
      async (opts: {
        tenant?: string;
        days: string;
        holdoutDays: string;
        epochs: string;
        store?: string;
        dataDir?: string;
        api?: string;
        wait?: boolean;
      }) => {
        const flags: Record<string, string> = {};
        if (opts.tenant !== undefined) flags.tenant = opts.tenant;
        if (opts.store !== undefined) flags.store = opts.store;
        if (opts.dataDir !== undefined) flags.dataDir = opts.dataDir;
        const config = readConfig(flags);
        setEnergyHolidayCalendar(config.energyHolidayCalendar);
        const [days, holdout, epochs] = [Number(opts.days), Number(opts.holdoutDays), Number(opts.epochs)];
        for (const [flag, v] of [
          ['days', days],
          ['holdout-days', holdout],
          ['epochs', epochs],
        ] as const) {
          if (!Number.isInteger(v) || v < 1)
            throw new GreenopsError('BAD_REQUEST', `--${flag}: must be a positive whole number`, {
              field: flag,
            });
        }
        if (holdout < GATE_MIN_DAYS)
          throw new GreenopsError(
            'BAD_REQUEST',
            `--holdout-days: must be at least ${GATE_MIN_DAYS}: with fewer backtest days the gate's ASHRAE G14 rule cannot judge a meter`,
            { field: 'holdout-days' },
          );
        const logger = createLogger({ level: 'warn' });
        let stores: Awaited<ReturnType<typeof openStores>>;
        try {
          stores = await openStores(config, logger);
        } catch (err) {
          // DuckDB has one writer: with the service running, it holds the file. Ask the service to train instead.
          // openStores names the held file in its own words; the driver's lock error is its cause.
          const cause = (err as Error).cause;
          const held = [err, cause].some((e) => e instanceof Error && /lock/i.test(e.message));
          if (config.store !== 'duckdb' || !held) throw err;
          const api = opts.api ?? `http://127.0.0.1:${config.port}`;
          await trainOnService(
            api,
            config.dataDir,
            config.tenant,
            { days, holdout, epochs, wait: opts.wait === true },
            err,
          );
          return;
        }
        try {
          const registry = new FileModelRegistry(join(config.dataDir, 'models', 'energy'));
          const weather = weatherForecastFrom(config.weatherForecastUrl);
          const weatherAtTraining = await weatherForCard(weather, Date.now());
          const result = await retrainTenant({
            store: stores.store,
            registry,
            tenant: config.tenant,
            ...weatherAtTraining,
            days,
            holdoutDays: holdout,
            epochs,
            retrainEveryHours: config.energyRetrainHours,
            onProgress: (e, loss) =>
              e % 10 === 0 &&
              process.stderr.write(`training: epoch ${e}/${epochs}, loss ${loss.toFixed(4)}\n`),
          });
          if ('skipped' in result)
            throw new GreenopsError('BAD_REQUEST', `--holdout-days: ${result.skipped}`, {
              field: 'holdout-days',
            });
          const { card, report } = result;
          printGateSummary({ ...card, backtest: report }, config.tenant);
          if (!weather)
            console.log(
              'weather forecast: none here (GREENOPS_WEATHER_FORECAST_URL is not set where this command ran), so the card says none; ' +
                'the service may have one configured: set the same URL here, or train through the running service',
            );
          const written = await writeForecasts(
            stores.store,
            registry,
            config.tenant,
            Date.now(),
            undefined,
            weather,
          );
          if (written > 0) console.log(`wrote ${written} forecast points for tomorrow (energy_forecast)`);
          const analysed = await writeEnergyAnalysis(stores.store, config.tenant, {
            priceDkkPerKwh: config.energyPriceDkkPerKwh,
            co2KgPerKwh: config.gridCo2KgPerKwh,
          });
          if (analysed > 0)
            console.log(
              `wrote ${analysed} points of the last week's waste and baseline (energy_waste, energy_expected)`,
            );
        } finally {
          await stores.close();
        }
      },
    );

  energy
    .command('sample')
    .description('write a realistic, generated hourly history (timestamp,meter_id,kwh,outdoor_temp_c)')
    .option('--meters <n>', 'meters', '30')
    .option('--days <n>', 'days', '400')
    .option('--seed <n>', 'random seed', '1')
    .option('--out <file>', 'output file (default: standard output)')
    .action((opts: { meters: string; days: string; seed: string; out?: string }) => {
      const [meters, days, seed] = [Number(opts.meters), Number(opts.days), Number(opts.seed)];
      for (const [flag, v] of [
        ['meters', meters],
        ['days', days],
        ['seed', seed],
      ] as const) {
        if (!Number.isInteger(v) || v < (flag === 'seed' ? 0 : 1))
          throw new GreenopsError('BAD_REQUEST', `--${flag}: must be a whole number`, { field: flag });
      }
      const csv = sampleEnergyCsv(meters, days, seed);
      if (opts.out) writeFileSync(opts.out, csv);
      else process.stdout.write(csv);
    });

  energy
    .command('backtest')
    .description('train before --train-until, then roll day-ahead forecasts over the rest and score them')
    .requiredOption('--input <file>', 'CSV timestamp,meter_id,kwh[,outdoor_temp_c] (ISO 8601 UTC)')
    .option('--train-until <time>', 'ISO 8601; default: one year after the first reading')
    .option('--horizon <hours>', 'hours forecast from each 00:00 UTC', '24')
    .option('--epochs <n>', 'training epochs', '40')
    .option(
      '--baseline <kind>',
      'towt: learn corrections to TOWT (default); none: learn the load itself',
      'towt',
    )
    .option('--hidden <units>', 'hidden units; 0 for a linear model', '64')
    .option(
      '--retrain-every <hours>',
      'retrain every this many hours of the replay, as the service does (default GREENOPS_ENERGY_RETRAIN_HOURS, 168); 0: train once',
    )
    .option(
      '--fine-tune-epochs <n>',
      'epochs of warm-started fine-tuning of the network at each retraining',
      '3',
    )
    .option('--no-neural', 'leave the network out: closed-form models only (fast)')
    .option('--json', 'print one JSON document (see README)')
    .action(
      async (opts: {
        input: string;
        trainUntil?: string;
        horizon: string;
        epochs: string;
        baseline: string;
        hidden: string;
        retrainEvery?: string;
        fineTuneEpochs: string;
        neural: boolean;
        json?: boolean;
      }) => {
        const config = readConfig();
        setEnergyHolidayCalendar(config.energyHolidayCalendar);
        const retrainEvery =
          opts.retrainEvery === undefined ? config.energyRetrainHours : Number(opts.retrainEvery);
        if (!Number.isFinite(retrainEvery) || retrainEvery < 0 || retrainEvery > 24 * 365)
          throw new GreenopsError(
            'BAD_REQUEST',
            '--retrain-every: must be a number of hours from 0 to 8760',
            {
              field: 'retrain-every',
            },
          );
        const fineTuneEpochs = Number(opts.fineTuneEpochs);
        if (!Number.isInteger(fineTuneEpochs) || fineTuneEpochs < 0)
          throw new GreenopsError('BAD_REQUEST', '--fine-tune-epochs: must be a whole number', {
            field: 'fine-tune-epochs',
          });
        const horizon = Number(opts.horizon);
        if (opts.baseline !== 'towt' && opts.baseline !== 'none')
          throw new GreenopsError('BAD_REQUEST', '--baseline: must be towt or none', { field: 'baseline' });
        const hidden = Number(opts.hidden);
        if (!Number.isInteger(hidden) || hidden < 0 || hidden > 1024)
          throw new GreenopsError('BAD_REQUEST', '--hidden: must be a whole number from 0 to 1024', {
            field: 'hidden',
          });
        if (!Number.isInteger(horizon) || horizon < 1 || horizon > 48)
          throw new GreenopsError('BAD_REQUEST', '--horizon: must be a whole number of hours from 1 to 48', {
            field: 'horizon',
          });
        const epochs = Number(opts.epochs);
        if (!Number.isInteger(epochs) || epochs < 1)
          throw new GreenopsError('BAD_REQUEST', '--epochs: must be a positive whole number', {
            field: 'epochs',
          });
        const text = readInputFile(opts.input);
        const rows: MeterRow[] = [];
        let rejected = 0;
        for (const item of replayRecords('energy', text, opts.input)) {
          if (isProblem(item)) {
            rejected += 1;
            if (rejected <= 5) console.error(`${opts.input}:${item.line}: ${item.reason}`);
            continue;
          }
          const r = item.record as { meterId: string; ts: string; value: number; outdoorTempC?: number };
          rows.push({
            meter: r.meterId,
            timeMs: Date.parse(r.ts),
            kwh: r.value,
            temperatureC: r.outdoorTempC,
          });
        }
        if (rejected > 0) console.error(`${opts.input}: ${rejected} rows rejected`);
        const series = seriesFromRows(rows);
        if (series.length === 0) throw new GreenopsError('INVALID_INPUT_FILE', `${opts.input}: no readings`);
        const start = (series[0] as { start: number }).start;
        const length = (series[0] as { kwh: number[] }).kwh.length;
        let trainUntilMs =
          opts.trainUntil === undefined
            ? start + 365 * 86_400_000
            : timeExpressionMs(opts.trainUntil, Date.now());
        if (trainUntilMs === undefined)
          throw new GreenopsError(
            'BAD_REQUEST',
            `--train-until: "${opts.trainUntil}" is not an ISO 8601 time`,
            { field: 'train-until' },
          );
        let trainUntil = Math.floor((trainUntilMs - start) / HOUR_MS);
        if (opts.trainUntil === undefined && trainUntil > length - 14 * 24) {
          trainUntil = Math.floor(length * 0.75);
          trainUntilMs = start + trainUntil * HOUR_MS;
          console.error(
            `less than a year and two weeks of data: training on the first 75 % (until ${new Date(trainUntilMs).toISOString()})`,
          );
        }
        if (trainUntil < 21 * 24 || trainUntil > length - horizon) {
          throw new GreenopsError(
            'BAD_REQUEST',
            `--train-until: leaves ${Math.floor(trainUntil / 24)} days to train and ${Math.floor((length - trainUntil) / 24)} to test; need at least 21 and 1`,
            { field: 'train-until' },
          );
        }
        const report = await backtest(series, trainUntil, {
          horizon,
          epochs,
          baseline: opts.baseline,
          hidden,
          retrainEveryHours: retrainEvery,
          fineTuneEpochs,
          skipNeural: !opts.neural,
          onProgress: progress('day-ahead replay'),
          onEpoch: (epoch: number, loss: number) => {
            // A line rewritten in place on a terminal; every tenth epoch otherwise (logs, CI).
            const line = `training: epoch ${epoch}/${epochs}, loss ${loss.toFixed(4)}`;
            if (process.stderr.isTTY) process.stderr.write(`\r${line}${epoch === epochs ? '\n' : ''}`);
            else if (epoch % 10 === 0 || epoch === epochs) process.stderr.write(`${line}\n`);
          },
        });
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else printReport(report);
      },
    );
}
