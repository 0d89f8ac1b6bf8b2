#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { GreenopsError } from '../core/index.js';
import { registerEdgeCommands } from './commands/edge.js';
import { registerServeCommands } from './commands/serve.js';
import { registerDeadLetterCommands } from './commands/dead-letters.js';
import { registerImportCommands } from './commands/import.js';
import { registerEnergyCommands } from './commands/energy.js';
import { registerInvoiceCommands } from './commands/invoices.js';
import { registerDeviceCommands, registerMosquittoConfigCommand } from './commands/devices.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerTrafficCommands } from './commands/traffic.js';
import { registerFleetCommands } from './commands/fleet.js';
import { registerTransparencyCommands } from './commands/transparency.js';
import { registerPrivacyCommands } from './commands/privacy.js';

const program = new Command('greenops')
  .description('Green-operations IoT analytics for Danish municipalities')
  .version(packageVersion(), '-V, --version', 'print the greenops version')
  .showHelpAfterError();
registerServeCommands(program);
registerEdgeCommands(program);
registerDeadLetterCommands(program);
registerImportCommands(program);
registerEnergyCommands(program);
registerTrafficCommands(program);
registerFleetCommands(program);
registerInvoiceCommands(program);
registerDeviceCommands(program);
registerMosquittoConfigCommand(program);
registerKeyCommands(program);
registerTransparencyCommands(program);
registerPrivacyCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof GreenopsError) {
    console.error(`greenops: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
}

/** The version in package.json, found above this file whether it runs from dist/ or from source. */
function packageVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'greenops' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}
