import { statSync } from 'node:fs';
import type { Command } from 'commander';
import {
  GreenopsError,
  createLogger,
  isTenant,
  streamDefinition,
  type EnergyRecord,
  type Point,
} from '../../core/index.js';
import { isProblem, replayRecords, type ReplayProblem } from '../../edge/index.js';
import { openStores, readConfig, readInputFile } from '../runtime.js';

const BATCH = 10_000;

/** A progress line on a terminal (rewritten in place), every 10 % otherwise. */
function progress(label: string): (fraction: number) => void {
  let lastTenth = -1;
  return (fraction) => {
    const percent = Math.floor(fraction * 100);
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%`);
      if (fraction >= 1) process.stderr.write('\n');
    } else if (Math.floor(percent / 10) > lastTenth) {
      lastTenth = Math.floor(percent / 10);
      process.stderr.write(`${label} ${percent}%\n`);
    }
  };
}

/**
 * A reject reason for grouping: quoted values (the bad input itself) are collapsed, numbers are kept, so that
 * "expected 4 columns, found 5" is not merged with other column counts into "expected N columns".
 */
export function rejectKind(reason: string): string {
  return reason.replace(/"[^"]*"/g, '"…"').slice(0, 200);
}

/** Consecutive rejected lines with the same reason (such as the lines an unterminated quote swallowed) as one run. */
export function problemRuns(
  problems: readonly ReplayProblem[],
): { first: number; last: number; reason: string }[] {
  const runs: { first: number; last: number; reason: string }[] = [];
  for (const p of problems) {
    const run = runs[runs.length - 1];
    if (run && run.reason === p.reason && p.line === run.last + 1) run.last = p.line;
    else runs.push({ first: p.line, last: p.line, reason: p.reason });
  }
  return runs;
}

/**
 * Readings less than an hour apart without `interval_s` are stored as hourly intervals (the default 3600 s):
 * counts them, so the import can warn once with the first line and the shortest spacing.
 */
export class SubHourlyCheck {
  private readonly last = new Map<string, number>();
  count = 0;
  firstLine = 0;
  shortestS = Infinity;

  see(device: string, timeMs: number, intervalSeconds: number | undefined, line: number): void {
    const previous = this.last.get(device);
    this.last.set(device, timeMs);
    if (intervalSeconds !== undefined || previous === undefined) return;
    const gap = Math.abs(timeMs - previous) / 1000;
    if (gap <= 0 || gap >= 3600) return;
    this.count += 1;
    if (this.firstLine === 0) this.firstLine = line;
    this.shortestS = Math.min(this.shortestS, gap);
  }

  warning(file: string): string | undefined {
    if (this.count === 0) return undefined;
    return (
      `warning: ${file}:${this.firstLine}: ${this.count} readings are less than an hour after the meter's previous one ` +
      `(down to ${this.shortestS} s) but have no interval_s, so they are stored as 1-hour intervals (interval_s 3600); ` +
      `add an interval_s column (e.g. ${this.shortestS}) with the readings' length`
    );
  }
}

export function registerImportCommands(program: Command): void {
  const group = program.command('import').description('load history straight into the store');
  group
    .command('energy')
    .description('load hourly meter history: CSV timestamp,meter_id,kwh[,outdoor_temp_c] (see README)')
    .requiredOption('--file <path>', 'CSV file')
    .option('--tenant <tenant>', 'tenant to import for (GREENOPS_TENANT)')
    .option('--store <kind>', 'duckdb | influx (GREENOPS_STORE)')
    .option('--data-dir <dir>', 'folder for embedded data (GREENOPS_DATA_DIR)')
    .action(async (opts: { file: string; tenant?: string; store?: string; dataDir?: string }) => {
      const flags: Record<string, string> = {};
      if (opts.tenant !== undefined) flags.tenant = opts.tenant;
      if (opts.store !== undefined) flags.store = opts.store;
      if (opts.dataDir !== undefined) flags.dataDir = opts.dataDir;
      const config = readConfig(flags);
      if (!isTenant(config.tenant))
        throw new GreenopsError('BAD_REQUEST', `--tenant: "${config.tenant}" is not a valid tenant`, {
          field: 'tenant',
        });
      const text = readInputFile(opts.file);
      const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
      let stores;
      try {
        stores = await openStores(config, logger);
      } catch (err) {
        const locked = /lock/i.test((err as Error).message);
        throw new GreenopsError(
          'STORE_UNAVAILABLE',
          locked
            ? `the DuckDB file is in use: stop greenops first (DuckDB allows one writing process), or import into InfluxDB`
            : (err as Error).message,
          { cause: err },
        );
      }
      const energy = streamDefinition<EnergyRecord>('energy');
      const totalBytes = statSync(opts.file).size || 1;
      const show = progress(`importing ${opts.file}`);
      const problems: ReplayProblem[] = [];
      const started = performance.now();
      let imported = 0;
      let batch: Point[] = [];
      let consumedLines = 0;
      const subHourly = new SubHourlyCheck();
      const totalLines = Math.max(1, text.split('\n').length - 1);
      try {
        for (const item of replayRecords('energy', text, opts.file)) {
          consumedLines = item.line;
          if (isProblem(item)) {
            problems.push(item);
            continue;
          }
          const record = item.record as unknown as EnergyRecord;
          subHourly.see(item.deviceId, Date.parse(record.ts), record.intervalSeconds, item.line);
          batch.push(
            ...energy.toPoints(record, {
              tenant: config.tenant,
              deviceId: item.deviceId,
              timeMs: Date.parse(record.ts),
            }),
          );
          imported += 1;
          if (batch.length >= BATCH) {
            await stores.store.write(batch);
            batch = [];
            show(Math.min(0.99, consumedLines / totalLines));
          }
        }
        await stores.store.write(batch);
        show(1);
      } finally {
        await stores.close();
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `${opts.file}: imported ${imported} readings, rejected ${problems.length} rows (${Math.round(imported / seconds)} rows/s, ${(totalBytes / 1e6).toFixed(1)} MB)`,
      );
      const byReason = new Map<string, number>();
      for (const p of problems)
        byReason.set(rejectKind(p.reason), (byReason.get(rejectKind(p.reason)) ?? 0) + 1);
      for (const [reason, count] of byReason) console.log(`  ${String(count).padStart(6)} × ${reason}`);
      const runs = problemRuns(problems);
      for (const run of runs.slice(0, 10)) {
        const lines = run.first === run.last ? `${run.first}` : `${run.first}-${run.last}`;
        console.log(`  ${opts.file}:${lines}: ${run.reason}`);
      }
      if (runs.length > 10) console.log(`  … and ${runs.length - 10} more`);
      const warning = subHourly.warning(opts.file);
      if (warning) console.log(warning);
      process.exitCode = problems.length > 0 ? 1 : 0;
    });
}
