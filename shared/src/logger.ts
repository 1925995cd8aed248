// The one logger definition of both planes: pino, one JSON object per line on stdout, level from
// LOG_LEVEL (trace, debug, info, warn, error, fatal, silent; default info). Lines go out through
// sonic-boom asynchronously and in batches (batched-stdout.ts), so a request never waits for the
// terminal or the pipe, and a busy plane writes a few dozen times a second rather than once a line.
// LOG_FORMAT=pretty (npm start sets it when its stdout is a terminal) formats them for people with
// pino-pretty, in a worker thread. Secrets never reach a log call: callers log ids (key id, request id), never keys.
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { batchedStdout } from './batched-stdout.ts';
import { mapStackTrace } from './source-mapped-stack.ts';

export type { Logger };

const LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** LOG_LEVEL, checked: an unknown level is an error at start, not a silent default. */
export function logLevelFromEnv(raw = process.env.LOG_LEVEL): Level | 'silent' {
  if (raw === undefined || raw === '') return 'info';
  if (!LEVELS.includes(raw)) throw new Error(`LOG_LEVEL must be one of ${LEVELS.join(', ')}, got '${raw}'`);
  return raw as Level | 'silent';
}

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Default stdout (asynchronous, batched), or pino-pretty's worker when LOG_FORMAT=pretty. */
  destination?: DestinationStream;
}

/** A plane's root logger; `name` (data-plane, control-plane) is on every line. */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const settings = { name, level: options.level ?? logLevelFromEnv(), serializers: { err: serializeError } };
  if (options.destination !== undefined) return pino(settings, options.destination);
  if (process.env.LOG_FORMAT === 'pretty') return pino({ ...settings, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname' } } });
  return pino(settings, batchedStdout());
}

/** pino's error serializer, its stack at the TypeScript lines (source-mapped-stack.ts). */
function serializeError(error: Error): ReturnType<typeof pino.stdSerializers.err> {
  const serialized = pino.stdSerializers.err(error);
  if (typeof serialized.stack === 'string') serialized.stack = mapStackTrace(serialized.stack);
  return serialized;
}

/** Logs nothing: for library callers and tests that do not read the log. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Adapts a logger to the components that report plain lines (spool, shipper, snapshot files) at one level. */
export function lineLog(logger: Logger, level: 'info' | 'warn' | 'error' = 'warn'): (line: string) => void {
  return (line) => logger[level](line);
}
