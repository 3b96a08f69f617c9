import { PluginErrorCode } from './error-codes';
import { PluginError } from './plugin-error';

/**
 * Every plugin error message, defined once. Callers build errors through these
 * factories so the same condition always reads the same way on the wire.
 */
export const Errors = {
  unknownOperation: (operation: string, known: readonly string[]) =>
    new PluginError(PluginErrorCode.UNKNOWN_OPERATION, `Unknown operation '${operation}'`, {
      operation,
      operations: [...known],
    }),

  configRequired: (instanceId: string) =>
    new PluginError(
      PluginErrorCode.INVALID_PARAMS,
      `Invalid params: config: required on the first execute for instance '${instanceId}'`,
      { issues: [{ path: 'config', message: `required on the first execute for instance '${instanceId}'` }] },
    ),

  connectionFailed: (reason: string, details: Record<string, unknown>, retryable: boolean) =>
    new PluginError(PluginErrorCode.CONNECTION_FAILED, `Could not connect to PostgreSQL: ${reason}`, details, retryable),

  connectionLost: (reason: string, details: Record<string, unknown>) =>
    new PluginError(
      PluginErrorCode.CONNECTION_FAILED,
      `Connection to PostgreSQL lost while the request was running (outcome unknown): ${reason}`,
      { ...details, phase: 'query' },
      false,
    ),

  authFailed: (message: string, details: Record<string, unknown>) =>
    new PluginError(PluginErrorCode.AUTH_FAILED, `Authentication failed: ${message}`, details, false),

  sslRequired: (message: string, details: Record<string, unknown>) =>
    new PluginError(PluginErrorCode.SSL_REQUIRED, `SSL required or refused: ${message}`, details, false),

  poolExhausted: (max: number, waitedMs: number) =>
    new PluginError(
      PluginErrorCode.POOL_EXHAUSTED,
      `No pooled connection became free within ${waitedMs} ms (pool max ${max})`,
      { max, waitedMs },
      true,
    ),

  queryTimeout: (timeoutMs: number, details: Record<string, unknown> = {}) =>
    new PluginError(
      PluginErrorCode.QUERY_TIMEOUT,
      `Statement ran past its timeout of ${timeoutMs} ms and was cancelled on the server`,
      { timeoutMs, ...details },
      false,
    ),

  queryCancelled: (details: Record<string, unknown> = {}) =>
    new PluginError(PluginErrorCode.QUERY_CANCELLED, 'Statement cancelled by the host', details, false),

  queryFailed: (message: string, details: Record<string, unknown>, retryable: boolean) =>
    new PluginError(PluginErrorCode.QUERY_FAILED, message, details, retryable),

  workerCrashed: (details: Record<string, unknown> = {}) =>
    new PluginError(
      PluginErrorCode.WORKER_CRASHED,
      'The worker process died while the request was in flight; its outcome is unknown',
      details,
      false,
    ),

  workerUnavailable: (reason: string, details: Record<string, unknown> = {}) =>
    new PluginError(PluginErrorCode.WORKER_UNAVAILABLE, `Worker unavailable: ${reason}`, details, false),

  internal: (message: string) =>
    new PluginError(PluginErrorCode.QUERY_FAILED, `Internal error: ${message}`, {}, false),
} as const;
