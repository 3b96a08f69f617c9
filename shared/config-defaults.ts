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
    /** Idle pooled connections do not hold the process: a script that forgets disconnect() still exits (the worker is held by its stdin). */
    allowExitOnIdle: true,
  }),
  options: Object.freeze({
    /** Named server-side prepared statements (never used behind a transaction pooler, see `pooler`). */
    preparedStatements: true,
    /** Independent statements pipelined on shared connections (never used behind a transaction pooler, see `pooler`). */
    pipelining: true,
    /**
     * What sits between the pool and PostgreSQL. `detect`: a connection whose
     * backend the server does not confirm (a proxy such as PgBouncer), or a
     * server that refuses the session settings at connect, is treated as a
     * transaction pooler. `none`: sessions are the server's own (direct, or a
     * session-mode pooler). `transaction`: a transaction or statement pooler.
     */
    pooler: 'detect' as 'detect' | 'none' | 'transaction',
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
    /** ENOTFOUND is a misspelt or unknown host far more often than a passing DNS hiccup (that is EAI_AGAIN, always retried). */
    retryHostNotFound: false,
    /** Idle time (ms) after which an open transaction handle is rolled back. */
    transactionIdleTimeout: 60_000,
    /**
     * Bytes of a result's values (as PostgreSQL sends their text) past which a plain, not
     * streamed, result fails with POSTGRES_RESULT_TOO_LARGE while it arrives: 32 MiB.
     * Larger results are read with a cursor (openCursor / fetch, PluginManager.stream).
     */
    maxResultBytes: 32 * 1024 * 1024,
    /** Idle time (ms) after which an open cursor is closed and its connection returned. */
    cursorIdleTimeout: 60_000,
    /** Cursors one instance may hold open at once; each holds a connection (or its transaction's). */
    maxCursors: 16,
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
