import type { Command } from 'commander';
import {
  GreenopsError,
  STREAM_NAMES,
  createLogger,
  isStreamName,
  isTenant,
  parseTopic,
  timeExpressionMs,
  type Config,
  type StreamName,
} from '../../core/index.js';
import { join } from 'node:path';
import {
  MqttPublisher,
  PerDevicePublisher,
  QueuedPublisher,
  SimulationRunner,
  createSimulators,
  isCredentialRefusal,
  replayCsv,
  type Publisher,
} from '../../edge/index.js';
import { deviceUsername } from '../../access/index.js';
import { mqttSettings, readConfig, readInputFile } from '../runtime.js';
import { runUntilSignal } from '../signals.js';

interface EdgeFlags {
  stream: string;
  broker?: string;
  tenant?: string;
  rate?: string;
  clientId?: string;
  queue: boolean;
  queueDir?: string;
  queueMaxMb: string;
  dropOldest?: boolean;
  credentials?: string;
}

interface EdgePublisher {
  publisher: Publisher;
  /** publish() resolves only on the broker's acknowledgement (no disk queue in between). */
  acknowledges: boolean;
  /**
   * Waits for the broker to acknowledge what is queued (at most graceMs; unset: until all of it is), then closes;
   * the rest stays queued for the next run. Says whether all was acknowledged and how many messages this run
   * dropped.
   */
  finish(graceMs?: number): Promise<{ drained: boolean; dropped: number; acked: number }>;
  /** Ends a waiting finish() early (a signal during the final drain). */
  abandon(): void;
}

/** A publisher without a disk queue: what it had in flight is settled by close(), and nothing stays queued. */
function unqueued(publisher: Publisher): EdgePublisher {
  return {
    publisher,
    acknowledges: true,
    finish: async () => {
      await publisher.close();
      return { drained: true, dropped: 0, acked: -1 };
    },
    abandon: () => undefined,
  };
}

/**
 * By default an agent publishes through its disk queue (it survives restarts and broker outages); --no-queue
 * publishes directly, keeping unacknowledged messages in memory only. A full queue makes publishing wait for the
 * broker (back-pressure) unless --drop-oldest is given.
 */
async function openPublisher(
  opts: EdgeFlags,
  ctx: ReturnType<typeof edgeContext>,
  kind: string,
  /** A command that publishes once and exits: a broker refusing the credentials ends it (non-zero exit). */
  once: boolean,
): Promise<EdgePublisher> {
  const clientId = opts.clientId ?? `greenops-edge-${kind}-${opts.stream}`;
  if (opts.credentials !== undefined) {
    // One connection per device with its own credential, as a broker binding devices to topics requires.
    const logins = readDeviceLogins(opts.credentials);
    const tenant = ctx.config.tenant;
    const publisher = new PerDevicePublisher({
      settings: ctx.mqtt,
      loginFor: (topic) => {
        const parsed = parseTopic(topic);
        if (!parsed.ok) return undefined;
        const username = deviceUsername(tenant, parsed.value.stream, parsed.value.deviceId);
        const password = logins[username];
        return password === undefined ? undefined : { username, password };
      },
      clientIdPrefix: clientId,
      logger: ctx.logger,
    });
    return unqueued(publisher);
  }
  if (!opts.queue) {
    const publisher = await MqttPublisher.connect(ctx.mqtt, clientId, ctx.logger).catch((err: unknown) => {
      throw isCredentialRefusal(err) ? refusedError(ctx, err as Error, undefined) : err;
    });
    return unqueued(publisher);
  }
  const maxMb = parsePositive('queue-max-mb', opts.queueMaxMb) as number;
  const dir = opts.queueDir ?? join(ctx.config.dataDir, 'edge-queue', clientId);
  const publisher = QueuedPublisher.open({
    settings: ctx.mqtt,
    clientId,
    queue: { dir, maxBytes: maxMb * 1024 * 1024 },
    logger: ctx.logger,
    overflow: opts.dropOldest ? 'drop-oldest' : 'wait',
    onRefused: once ? 'stop' : 'retry',
  });
  const droppedBefore = publisher.stats.dropped;
  return {
    publisher,
    acknowledges: false,
    finish: async (graceMs) => {
      const drained = await publisher.drain(graceMs);
      const { queued, acked, dropped: droppedEver } = publisher.stats;
      await publisher.close();
      const dropped = droppedEver - droppedBefore;
      const refusal = publisher.refusal;
      if (refusal && once) throw refusedError(ctx, refusal, { queued, dir });
      if (!drained) console.log(`${queued} messages stay queued in ${dir} and are sent on the next run`);
      if (dropped > 0)
        console.log(
          `${dropped} messages were dropped because the queue was full (--drop-oldest, --queue-max-mb)`,
        );
      return { drained, dropped, acked };
    },
    abandon: () => publisher.abandonDrain(),
  };
}

/** The broker refused the login: say which broker, how to give a login, and what stays queued. */
function refusedError(
  ctx: ReturnType<typeof edgeContext>,
  err: Error,
  left: { queued: number; dir: string } | undefined,
): GreenopsError {
  const as = ctx.mqtt.username === undefined ? 'without a user name' : `as "${ctx.mqtt.username}"`;
  return new GreenopsError(
    'UNAUTHENTICATED',
    `the MQTT broker at ${ctx.mqtt.url} refused the connection ${as} (${err.message}). ` +
      'Give a login: --credentials <file> with device logins (a local `greenops start` writes ' +
      `${join(ctx.config.dataDir, 'simulator-credentials.json')}), or MQTT_USERNAME and MQTT_PASSWORD.` +
      (left ? ` ${left.queued} messages stay queued in ${left.dir} and are sent on the next run.` : ''),
    { field: 'credentials' },
  );
}

function withEdgeOptions(command: Command): Command {
  return command
    .option('--broker <url>', 'MQTT broker URL (MQTT_URL; default mqtt://127.0.0.1:1883)')
    .option('--tenant <tenant>', 'tenant to publish as (GREENOPS_TENANT)')
    .option(
      '--client-id <id>',
      'MQTT client id (default greenops-edge-<command>-<stream>); also names the queue',
    )
    .option('--queue-dir <dir>', 'disk queue folder (default <data dir>/edge-queue/<client id>)')
    .option(
      '--queue-max-mb <n>',
      'disk queue limit; when full, publishing waits for the broker (or see --drop-oldest)',
      '256',
    )
    .option(
      '--drop-oldest',
      'when the queue is full, drop the oldest messages instead of waiting (counted; exit code 1)',
    )
    .option('--no-queue', 'publish directly, without the disk queue')
    .option(
      '--credentials <file>',
      'device logins, JSON {"<username>": "<password>"} (mosquitto-config --simulators writes one): one connection per device, no disk queue',
    );
}

function readDeviceLogins(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readInputFile(file));
  } catch (err) {
    if (err instanceof GreenopsError) throw err;
    throw usage('credentials', `${file} is not JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw usage('credentials', `${file} must hold an object of user names and passwords`);
  return parsed as Record<string, string>;
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
  const ms = timeExpressionMs(value, now);
  if (ms === undefined)
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

  withEdgeOptions(edge.command('simulate'))
    .description('publish realistic simulated data')
    .requiredOption('--stream <stream>', `${STREAM_NAMES.join(' | ')} | all`)
    .option('--devices <n>', 'devices per stream', '5')
    .option('--rate <r>', 'records per second per stream (default: as fast as the broker acks)')
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
      const ctx = edgeContext(opts);
      const { config, logger } = ctx;
      const { publisher, finish, abandon } = await openPublisher(opts, ctx, 'sim', untilMs !== undefined);
      const runner = new SimulationRunner({
        simulators: createSimulators(stream, { devices, seed, startMs }),
        publisher,
        tenant: config.tenant,
        logger,
        rate,
        untilMs,
      });
      runner.start();
      const report = () =>
        console.log(`queued ${runner.stats.records} records in ${runner.stats.messages} messages`);
      if (untilMs !== undefined) {
        // A back-fill ends only when the broker has acknowledged everything; Ctrl-C gives up, and what is not
        // acknowledged stays in the disk queue for the next run.
        const signalled = runUntilSignal(logger, async () => {
          await runner.stop();
          abandon();
        });
        await Promise.race([runner.done, signalled]);
        await runner.stop();
        report();
        const { drained, dropped } = await finish();
        process.exit(drained && dropped === 0 ? 0 : 1);
      }
      await runUntilSignal(logger, async () => {
        await runner.stop();
        report();
        const { dropped } = await finish(5_000);
        if (dropped > 0) process.exitCode = 1;
      });
    });

  withEdgeOptions(edge.command('replay'))
    .description('publish a recorded CSV (columns per stream: see README)')
    .requiredOption('--stream <stream>', STREAM_NAMES.join(' | '))
    .requiredOption('--file <path>', 'CSV file')
    .option('--rate <r>', 'records per second (default: as fast as the broker acks)')
    .action(async (opts: EdgeFlags & { file: string }) => {
      const stream = parseStream(opts.stream, false) as StreamName;
      const rate = parsePositive('rate', opts.rate);
      const text = readInputFile(opts.file);
      const ctx = edgeContext(opts);
      const { config, logger } = ctx;
      const { publisher, acknowledges, finish } = await openPublisher(opts, ctx, 'replay', true);
      let ok = false;
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
        // Queued, not yet acknowledged: what the broker acknowledged is said after the drain below.
        console.log(
          `${opts.file}: ${acknowledges ? 'published (acknowledged)' : 'queued'} ${result.published} records, skipped ${result.problems.length} rows`,
        );
        for (const p of result.problems.slice(0, 20)) console.log(`  ${opts.file}:${p.line}: ${p.reason}`);
        if (result.problems.length > 20) console.log(`  … and ${result.problems.length - 20} more`);
        process.exitCode = result.problems.length > 0 ? 1 : 0;
        ok = true;
      } catch (err) {
        // A device login refused on its connection (--credentials): as clear as a refused queue.
        const refusal = isCredentialRefusal(err) ? err : (err as Error | undefined)?.cause;
        throw isCredentialRefusal(refusal) ? refusedError(ctx, refusal as Error, undefined) : err;
      } finally {
        // On an error above, still close (what is queued stays for the next run); a refusal replaces the error.
        const { drained, dropped, acked } = await finish();
        if (ok && acked >= 0) console.log(`${opts.file}: the broker acknowledged ${acked} messages`);
        if (!drained || dropped > 0) process.exitCode = 1;
      }
    });
}
