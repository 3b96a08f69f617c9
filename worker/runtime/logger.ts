import pino from 'pino';
import { LOG_REDACT_PATHS, REDACTED } from '../../shared/redaction';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * pino on stderr (stdout is reserved for protocol frames), with the shared
 * secret-redaction paths. Synchronous writes: a worker may exit at any moment
 * and its last lines are the ones worth having.
 */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, name: 'postgres-plugin-worker' },
      redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}
