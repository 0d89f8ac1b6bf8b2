import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcessOptions {
  /** Run as this user and group (root starting a server that refuses root, such as postgres). */
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
  /** The signal that stops it quickly; SIGTERM by default (postgres needs SIGINT: SIGTERM waits for clients). */
  stopSignal?: NodeJS.Signals;
}

export interface ServerProcess {
  /** Starts the process and waits until `ready` answers true; fails with its output if it exits first. */
  start(): Promise<void>;
  /** The stop signal (SIGTERM unless configured), then SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** Sends a signal to the running process (e.g. SIGHUP: reload the configuration). */
  signal(signal: NodeJS.Signals): void;
  output(): string;
  /** The running process's id (benchmarks read its CPU time from /proc), undefined while stopped. */
  pid(): number | undefined;
}

/** A real server process (influxd, mosquitto) for the integration suites, restartable on the same config. */
export function serverProcess(
  name: string,
  command: string,
  args: string[],
  ready: () => Promise<boolean>,
  timeoutMs = 30_000,
  { uid, gid, env, stopSignal = 'SIGTERM' }: ServerProcessOptions = {},
): ServerProcess {
  let child: ChildProcess | undefined;
  let output = '';
  return {
    output: () => output,
    pid: () => (child && child.exitCode === null ? child.pid : undefined),
    signal(signal) {
      if (!child || child.exitCode !== null) throw new Error(`${name} is not running`);
      child.kill(signal);
    },
    async start() {
      const started = spawn(command, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(uid === undefined ? {} : { uid }),
        ...(gid === undefined ? {} : { gid }),
        ...(env === undefined ? {} : { env }),
      });
      child = started;
      started.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      started.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (started.exitCode !== null) throw new Error(`${name} exited with ${started.exitCode}:\n${output}`);
        if (await ready().catch(() => false)) return;
        if (Date.now() > deadline)
          throw new Error(`${name} was not ready within ${timeoutMs / 1000} s:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((r) => running.once('exit', r));
      running.kill(stopSignal);
      const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A port found free can be taken before the server binds it (suites run in parallel): start again, twice. */
export async function retryOnPortConflict<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test(String(err))) throw err;
    }
  }
}
