import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';

export type { Logger };

export interface LoggerSettings {
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to capture logs instead of silencing them. */
  destination?: DestinationStream;
  name?: string;
}

/** One structured logger, injected into every runnable; child loggers add tenant, stream, device, request id. */
export function createLogger({
  level = 'info',
  destination,
  name = 'greenops',
}: LoggerSettings = {}): Logger {
  const options: LoggerOptions = { level, name, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that keeps its lines in memory, for tests that assert on what was logged. */
export function createMemoryLogger(level = 'debug'): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const destination = { write: (chunk: string) => void chunks.push(chunk) };
  const logger = createLogger({ level, destination });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines };
}
