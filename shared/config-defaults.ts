/**
 * Every default of the plugin configuration, in one frozen place (docs/plugin-api.md#configuration).
 * Schemas and the worker read them from here; nothing else hard-codes them.
 */
export const CONFIG_DEFAULTS = Object.freeze({
  pool: Object.freeze({
    max: 10,
    min: 0,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    allowExitOnIdle: false,
  }),
  options: Object.freeze({
    /** Named server-side prepared statements; turn off behind PgBouncer in transaction mode. */
    preparedStatements: true,
    /** Independent statements pipelined on shared connections; turn off behind PgBouncer in transaction mode. */
    pipelining: true,
    /** Statement timeout (ms) when a request gives none; enforced by the server. */
    queryTimeout: 30_000,
    /** `lock_timeout` of every pooled session (ms). */
    lockTimeout: 10_000,
    /** `idle_in_transaction_session_timeout` of every pooled session (ms). */
    idleInTransactionTimeout: 300_000,
    /**
     * `client_connection_check_interval` of every pooled session (ms; PostgreSQL 14+, ignored before;
     * 0: off): a running statement whose client vanished is stopped by the server itself.
     */
    connectionCheckInterval: 1_000,
    autoReconnect: true,
    reconnectInterval: 1_000,
    maxReconnectAttempts: 5,
    /** Idle time (ms) after which an open transaction handle is rolled back. */
    transactionIdleTimeout: 60_000,
  }),
  logging: Object.freeze({
    level: 'info' as const,
    logQueries: false,
    logParameters: false,
    slowQueryThreshold: 1_000,
    logConnections: false,
  }),
  /** Distinct SQL texts per pool that get a named prepared statement; the rest run unnamed. */
  preparedStatementCacheSize: 500,
  applicationName: 'postgres-plugin',
});
