import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `pattern` in stdout+stderr. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/**
 * Runs the real `greenops` CLI from source (through tsx), as a user would run the built one. `nodeArgs` go to node
 * after `--import tsx` (e.g. another `--import`).
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): CliProcess {
  // The developer's own greenops, MQTT and InfluxDB settings must not leak into a test's process.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(GREENOPS_|MQTT_|INFLUX_|PORT$|HOST$)/.test(k)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, 'cli/main.ts', ...args], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} in output within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() =>
          setTimeout(() => reject(new Error(`process exited before ${pattern}:\n${text}`)), 50),
        );
        check();
      });
    },
  };
}
