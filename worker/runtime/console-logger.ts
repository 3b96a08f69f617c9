import pino from 'pino';
import { LOG_REDACT_PATHS, REDACTED } from '../../shared/redaction';
import type { Logger, LogLevel } from './logger';

/**
 * A logger as the plugin documentation passes it in a context: anything with
 * the console methods (`console` itself, Nest's `Logger`, winston). Only
 * `log` is required; the others fall back to it.
 */
export interface ConsoleLikeLogger {
  log(...args: unknown[]): void;
  error?(...args: unknown[]): void;
  warn?(...args: unknown[]): void;
  info?(...args: unknown[]): void;
  debug?(...args: unknown[]): void;
  trace?(...args: unknown[]): void;
}

const PINO_TO_CONSOLE: Record<number, keyof ConsoleLikeLogger> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'error' };

/** Whether `logger` is a pino logger already (has levels and child loggers). */
function isPino(logger: Logger | ConsoleLikeLogger): logger is Logger {
  return typeof (logger as Logger).child === 'function' && typeof (logger as Logger).level === 'string';
}

/**
 * The plugin's internal logger for the context's `logger`: a pino logger as it
 * is; a console-like one behind pino, so every line still goes through the
 * secret redaction before it reaches the caller's methods, as
 * `method(message, fields)`.
 */
export function toPluginLogger(logger: Logger | ConsoleLikeLogger, level: LogLevel): Logger {
  if (isPino(logger)) return logger;
  const sink = {
    write(line: string): void {
      const { level: n, msg, time: _t, pid: _p, hostname: _h, ...fields } = JSON.parse(line) as Record<string, unknown> & { level: number; msg?: string };
      const method = logger[PINO_TO_CONSOLE[n] ?? 'log'] ?? logger.log;
      const text = typeof msg === 'string' ? msg : '';
      if (Object.keys(fields).length > 0) method.call(logger, text, fields);
      else method.call(logger, text);
    },
  };
  return pino({ level, base: undefined, redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED } }, sink);
}
