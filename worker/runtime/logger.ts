import pino from 'pino';
import { LOG_REDACT_PATHS, REDACTED } from '../../shared/redaction';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * pino on stderr (stdout is reserved for protocol frames), with the shared
 * secret-redaction paths, named by where it runs (the worker process, or
 * the plugin in the caller's process). Synchronous writes: a worker may exit at any moment
 * and its last lines are the ones worth having.
 */
export function createLogger(level: LogLevel = 'info', name: 'postgres-plugin-worker' | 'postgres-plugin' = 'postgres-plugin-worker'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, name },
      redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}
