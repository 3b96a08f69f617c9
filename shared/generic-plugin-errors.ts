import { PluginErrorCode } from './error-codes';
import { PluginError } from './plugin-error';

/**
 * The error codes of plugins that are not PostgreSQL's (a documentation-style
 * plugin served by the generic worker, or any other plugin's own worker): what
 * the host and the generic worker themselves report, named without the
 * `POSTGRES_` prefix. A plugin's own errors keep the codes it chose.
 */
export const GenericErrorCode = {
  /** The worker died while the request was in flight (outcome unknown). */
  WORKER_CRASHED: 'PLUGIN_WORKER_CRASHED',
  /** The worker can't be started (restarts exhausted, circuit open, manager shut down, plugin broken). */
  WORKER_UNAVAILABLE: 'PLUGIN_WORKER_UNAVAILABLE',
  /** The call ran past its deadline; the worker was asked to cancel it. */
  TIMEOUT: 'PLUGIN_TIMEOUT',
  /** The caller's AbortSignal cancelled the call. */
  CANCELLED: 'PLUGIN_CANCELLED',
  /** The params can't be sent (not representable as JSON, over the message limit) or the plugin refused them. */
  INVALID_PARAMS: 'PLUGIN_INVALID_PARAMS',
  /** The plugin instance has no method of that name. */
  UNKNOWN_OPERATION: 'PLUGIN_UNKNOWN_OPERATION',
  /** The answer is over the message limit. */
  RESULT_TOO_LARGE: 'PLUGIN_RESULT_TOO_LARGE',
  /** Loading the plugin's entry or its `initialize(context)` failed. */
  INITIALIZE_FAILED: 'PLUGIN_INITIALIZE_FAILED',
  /** A method threw something without a code of its own. */
  ERROR: 'PLUGIN_ERROR',
} as const;

export type GenericErrorCode = (typeof GenericErrorCode)[keyof typeof GenericErrorCode];

/** Host-side conditions raised with PostgreSQL's names by the shared transport and supervision code. */
const RENAMED: Partial<Record<string, GenericErrorCode>> = {
  [PluginErrorCode.WORKER_CRASHED]: GenericErrorCode.WORKER_CRASHED,
  [PluginErrorCode.WORKER_UNAVAILABLE]: GenericErrorCode.WORKER_UNAVAILABLE,
  [PluginErrorCode.QUERY_TIMEOUT]: GenericErrorCode.TIMEOUT,
  [PluginErrorCode.QUERY_CANCELLED]: GenericErrorCode.CANCELLED,
  [PluginErrorCode.INVALID_PARAMS]: GenericErrorCode.INVALID_PARAMS,
  [PluginErrorCode.RESULT_TOO_LARGE]: GenericErrorCode.RESULT_TOO_LARGE,
  [PluginErrorCode.UNKNOWN_OPERATION]: GenericErrorCode.UNKNOWN_OPERATION,
};

/** The messages of the renamed conditions that speak of statements and servers. */
const MESSAGES: Partial<Record<GenericErrorCode, (error: PluginError) => string>> = {
  [GenericErrorCode.TIMEOUT]: (e) => `The call ran past its deadline of ${String(e.details.timeoutMs ?? '?')} ms; the worker was asked to cancel it`,
  [GenericErrorCode.CANCELLED]: () => 'The call was cancelled by the caller',
};

/**
 * An error raised on this side for a plugin that is not PostgreSQL's, under its
 * generic name (`POSTGRES_WORKER_CRASHED` → `PLUGIN_WORKER_CRASHED`). Errors the
 * plugin's worker sent (`fromPeer`) are the plugin's own and pass unchanged,
 * whatever their code.
 */
export function asGenericError(error: PluginError): PluginError {
  if (error.fromPeer) return error;
  const code = RENAMED[error.code];
  if (code === undefined) return error;
  const renamed = new PluginError(code, MESSAGES[code]?.(error) ?? error.message, error.details, error.retryable);
  (renamed as { timestamp: string }).timestamp = error.timestamp;
  return renamed;
}
