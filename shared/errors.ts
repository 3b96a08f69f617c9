import { PluginErrorCode } from './error-codes';
import { PluginError } from './plugin-error';
import { invalidParams } from './validation';

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
    invalidParams([{ path: 'config', message: `required on the first execute for instance '${instanceId}'` }]),

  /** Host side: `executePlugin` named a plugin the manager has no definition for. */
  unknownPlugin: (pluginName: string, known: readonly string[]) =>
    invalidParams([{ path: 'pluginName', message: `unknown plugin '${pluginName}'` }], { plugins: [...known] }),

  /** `reason` is the driver's message, already scrubbed of secrets: it is `details.originalError` as documented. */
  connectionFailed: (reason: string, details: Record<string, unknown>, retryable: boolean) =>
    new PluginError(PluginErrorCode.CONNECTION_FAILED, `Could not connect to PostgreSQL: ${reason}`, { ...details, originalError: reason }, retryable),

  connectionLost: (reason: string, details: Record<string, unknown>) =>
    new PluginError(
      PluginErrorCode.CONNECTION_FAILED,
      `Connection to PostgreSQL lost while the request was running (outcome unknown): ${reason}`,
      { ...details, originalError: reason, phase: 'query' },
      false,
    ),

  authFailed: (message: string, details: Record<string, unknown>) =>
    new PluginError(PluginErrorCode.AUTH_FAILED, `Authentication failed: ${message}`, details, false),

  sslRequired: (message: string, details: Record<string, unknown>) =>
    new PluginError(PluginErrorCode.SSL_REQUIRED, `SSL required or refused: ${message}`, details, false),

  /** The server accepts only SSL sessions and the config offers none. */
  sslRequiredByServer: (cause: string, details: Record<string, unknown>) =>
    new PluginError(
      PluginErrorCode.SSL_REQUIRED,
      `The server accepts only SSL connections and the config does not use SSL: set ssl: true (or ssl: { ca } to verify the server's certificate). The server said: ${cause}`,
      details,
      false,
    ),

  /** The config asks for SSL and the server has none to offer. */
  sslNotSupported: (cause: string, details: Record<string, unknown>) =>
    new PluginError(
      PluginErrorCode.SSL_REQUIRED,
      `The config asks for SSL but the server does not support SSL connections: set ssl: false, or enable ssl on the server (${cause})`,
      details,
      false,
    ),

  /** The server asks for a password the config does not give: nothing to retry until the config changes. */
  passwordMissing: (cause: string, details: Record<string, unknown>) =>
    new PluginError(
      PluginErrorCode.AUTH_FAILED,
      `Authentication failed: the server asks for a password and the config gives ${/non-empty/.test(cause) ? 'an empty one' : 'none'}: set password (or connection.password, or the password of connectionString)`,
      { ...details, reason: 'password-missing', originalError: cause },
      false,
    ),

  /** A certificate, the server's or ours, was refused: same code, a message that says so. */
  sslCertificateRejected: (what: string, details: Record<string, unknown>) =>
    new PluginError(PluginErrorCode.SSL_REQUIRED, `SSL certificate rejected: ${what}`, details, false),

  poolExhausted: (max: number, waitedMs: number) =>
    new PluginError(
      PluginErrorCode.POOL_EXHAUSTED,
      `No pooled connection became free within ${waitedMs} ms (pool max ${max})`,
      { max, waitedMs, reason: 'pool' },
      true,
    ),

  /** No room within the server-connection budget in time: every connection to that server is in use. */
  budgetExhausted: (poolMax: number, waitedMs: number, budget: { server: string; maxServerConnections: number; open: number; waiting: number }) =>
    new PluginError(
      PluginErrorCode.POOL_EXHAUSTED,
      `No connection became free within ${waitedMs} ms: the server connection budget for ${budget.server} (maxServerConnections ${budget.maxServerConnections}) is in use`,
      { max: poolMax, waitedMs, reason: 'budget', budget },
      true,
    ),

  /** SQLSTATE 53300: the server itself has no connection slot left (other clients fill max_connections). */
  serverFull: (message: string, details: Record<string, unknown>) =>
    new PluginError(
      PluginErrorCode.POOL_EXHAUSTED,
      `PostgreSQL refused a new connection: ${message}`,
      {
        ...details,
        reason: 'server-full',
        hint: "The server's max_connections is reached by all of its clients together. Retry later; lower this plugin's maxServerConnections or other clients' pool sizes, or raise max_connections on the server.",
      },
      true,
    ),

  /** The instance's pool was closed (closeAllConnections, shutdown) while the request waited for a connection. */
  poolClosed: () =>
    new PluginError(PluginErrorCode.POOL_EXHAUSTED, 'The pool was closed while the request waited for a connection; nothing was sent', { reason: 'pool-closed' }, true),

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

  /** An answer whose JSON would pass the message limit of the host (or V8's string limit): refused instead of sent. */
  answerTooLarge: (bytes: number | undefined, maxMessageBytes: number) =>
    new PluginError(
      PluginErrorCode.RESULT_TOO_LARGE,
      bytes === undefined
        ? `The answer is too large to be sent as one message (longer than the longest string the worker can write); limit ${maxMessageBytes} bytes (--max-message-bytes / maxMessageBytes)`
        : `The answer is ${bytes} bytes, more than the message limit of ${maxMessageBytes} (--max-message-bytes / maxMessageBytes); select fewer or smaller rows`,
      { ...(bytes !== undefined ? { bytes } : {}), maxMessageBytes },
      false,
    ),

  /** A request whose JSON would pass the worker's message limit: refused by the host, never sent. */
  requestTooLarge: (bytes: number | undefined, maxMessageBytes: number) =>
    invalidParams(
      [{ path: 'params', message: bytes === undefined ? `too large to be sent as one message (limit ${maxMessageBytes} bytes)` : `the request is ${bytes} bytes, more than the worker's message limit of ${maxMessageBytes} (maxMessageBytes)` }],
      { ...(bytes !== undefined ? { bytes } : {}), maxMessageBytes },
    ),

  resultTooLarge: (rows: number, maxRows: number) =>
    new PluginError(
      PluginErrorCode.RESULT_TOO_LARGE,
      `Result has ${rows} rows, more than the configured limit of ${maxRows} (options.maxResultRows)`,
      { rows, maxRows },
      false,
    ),

  /** A plain result passed `options.maxResultBytes` while it arrived: the statement was cancelled, nothing of it kept. */
  resultBytesTooLarge: (maxBytes: number) =>
    new PluginError(
      PluginErrorCode.RESULT_TOO_LARGE,
      `The result passed the limit of ${maxBytes} bytes (options.maxResultBytes) and was cancelled; read large results with a cursor (openCursor and fetch, or PluginManager.stream), or select fewer rows or columns`,
      { maxBytes },
      false,
    ),

  /** The peer answered a JSON-RPC error without plugin data (e.g. -32601 for a method it lacks). */
  rpcError: (rpcCode: number, message: string) =>
    new PluginError(PluginErrorCode.QUERY_FAILED, message, { rpcCode }, false),

  internal: (message: string) =>
    new PluginError(PluginErrorCode.QUERY_FAILED, `Internal error: ${message}`, {}, false),
} as const;

/** What the server did with a transaction a statement ended from inside. */
export type TransactionOutcome = 'committed' | 'rolled-back' | 'prepared' | 'unknown';

function describeOutcome(outcome: TransactionOutcome): string {
  switch (outcome) {
    case 'committed':
      return 'its work so far was committed';
    case 'rolled-back':
      return 'its work so far was rolled back';
    case 'prepared':
      return 'it was prepared for two-phase commit and is still pending';
    default:
      return 'whether its work was committed is unknown';
  }
}

/** The fate of a transaction handle, named in every error about it. */
export type TransactionReason = 'committed' | 'rolled-back' | 'idle-timeout' | 'aborted' | 'unknown' | 'worker-restarted';

/** Transaction errors (docs/plugin-api.md#errors). */
export const TransactionErrors = {
  notFound: (transactionId: string, reason: TransactionReason) =>
    new PluginError(
      PluginErrorCode.TRANSACTION_NOT_FOUND,
      `Transaction '${transactionId}' is not open (${describeReason(reason)})`,
      { transactionId, reason },
      false,
    ),

  aborted: (transactionId: string, details: Record<string, unknown> = {}) =>
    new PluginError(
      PluginErrorCode.TRANSACTION_FAILED,
      `Transaction '${transactionId}' is aborted by an earlier error: statements are refused until rollback`,
      { transactionId, reason: 'aborted', ...details },
      false,
    ),

  /**
   * `details.statementMessage` is the statement's own message, unwrapped, so a
   * caller can report the failure as the statement's (the host's batch splitter).
   */
  statementFailed: (transactionId: string, message: string, details: Record<string, unknown>) =>
    new PluginError(
      PluginErrorCode.TRANSACTION_FAILED,
      `Statement failed inside transaction '${transactionId}'; the transaction is aborted until rollback: ${message}`,
      { transactionId, reason: 'aborted', ...details, statementMessage: message },
      false,
    ),

  commitOfAborted: (transactionId: string) =>
    new PluginError(
      PluginErrorCode.TRANSACTION_FAILED,
      `Transaction '${transactionId}' was aborted by an earlier error, so commit rolled it back; nothing was written`,
      { transactionId, reason: 'aborted', rolledBack: true },
      false,
    ),

  commitFailed: (transactionId: string, message: string, details: Record<string, unknown>, retryable: boolean) =>
    new PluginError(
      PluginErrorCode.TRANSACTION_FAILED,
      `Transaction '${transactionId}' could not commit and was rolled back: ${message}`,
      { transactionId, reason: 'aborted', rolledBack: true, ...details },
      retryable,
    ),

  /** A statement outside any transaction handle left one open (`BEGIN`, or a script ending inside one). */
  leftOpen: () =>
    new PluginError(
      PluginErrorCode.TRANSACTION_FAILED,
      'The statement left a transaction open outside a transaction handle, so it was rolled back; use beginTransaction, or end the transaction in the same script',
      { reason: 'left-open', rolledBack: true },
      false,
    ),

  /** A statement ended the handle's transaction from inside; `outcome` is what the server says happened to it. */
  endedByStatement: (transactionId: string, outcome: TransactionOutcome = 'unknown') =>
    new PluginError(
      PluginErrorCode.TRANSACTION_FAILED,
      `A statement ended transaction '${transactionId}' from inside (${describeOutcome(outcome)}); use the commit and rollback operations`,
      { transactionId, reason: outcome === 'committed' ? 'committed' : 'aborted', outcome, rolledBack: outcome === 'rolled-back', committed: outcome === 'committed' },
      false,
    ),

  /**
   * Operation `operationIndex` of the `transaction` operation ended the
   * transaction itself: what ran before it is `outcome` (committed, rolled
   * back, prepared or unknown), the operations after it did not run.
   */
  batchEndedByStatement: (operationIndex: number, outcome: TransactionOutcome) =>
    new PluginError(
      PluginErrorCode.TRANSACTION_FAILED,
      `Operation ${operationIndex} ended the transaction from inside (${describeOutcome(outcome)}); the operations after it did not run`,
      { operationIndex, outcome, rolledBack: outcome === 'rolled-back', committed: outcome === 'committed' },
      false,
    ),

  batchFailed: (operationIndex: number, message: string, details: Record<string, unknown>, retryable: boolean) =>
    new PluginError(
      PluginErrorCode.TRANSACTION_FAILED,
      `Transaction rolled back: operation ${operationIndex} failed: ${message}`,
      { operationIndex, rolledBack: true, ...details },
      retryable,
    ),
} as const;

function describeReason(reason: TransactionReason): string {
  switch (reason) {
    case 'committed':
      return 'it was already committed';
    case 'rolled-back':
      return 'it was rolled back';
    case 'idle-timeout':
      return 'it was idle too long and was rolled back';
    case 'aborted':
      return 'it was aborted and rolled back';
    case 'worker-restarted':
      return 'the worker restarted; the transaction was rolled back';
    default:
      return 'no such transaction for this instance';
  }
}
