import pg from 'pg';
import type { NormalizedConfig } from '../../shared/config-schema';
import { asCustomTypes } from './pg-internals';
import { jsonSafeTypes } from './type-parsers';

/**
 * The `pg.Pool` options for a normalised config. Every pooled session starts
 * with `statement_timeout`, `lock_timeout` and
 * `idle_in_transaction_session_timeout` (sent in the startup packet, so they cost
 * no round trip) so nothing the worker forgets keeps running on the server.
 */
export function poolOptionsFor(config: NormalizedConfig): pg.PoolConfig {
  const c = config.connection;
  const options: pg.PoolConfig = {
    max: config.pool.max,
    min: config.pool.min,
    idleTimeoutMillis: config.pool.idleTimeoutMillis,
    connectionTimeoutMillis: config.pool.connectionTimeoutMillis,
    allowExitOnIdle: config.pool.allowExitOnIdle,
    application_name: c.applicationName,
    statement_timeout: config.options.queryTimeout,
    lock_timeout: config.options.lockTimeout,
    idle_in_transaction_session_timeout: config.options.idleInTransactionTimeout,
    types: asCustomTypes(jsonSafeTypes),
  };
  if (config.pool.maxUses !== undefined) options.maxUses = config.pool.maxUses;
  if (c.connectionString !== undefined) options.connectionString = c.connectionString;
  if (c.host !== undefined) options.host = c.host;
  if (c.port !== undefined) options.port = c.port;
  if (c.database !== undefined) options.database = c.database;
  if (c.user !== undefined) options.user = c.user;
  if (c.password !== undefined) options.password = c.password;
  if (c.ssl !== undefined) options.ssl = c.ssl;
  return options;
}

/** Where the pool connects, for error details and logs (never the password). */
export function endpointOf(config: NormalizedConfig): { host: string; port: number; database?: string; user?: string } {
  const c = config.connection;
  let fromUrl: URL | undefined;
  if (c.connectionString !== undefined) {
    try {
      fromUrl = new URL(c.connectionString);
    } catch {
      fromUrl = undefined;
    }
  }
  const host = c.host ?? (fromUrl?.hostname || undefined) ?? 'localhost';
  const port = c.port ?? (fromUrl?.port ? Number(fromUrl.port) : 5432);
  const database = c.database ?? (fromUrl?.pathname && fromUrl.pathname.length > 1 ? decodeURIComponent(fromUrl.pathname.slice(1)) : undefined);
  const user = c.user ?? (fromUrl?.username ? decodeURIComponent(fromUrl.username) : undefined);
  const out: { host: string; port: number; database?: string; user?: string } = { host, port };
  if (database !== undefined) out.database = database;
  if (user !== undefined) out.user = user;
  return out;
}

/** The server a config connects to, `host:port`: the key of its connection budget. */
export function serverKeyOf(config: NormalizedConfig): string {
  const { host, port } = endpointOf(config);
  return `${host}:${port}`;
}

/** Every secret of a config, for scrubbing foreign error texts. */
export function secretsOf(config: NormalizedConfig): string[] {
  const c = config.connection;
  const out: string[] = [];
  if (c.password) out.push(c.password);
  if (c.connectionString) {
    out.push(c.connectionString);
    try {
      const url = new URL(c.connectionString);
      if (url.password) out.push(decodeURIComponent(url.password), url.password);
    } catch {
      // Not a URL (key=value form): the whole string is already listed.
    }
  }
  if (c.ssl && typeof c.ssl === 'object' && c.ssl.key) out.push(c.ssl.key);
  return out;
}
