import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { retryOnPortConflict, serverProcess } from './server-process.js';
import { makeTestCertificates, type TestCertificates } from './tls.js';

export interface MosquittoUser {
  username: string;
  password: string;
  /** ACL lines for this user, e.g. `topic read greenops/v1/#`. */
  acl: string[];
}

export interface MosquittoServer {
  url: string;
  /** mqtts:// listener, when started with tls. */
  tlsUrl: string | undefined;
  certificates: TestCertificates | undefined;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
  /** SIGHUP: Mosquitto reads its password file and ACL again. */
  reload(): void;
  output(): string;
  /** The server's process id while it runs. */
  pid(): number | undefined;
}

/**
 * Mosquitto configured as production should be: no anonymous access, a password file, an ACL, persistence, and
 * `max_queued_messages` raised far above the default 1000, past which Mosquitto silently drops QoS 1 messages
 * for a subscriber that is offline or behind.
 */
export interface MosquittoOptions {
  users: MosquittoUser[];
  tls?: boolean;
  /**
   * A whole configuration to run instead of the harness's own (e.g. the shipped one), given the listener port
   * and the folder holding `passwd`; it must listen on that port.
   */
  config?: (port: number, dir: string) => string;
}

export function startMosquitto(options: MosquittoOptions): Promise<MosquittoServer> {
  return retryOnPortConflict(() => startOnce(options));
}

async function startOnce({ users, tls = false, config: custom }: MosquittoOptions): Promise<MosquittoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-mosquitto-'));
  const port = await freePort();
  const tlsPort = tls ? await freePort() : undefined;
  const certificates = tls ? makeTestCertificates(dir) : undefined;
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, '');
  for (const user of users) execFileSync('mosquitto_passwd', ['-b', passwd, user.username, user.password]);
  writeFileSync(
    join(dir, 'acl'),
    users.map((u) => [`user ${u.username}`, ...u.acl, ''].join('\n')).join('\n'),
  );
  const lines = [
    'per_listener_settings false',
    `listener ${port} 127.0.0.1`,
    ...(certificates && tlsPort
      ? [
          `listener ${tlsPort} 127.0.0.1`,
          `cafile ${certificates.caFile}`,
          `certfile ${certificates.certFile}`,
          `keyfile ${certificates.keyFile}`,
        ]
      : []),
    'allow_anonymous false',
    `password_file ${passwd}`,
    `acl_file ${join(dir, 'acl')}`,
    'persistence true',
    `persistence_location ${dir}/`,
    'autosave_interval 1',
    'max_queued_messages 1000000',
    // The ingest acknowledges after each batched write, so the broker must let many messages be in flight.
    'max_inflight_messages 0',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    // The harness runs as root in CI; without this Mosquitto drops to a user that cannot read the temp dir.
    'user root',
  ];
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, custom ? `${custom(port, dir)}\nuser root\n` : lines.join('\n') + '\n');
  const server = serverProcess(
    'mosquitto',
    '/usr/sbin/mosquitto',
    ['-c', config],
    () => canConnect(port),
    15_000,
  );
  try {
    await server.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    tlsUrl: tlsPort ? `mqtts://localhost:${tlsPort}` : undefined,
    certificates,
    stop: server.stop,
    start: server.start,
    destroy: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    reload: () => server.signal('SIGHUP'),
    output: server.output,
    pid: server.pid,
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
