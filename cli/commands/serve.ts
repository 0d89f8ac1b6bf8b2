import { join } from 'node:path';
import type { Command } from 'commander';
import { createLogger, type Config } from '../../core/index.js';
import { startGreenops, type Roles } from '../greenops-app.js';
import { readConfig } from '../runtime.js';
import { runUntilSignal } from '../signals.js';

type ServeFlags = {
  store?: string;
  broker?: string;
  port?: string;
  host?: string;
  dataDir?: string;
  tenant?: string;
  simulate?: boolean;
};

function configFlags(opts: ServeFlags): Partial<Record<keyof Config, string>> {
  const flags: Partial<Record<keyof Config, string>> = {};
  if (opts.store !== undefined) flags.store = opts.store;
  if (opts.broker !== undefined) flags.mqttUrl = opts.broker;
  if (opts.port !== undefined) flags.port = opts.port;
  if (opts.host !== undefined) flags.host = opts.host;
  if (opts.dataDir !== undefined) flags.dataDir = opts.dataDir;
  if (opts.tenant !== undefined) flags.tenant = opts.tenant;
  if (opts.simulate === false) flags.simulate = 'false';
  return flags;
}

function withServeOptions(command: Command): Command {
  return command
    .option('--store <kind>', 'time-series store: duckdb | influx (GREENOPS_STORE)')
    .option(
      '--broker <url>',
      'external MQTT broker, e.g. mqtt://localhost:1883 (MQTT_URL); default: embedded',
    )
    .option('--port <n>', 'API port (PORT)')
    .option('--host <address>', 'interface to listen on (HOST)')
    .option('--data-dir <dir>', 'folder for embedded data (GREENOPS_DATA_DIR)')
    .option('--tenant <tenant>', 'default tenant (GREENOPS_TENANT)');
}

async function serve(opts: ServeFlags, roles: (config: Config) => Roles): Promise<void> {
  const config = readConfig(configFlags(opts));
  // Keys, password hashes, the records and the time series are the operator's alone: files greenops creates are
  // readable by its own user only.
  process.umask(0o077);
  const logger = createLogger({ level: config.logLevel });
  const app = await startGreenops(config, logger, roles(config));
  if (app.apiUrl) {
    logger.info({ api: app.apiUrl, broker: app.brokerUrl }, 'greenops is running');
    // The admin key is created only on a records store without any key; otherwise say so, not where it would be.
    const keyHint = app.adminKey
      ? `with the admin key just saved to ${app.adminKey.file}`
      : `with an API key; this start created none, as keys already exist (a first start saves one to ${join(config.dataDir, 'admin.key')})`;
    console.log(`greenops API: ${app.apiUrl}  (try ${app.apiUrl}/api/v1/whoami ${keyHint})`);
    console.log(`MQTT broker:  ${app.brokerUrl ?? 'none (greenops api alone)'}`);
    console.log(`web console:  ${app.apiUrl}/console/  (road review; sign in with an API key)`);
    if (app.adminKey) {
      // Shown once: only its hash is stored. The file is the operator's copy (mode 0600).
      console.log(`admin key:    ${app.adminKey.secret}  (platform-admin; saved to ${app.adminKey.file})`);
      logger.info({ key: app.adminKey.id, file: app.adminKey.file }, 'created the first platform-admin key');
    }
  }
  await runUntilSignal(logger, () => app.stop());
}

export function registerServeCommands(program: Command): void {
  withServeOptions(program.command('start'))
    .description(
      'all in one: broker (embedded unless --broker), ingest, API and simulators for all four streams',
    )
    .option('--no-simulate', 'do not run the simulators (GREENOPS_SIMULATE=false)')
    .action((opts: ServeFlags) => serve(opts, (c) => ({ ingest: true, api: true, simulate: c.simulate })));
  withServeOptions(program.command('ingest'))
    .description('the ingest role alone: subscribe, validate, write')
    .action((opts: ServeFlags) => serve(opts, () => ({ ingest: true, api: false, simulate: false })));
  withServeOptions(program.command('api'))
    .description('the API role alone')
    .action((opts: ServeFlags) => serve(opts, () => ({ ingest: false, api: true, simulate: false })));
}
