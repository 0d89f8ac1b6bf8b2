import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  GreenopsError,
  STREAM_NAMES,
  createLogger,
  isStreamName,
  isTenant,
  type Config,
  type StreamName,
} from '../../core/index.js';
import { MqttPublisher, SimulationRunner, createSimulators, replayCsv } from '../../edge/index.js';
import { mqttSettings, readConfig } from '../runtime.js';
import { runUntilSignal } from '../signals.js';

interface EdgeFlags {
  stream: string;
  broker?: string;
  tenant?: string;
  rate?: string;
}

function usage(flag: string, message: string): GreenopsError {
  return new GreenopsError('BAD_REQUEST', `--${flag}: ${message}`, { field: flag });
}

function parseStream(value: string, allowAll: boolean): StreamName | 'all' {
  if (isStreamName(value) || (allowAll && value === 'all')) return value as StreamName | 'all';
  throw usage(
    'stream',
    `"${value}" is not one of ${[...STREAM_NAMES, ...(allowAll ? ['all'] : [])].join(', ')}`,
  );
}

function parsePositive(flag: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw usage(flag, `"${value}" must be a positive ${integer ? 'whole ' : ''}number`);
  return n;
}

function parseTimeFlag(flag: string, value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'now') return now;
  const relative = /^-(\d+)([smhdw])$/.exec(value);
  if (relative)
    return (
      now - Number(relative[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[relative[2] as 's']
    );
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw usage(flag, `"${value}" is not an ISO 8601 time, "now" or a relative time such as -24h`);
  return ms;
}

function edgeContext(opts: EdgeFlags) {
  const flags: Partial<Record<keyof Config, string>> = {};
  if (opts.broker !== undefined) flags.mqttUrl = opts.broker;
  if (opts.tenant !== undefined) flags.tenant = opts.tenant;
  const config = readConfig(flags);
  if (opts.tenant !== undefined && !isTenant(opts.tenant))
    throw usage('tenant', `"${opts.tenant}" is not a valid tenant`);
  const logger = createLogger({ level: config.logLevel });
  const mqtt = mqttSettings(config, config.mqttUrl ?? `mqtt://127.0.0.1:${config.brokerPort}`);
  return { config, logger, mqtt };
}

export function registerEdgeCommands(program: Command): void {
  const edge = program
    .command('edge')
    .description('edge agents: simulate devices or replay recordings over MQTT');

  edge
    .command('simulate')
    .description('publish realistic simulated data')
    .requiredOption('--stream <stream>', `${STREAM_NAMES.join(' | ')} | all`)
    .option('--devices <n>', 'devices per stream', '5')
    .option('--rate <r>', 'records per second per stream (default: as fast as the broker acks)')
    .option('--broker <url>', 'MQTT broker URL (MQTT_URL; default mqtt://127.0.0.1:1883)')
    .option('--tenant <tenant>', 'tenant to publish as (GREENOPS_TENANT)')
    .option('--seed <n>', 'random seed: same seed and --start give the same data', '1')
    .option('--start <time>', 'simulated start: ISO 8601, now, or relative such as -24h (back-fill)', 'now')
    .option('--until <time>', 'stop when the simulated clock passes this time (default: run live)')
    .action(async (opts: EdgeFlags & { devices: string; seed: string; start: string; until?: string }) => {
      const stream = parseStream(opts.stream, true);
      const devices = parsePositive('devices', opts.devices, true) as number;
      const rate = parsePositive('rate', opts.rate);
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw usage('seed', `"${opts.seed}" must be a whole number`);
      const now = Date.now();
      const startMs = parseTimeFlag('start', opts.start, now) as number;
      const untilMs = parseTimeFlag('until', opts.until, now);
      const { config, logger, mqtt } = edgeContext(opts);
      const publisher = await MqttPublisher.connect(mqtt, `greenops-edge-sim-${process.pid}`, logger);
      const runner = new SimulationRunner({
        simulators: createSimulators(stream, { devices, seed, startMs }),
        publisher,
        tenant: config.tenant,
        logger,
        rate,
        untilMs,
      });
      runner.start();
      const stop = async () => {
        await runner.stop();
        await publisher.close();
        console.log(`published ${runner.stats.records} records in ${runner.stats.messages} messages`);
      };
      if (untilMs !== undefined) {
        await Promise.race([runner.done, runUntilSignal(logger, async () => runner.stop())]);
        await stop();
        process.exit(0);
      }
      await runUntilSignal(logger, stop);
    });

  edge
    .command('replay')
    .description('publish a recorded CSV (columns per stream: see README)')
    .requiredOption('--stream <stream>', STREAM_NAMES.join(' | '))
    .requiredOption('--file <path>', 'CSV file')
    .option('--rate <r>', 'records per second (default: as fast as the broker acks)')
    .option('--broker <url>', 'MQTT broker URL (MQTT_URL; default mqtt://127.0.0.1:1883)')
    .option('--tenant <tenant>', 'tenant to publish as (GREENOPS_TENANT)')
    .action(async (opts: EdgeFlags & { file: string }) => {
      const stream = parseStream(opts.stream, false) as StreamName;
      const rate = parsePositive('rate', opts.rate);
      let text: string;
      try {
        text = readFileSync(opts.file, 'utf8');
      } catch (err) {
        throw new GreenopsError(
          'INVALID_INPUT_FILE',
          `${opts.file}: cannot read: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const { config, logger, mqtt } = edgeContext(opts);
      const publisher = await MqttPublisher.connect(mqtt, `greenops-edge-replay-${process.pid}`, logger);
      try {
        const result = await replayCsv({
          stream,
          file: opts.file,
          text,
          publisher,
          tenant: config.tenant,
          logger,
          rate,
        });
        console.log(
          `${opts.file}: published ${result.published} records, skipped ${result.problems.length} rows`,
        );
        for (const p of result.problems.slice(0, 20)) console.log(`  ${opts.file}:${p.line}: ${p.reason}`);
        if (result.problems.length > 20) console.log(`  … and ${result.problems.length - 20} more`);
        process.exitCode = result.problems.length > 0 ? 1 : 0;
      } finally {
        await publisher.close();
      }
    });
}
