import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { formatTopic, type Logger } from '../core/index.js';
import { deviceUsername, type AuditLog, type DeviceCredentialStore } from '../access/index.js';
import type { DeviceLogin, StreamSimulator } from '../edge/index.js';

/** Who issued the simulators' credentials (the audit's actor, and what a restart may rotate). */
export const SIMULATOR_ISSUER = 'greenops-simulator';

/**
 * Device credentials for the simulated devices of `greenops start`, one per device, issued in the records store
 * like any device's. The store keeps only hashes, so the passwords are kept in `file` (mode 0600, in the data
 * folder) and reused on the next start while they still verify: starting again issues nothing new. A simulated
 * device whose credential is missing, revoked or unknown to the file gets a fresh one.
 */
export async function simulatorLogins(options: {
  devices: DeviceCredentialStore;
  tenant: string;
  simulators: readonly StreamSimulator[];
  file: string;
  logger: Logger;
  /** Where issuing and rotating the simulators' credentials is recorded, as for any device credential. */
  audit?: AuditLog | undefined;
}): Promise<Map<string, DeviceLogin>> {
  const { devices, tenant, simulators, file, logger, audit } = options;
  const actor = { kind: 'service' as const, id: SIMULATOR_ISSUER, name: 'greenops start simulators' };
  const saved = readSaved(file, logger);
  const active = new Map((await devices.list({ tenant })).map((c) => [c.username, c]));
  const logins = new Map<string, DeviceLogin>();
  let issued = 0;
  for (const sim of simulators) {
    for (const device of sim.deviceIds) {
      const username = deviceUsername(tenant, sim.stream, device);
      const topic = formatTopic({ tenant, stream: sim.stream, deviceId: device });
      const password = saved[username];
      if (password !== undefined && (await devices.verify(username, password))) {
        logins.set(topic, { username, password });
        continue;
      }
      const existing = active.get(username);
      if (existing) {
        if (existing.createdBy !== SIMULATOR_ISSUER) {
          logger.warn(
            { tenant, stream: sim.stream, device },
            'a simulated device has a credential issued by someone else; it is not simulated',
          );
          continue;
        }
        await devices.revoke(existing.id, { revokedBy: SIMULATOR_ISSUER });
        await audit?.record({
          actor,
          tenant,
          action: 'devices.revoke',
          object: { type: 'device-credential', id: existing.id },
          after: { username, reason: 'simulator password lost; rotated' },
          requestId: undefined,
        });
      }
      const fresh = await devices.add({ tenant, stream: sim.stream, device, createdBy: SIMULATOR_ISSUER });
      await audit?.record({
        actor,
        tenant,
        action: 'devices.create',
        object: { type: 'device-credential', id: fresh.credential.id },
        after: { username },
        requestId: undefined,
      });
      saved[username] = fresh.password;
      logins.set(topic, { username, password: fresh.password });
      issued += 1;
    }
  }
  if (issued > 0) {
    writeFileSync(file, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    logger.info({ issued, file }, 'device credentials issued for the simulators');
  }
  return logins;
}

function readSaved(file: string, logger: Logger): Record<string, string> {
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, string>;
  } catch (err) {
    logger.warn({ err, file }, 'simulator credentials unreadable; issuing new ones');
  }
  return {};
}
