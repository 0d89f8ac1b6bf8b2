import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The servers the integration suites run for real, with the Debian package that provides each. */
export const SERVER_BINARIES = {
  influxd: { path: '/usr/bin/influxd', pkg: 'influxdb' },
  mosquitto: { path: '/usr/sbin/mosquitto', pkg: 'mosquitto' },
  'docker-compose': { path: '/usr/bin/docker-compose', pkg: 'docker-compose' },
  openssl: { path: '/usr/bin/openssl', pkg: 'openssl' },
  postgres: { path: '/usr/lib/postgresql/15/bin/postgres', pkg: 'postgresql' },
  chromium: { path: '/usr/bin/chromium', pkg: 'chromium' },
} as const;

export type ServerBinary = keyof typeof SERVER_BINARIES;

/**
 * Installs the Debian packages of missing servers when running as root (a fresh CI machine); elsewhere it only
 * reports what is missing. Runs once per `npm test`, from the vitest global setup.
 */
export function ensureDebianPackages(log: (line: string) => void = console.log): ServerBinary[] {
  const missing = (Object.keys(SERVER_BINARIES) as ServerBinary[]).filter(
    (b) => !existsSync(SERVER_BINARIES[b].path),
  );
  if (missing.length === 0) return [];
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    log(
      `missing servers: ${missing.join(', ')}; install: apt-get install ${missing.map((b) => SERVER_BINARIES[b].pkg).join(' ')}`,
    );
    return missing;
  }
  const pkgs = [...new Set(missing.map((b) => SERVER_BINARIES[b].pkg))];
  log(`installing Debian packages for the integration suites: ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
    stdio: 'inherit',
    env,
  });
  return (Object.keys(SERVER_BINARIES) as ServerBinary[]).filter((b) => !existsSync(SERVER_BINARIES[b].path));
}

/**
 * Whether a suite needing `binary` can run. With CI=true a missing server is a failure, never a skip; elsewhere
 * a developer without the package gets a skipped suite and a message saying what to install.
 */
export function requireServer(binary: ServerBinary): boolean {
  if (existsSync(SERVER_BINARIES[binary].path)) return true;
  const message = `${binary} is not installed (Debian package ${SERVER_BINARIES[binary].pkg})`;
  if (process.env.CI === 'true') throw new Error(`${message}: CI needs it`);
  console.warn(`${message}: skipping the suites that need it`);
  return false;
}
