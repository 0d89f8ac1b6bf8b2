import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GreenopsError, notFound, type Logger } from '../../core/index.js';
import { createSimulators } from '../../edge/index.js';
import { simulatorLogins } from '../simulator-credentials.js';
import { DeviceCredentialStore, RecordAuditLog, describeCredential } from '../../access/index.js';
import { readConfig, withRecords } from '../runtime.js';
import { writeMosquittoFiles } from '../mosquitto-files.js';
import { auditCli } from '../cli-audit.js';
import type { RecordStore } from '../../store/index.js';

/** Who the records show as having issued or revoked a credential from the command line. */
const CLI_ACTOR = 'cli';

function withDevices<T>(
  flags: { dataDir?: string },
  fn: (devices: DeviceCredentialStore, logger: Logger, records: RecordStore) => Promise<T>,
): Promise<T> {
  return withRecords(
    flags.dataDir,
    (records, logger) => fn(new DeviceCredentialStore(records), logger, records),
    'warn',
    "use the running greenops's API (/api/v1/devices)",
  );
}

const summary = describeCredential;

export function registerDeviceCommands(program: Command): void {
  const group = program
    .command('devices')
    .description('MQTT credentials of devices: each may publish only to its own topic');
  const dataDir = (c: Command) =>
    c.option('--data-dir <dir>', 'folder of the embedded records store (GREENOPS_DATA_DIR; or DATABASE_URL)');

  dataDir(group.command('add'))
    .description('issue a device credential; the password is printed once')
    .requiredOption('--tenant <tenant>', 'the municipality')
    .requiredOption('--stream <stream>', 'energy | fleet | traffic | road')
    .requiredOption('--device <id>', 'the device id (the last topic level)')
    .option('--json', 'print JSON')
    .action(
      async (flags: { tenant: string; stream: string; device: string; json?: boolean; dataDir?: string }) => {
        const { credential, password } = await withDevices(flags, async (devices, _logger, records) => {
          const issued = await devices.add({
            tenant: flags.tenant,
            stream: flags.stream,
            device: flags.device,
            createdBy: CLI_ACTOR,
          });
          await auditCli(records, {
            tenant: issued.credential.tenant,
            action: 'devices.create',
            object: { type: 'device-credential', id: issued.credential.id },
            after: { username: issued.credential.username },
          });
          return issued;
        });
        const shown = { ...summary(credential), password };
        if (flags.json) {
          console.log(JSON.stringify(shown, null, 2));
          return;
        }
        console.log(`device credential ${shown.id}`);
        console.log(`username: ${shown.username}`);
        console.log(`password: ${password}`);
        console.log(`topic:    ${shown.topic}`);
        console.error(
          'The password is shown only now: put it on the device. On Mosquitto, run mosquitto-config again.',
        );
      },
    );

  dataDir(group.command('list'))
    .description('active device credentials (never a password)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--all', 'include revoked credentials')
    .option('--json', 'print JSON')
    .action(async (flags: { tenant?: string; all?: boolean; json?: boolean; dataDir?: string }) => {
      const list = await withDevices(flags, (devices) =>
        devices.list({ tenant: flags.tenant, includeRevoked: flags.all ?? false }),
      );
      if (flags.json) {
        console.log(JSON.stringify({ devices: list.map(summary) }, null, 2));
        return;
      }
      if (list.length === 0) console.log('no device credentials');
      for (const c of list)
        console.log(
          [c.id, c.username.padEnd(40), c.createdAt, c.revokedAt ? `revoked ${c.revokedAt}` : 'active'].join(
            '  ',
          ),
        );
    });

  dataDir(group.command('revoke'))
    .description('end a device credential (within a second on the embedded broker)')
    .argument('<id>', 'the credential id (dev_…)')
    .action(async (id: string, flags: { dataDir?: string }) => {
      const revoked = await withDevices(flags, async (devices, _logger, records) => {
        const done = await devices.revoke(id, { revokedBy: CLI_ACTOR });
        if (done)
          await auditCli(records, {
            tenant: done.tenant,
            action: 'devices.revoke',
            object: { type: 'device-credential', id: done.id },
            after: { username: done.username, revokedAt: done.revokedAt },
          });
        return done;
      });
      if (!revoked) throw notFound(`no device credential ${id}`);
      console.log(`revoked ${revoked.id} (${revoked.username}) at ${revoked.revokedAt}`);
      console.error('On Mosquitto, run mosquitto-config again and reload it (SIGHUP).');
    });
}

export function registerMosquittoConfigCommand(program: Command, env = process.env): void {
  program
    .command('mosquitto-config')
    .description('write a Mosquitto password file and ACL for every active device and the greenops services')
    .requiredOption('--out <dir>', 'folder for passwd, acl (and service-credentials.env)')
    .option('--data-dir <dir>', 'folder of the embedded records store (GREENOPS_DATA_DIR; or DATABASE_URL)')
    .option(
      '--simulators <n>',
      'also issue credentials for n simulated devices per stream (tenant GREENOPS_TENANT) into DIR/simulator-credentials.json, for `edge simulate --credentials`',
    )
    .action(async (flags: { out: string; dataDir?: string; simulators?: string }) => {
      const simulated = flags.simulators === undefined ? 0 : Number(flags.simulators);
      if (!Number.isInteger(simulated) || simulated < 0 || simulated > 10_000)
        throw new GreenopsError(
          'BAD_REQUEST',
          `--simulators: "${flags.simulators}" must be a whole number up to 10000`,
          {
            field: 'simulators',
          },
        );
      const tenant = readConfig().tenant;
      const report = await withDevices(flags, async (devices, logger, records) => {
        if (simulated > 0) {
          mkdirSync(flags.out, { recursive: true });
          await simulatorLogins({
            devices,
            tenant,
            simulators: createSimulators('all', { devices: simulated, seed: 1, startMs: Date.now() }),
            file: join(flags.out, 'simulator-credentials.json'),
            logger,
            audit: new RecordAuditLog(records),
          });
        }
        return writeMosquittoFiles({
          devices,
          outDir: flags.out,
          ingestPassword: env.MQTT_INGEST_PASSWORD || undefined,
        });
      });
      console.log(`wrote ${report.passwd} and ${report.acl} (${report.devices} devices)`);
      if (report.serviceCredentials)
        console.log(`generated service passwords in ${report.serviceCredentials} (mode 0600)`);
    });
}
