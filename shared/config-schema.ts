import { z } from 'zod';
import { CONFIG_DEFAULTS } from './config-defaults';
import { isKeyValueConnectionString, parseKeyValueConnectionString, type ConnectionStringFields } from './connection-string';
import { durationMsSchema, timeoutMsSchema } from './timeout-limits';

/**
 * The plugin configuration (docs/plugin-api.md#configuration). Two documented shapes are accepted, the
 * flat one (`host, port, …, max`) and the nested one (`connection`, `pool`,
 * `options`, `logging`), plus `connectionString`; both normalise to
 * {@link NormalizedConfig}. Unknown keys are rejected by name.
 */

const port = z.number().int().min(1).max(65_535);
const millis = durationMsSchema;
const positiveMillis = timeoutMsSchema;
/** The largest `options.maxResultBytes`: 1 GiB (the worker holds a result whole before it answers). */
const MAX_RESULT_BYTES = 1024 * 1024 * 1024;

export const sslConfigSchema = z.union([
  z.boolean(),
  z
    .object({
      rejectUnauthorized: z.boolean().optional(),
      ca: z.string().optional(),
      key: z.string().optional(),
      cert: z.string().optional(),
      servername: z.string().optional(),
    })
    .strict(),
]);
export type SslConfig = z.infer<typeof sslConfigSchema>;

const connectionFields = {
  host: z.string().min(1).optional(),
  port: port.optional(),
  database: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  password: z.string().optional(),
  ssl: sslConfigSchema.optional(),
  connectionString: z.string().min(1).optional(),
  applicationName: z.string().max(63).optional(),
};

const poolFields = {
  max: z.number().int().min(1).max(10_000).optional(),
  min: z.number().int().min(0).max(10_000).optional(),
  idleTimeoutMillis: millis.optional(),
  connectionTimeoutMillis: millis.optional(),
  maxUses: z.number().int().min(1).optional(),
  allowExitOnIdle: z.boolean().optional(),
};

const optionsSchema = z
  .object({
    preparedStatements: z.boolean().optional(),
    pipelining: z.boolean().optional(),
    pooler: z.enum(['detect', 'none', 'transaction']).optional(),
    queryTimeout: positiveMillis.optional(),
    lockTimeout: millis.optional(),
    idleInTransactionTimeout: millis.optional(),
    connectionCheckInterval: millis.optional(),
    autoReconnect: z.boolean().optional(),
    reconnectInterval: millis.optional(),
    maxReconnectAttempts: z.number().int().min(0).max(1_000).optional(),
    retryHostNotFound: z.boolean().optional(),
    transactionIdleTimeout: positiveMillis.optional(),
    maxResultRows: z.number().int().min(1).optional(),
    maxResultBytes: z.number().int().min(1).max(MAX_RESULT_BYTES).optional(),
    cursorIdleTimeout: positiveMillis.optional(),
    maxCursors: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

export const loggingConfigSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    logQueries: z.boolean().optional(),
    logParameters: z.boolean().optional(),
    slowQueryThreshold: millis.optional(),
    logConnections: z.boolean().optional(),
  })
  .strict();
export type LoggingConfig = z.infer<typeof loggingConfigSchema>;

/** The configuration as callers write it: flat, nested, or a mix of both. */
export const pluginConfigSchema = z
  .object({
    ...connectionFields,
    ...poolFields,
    connection: z.object(connectionFields).strict().optional(),
    pool: z.object(poolFields).strict().optional(),
    options: optionsSchema.optional(),
    logging: loggingConfigSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    // The same setting given both flat and nested is ambiguous: say so instead of guessing.
    for (const key of Object.keys(connectionFields) as (keyof typeof connectionFields)[]) {
      if (config[key] !== undefined && config.connection?.[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `given both as '${key}' and 'connection.${key}'` });
      }
    }
    for (const key of Object.keys(poolFields) as (keyof typeof poolFields)[]) {
      if (config[key] !== undefined && config.pool?.[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `given both as '${key}' and 'pool.${key}'` });
      }
    }
    checkKeyValueString(config, ctx);
    const max = config.pool?.max ?? config.max ?? CONFIG_DEFAULTS.pool.max;
    const min = config.pool?.min ?? config.min ?? CONFIG_DEFAULTS.pool.min;
    if (min > max) ctx.addIssue({ code: 'custom', path: ['pool', 'min'], message: `must not exceed pool.max (${max})` });
  });

export type PluginConfig = z.input<typeof pluginConfigSchema>;

type ConfigInput = z.output<typeof pluginConfigSchema>;

/** The key=value form of `connectionString`, read (connection-string), or undefined for a URL or none. */
function keyValueFields(config: ConfigInput): { fields: ConnectionStringFields } | { error: string } | undefined {
  const text = config.connection?.connectionString ?? config.connectionString;
  return text !== undefined && isKeyValueConnectionString(text) ? parseKeyValueConnectionString(text) : undefined;
}

/** A key=value connection string must read, and set nothing the config also sets. */
function checkKeyValueString(config: ConfigInput, ctx: z.core.$RefinementCtx<ConfigInput>): void {
  const read = keyValueFields(config);
  if (read === undefined) return;
  const at = config.connection?.connectionString !== undefined ? ['connection', 'connectionString'] : ['connectionString'];
  if ('error' in read) {
    ctx.addIssue({ code: 'custom', path: at, message: read.error });
    return;
  }
  for (const key of Object.keys(read.fields) as (keyof ConnectionStringFields)[]) {
    const nested = key === 'connectionTimeoutMillis' ? config.pool?.[key] : config.connection?.[key];
    if (config[key] !== undefined || nested !== undefined) {
      const path = config[key] !== undefined ? [key] : [key === 'connectionTimeoutMillis' ? 'pool' : 'connection', key];
      ctx.addIssue({ code: 'custom', path, message: `given both in connectionString and as '${path.join('.')}'` });
    }
  }
}

/** The one internal shape every accepted configuration becomes. */
export interface NormalizedConfig {
  connection: {
    host?: string;
    port?: number;
    database?: string;
    user?: string;
    password?: string;
    connectionString?: string;
    ssl?: SslConfig;
    applicationName: string;
  };
  pool: {
    max: number;
    min: number;
    idleTimeoutMillis: number;
    connectionTimeoutMillis: number;
    maxUses?: number;
    allowExitOnIdle: boolean;
  };
  options: {
    preparedStatements: boolean;
    /** Independent statements share connections, several in flight on each (statement-lanes). */
    pipelining: boolean;
    /** What is between the pool and the server (CONFIG_DEFAULTS.options.pooler). */
    pooler: 'detect' | 'none' | 'transaction';
    queryTimeout: number;
    lockTimeout: number;
    idleInTransactionTimeout: number;
    /** `client_connection_check_interval` (ms) on servers that have it (14+); 0: off. */
    connectionCheckInterval: number;
    autoReconnect: boolean;
    reconnectInterval: number;
    maxReconnectAttempts: number;
    /** A host name DNS does not know (ENOTFOUND) is retried like an unreachable server; by default it fails at once. */
    retryHostNotFound: boolean;
    transactionIdleTimeout: number;
    /** Results with more rows fail with POSTGRES_RESULT_TOO_LARGE; unlimited when absent. */
    maxResultRows?: number;
    /** A result (not streamed) whose values' text passes this many bytes fails with POSTGRES_RESULT_TOO_LARGE while it arrives. */
    maxResultBytes: number;
    /** Idle time (ms) after which an open cursor is closed. */
    cursorIdleTimeout: number;
    /** Cursors one instance may hold open at once. */
    maxCursors: number;
  };
  logging: {
    level: NonNullable<LoggingConfig['level']>;
    logQueries: boolean;
    logParameters: boolean;
    slowQueryThreshold: number;
    logConnections: boolean;
  };
}

/** Validated input → the normalised shape, defaults applied. */
export function normalizeConfig(config: z.output<typeof pluginConfigSchema>): NormalizedConfig {
  const c = config.connection ?? {};
  const p = config.pool ?? {};
  // A key=value connection string becomes the flat fields (pg reads only the URL form).
  const read = keyValueFields(config);
  const kv: ConnectionStringFields = read !== undefined && 'fields' in read ? read.fields : {};
  const connection: NormalizedConfig['connection'] = {
    applicationName: c.applicationName ?? config.applicationName ?? kv.applicationName ?? CONFIG_DEFAULTS.applicationName,
  };
  assignDefined(connection, 'host', c.host ?? config.host ?? kv.host);
  assignDefined(connection, 'port', c.port ?? config.port ?? kv.port);
  assignDefined(connection, 'database', c.database ?? config.database ?? kv.database);
  assignDefined(connection, 'user', c.user ?? config.user ?? kv.user);
  assignDefined(connection, 'password', c.password ?? config.password ?? kv.password);
  if (read === undefined) assignDefined(connection, 'connectionString', c.connectionString ?? config.connectionString);
  assignDefined(connection, 'ssl', c.ssl ?? config.ssl ?? kv.ssl);
  const pool: NormalizedConfig['pool'] = {
    max: p.max ?? config.max ?? CONFIG_DEFAULTS.pool.max,
    min: p.min ?? config.min ?? CONFIG_DEFAULTS.pool.min,
    idleTimeoutMillis: p.idleTimeoutMillis ?? config.idleTimeoutMillis ?? CONFIG_DEFAULTS.pool.idleTimeoutMillis,
    connectionTimeoutMillis:
      p.connectionTimeoutMillis ?? config.connectionTimeoutMillis ?? kv.connectionTimeoutMillis ?? CONFIG_DEFAULTS.pool.connectionTimeoutMillis,
    allowExitOnIdle: p.allowExitOnIdle ?? config.allowExitOnIdle ?? CONFIG_DEFAULTS.pool.allowExitOnIdle,
  };
  assignDefined(pool, 'maxUses', p.maxUses ?? config.maxUses);
  return {
    connection,
    pool,
    options: { ...CONFIG_DEFAULTS.options, ...stripUndefined(config.options ?? {}) },
    logging: { ...CONFIG_DEFAULTS.logging, ...stripUndefined(config.logging ?? {}) },
  };
}

function assignDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
