/**
 * The stable error identifiers of the wire contract (docs/plugin-api.md#errors) and the
 * JSON-RPC codes they travel under. Declarations only.
 */

/** `data.code` of every plugin error: the identifier callers branch on. */
export const PluginErrorCode = {
  CONNECTION_FAILED: 'POSTGRES_CONNECTION_FAILED',
  AUTH_FAILED: 'POSTGRES_AUTH_FAILED',
  SSL_REQUIRED: 'POSTGRES_SSL_REQUIRED',
  POOL_EXHAUSTED: 'POSTGRES_POOL_EXHAUSTED',
  QUERY_TIMEOUT: 'POSTGRES_QUERY_TIMEOUT',
  TRANSACTION_FAILED: 'POSTGRES_TRANSACTION_FAILED',
  QUERY_FAILED: 'POSTGRES_QUERY_FAILED',
  INVALID_PARAMS: 'POSTGRES_INVALID_PARAMS',
  UNKNOWN_OPERATION: 'POSTGRES_UNKNOWN_OPERATION',
  TRANSACTION_NOT_FOUND: 'POSTGRES_TRANSACTION_NOT_FOUND',
  CURSOR_NOT_FOUND: 'POSTGRES_CURSOR_NOT_FOUND',
  QUERY_CANCELLED: 'POSTGRES_QUERY_CANCELLED',
  RESULT_TOO_LARGE: 'POSTGRES_RESULT_TOO_LARGE',
  WORKER_CRASHED: 'POSTGRES_WORKER_CRASHED',
  WORKER_UNAVAILABLE: 'POSTGRES_WORKER_UNAVAILABLE',
} as const;

export type PluginErrorCode = (typeof PluginErrorCode)[keyof typeof PluginErrorCode];

/**
 * The code of any error that crosses the wire: PostgreSQL's catalogue above, or
 * the code a plugin other than PostgreSQL's chose (`PLUGIN_…`, its own `GREETER_…`).
 */
export type AnyErrorCode = PluginErrorCode | (string & {});

/** The plugin documentation's name for the same catalogue: `ErrorCodes.CONNECTION_FAILED === 'POSTGRES_CONNECTION_FAILED'`. */
export const ErrorCodes = PluginErrorCode;

/**
 * SQLSTATEs after which repeating the whole request as-is is safe (docs/plugin-api.md#errors):
 * serialization failure and deadlock; the server rolled the transaction back whole.
 */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

/** Whether an error with this SQLSTATE is `retryable` (see RETRYABLE_SQLSTATES). */
export function isRetryableSqlState(sqlState: string | undefined): boolean {
  return sqlState !== undefined && RETRYABLE_SQLSTATES.has(sqlState);
}

/** JSON-RPC 2.0 `error.code` values used on the wire. */
export const RpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  SERVER_NOT_INITIALIZED: -32002,
  REQUEST_CANCELLED: -32800,
  PLUGIN_ERROR: -32000,
} as const;

export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/** The JSON-RPC code a plugin error code travels under. */
export function rpcCodeFor(code: AnyErrorCode): RpcErrorCode {
  switch (code) {
    case PluginErrorCode.INVALID_PARAMS:
      return RpcErrorCode.INVALID_PARAMS;
    case PluginErrorCode.QUERY_CANCELLED:
      return RpcErrorCode.REQUEST_CANCELLED;
    default:
      return RpcErrorCode.PLUGIN_ERROR;
  }
}
