import { z } from 'zod';
import { durationMsSchema } from './timeout-limits';

/**
 * Worker-wide limits (docs/tenants.md): the server-connection budget and the
 * idle-instance timeout, set by the host with `worker/limits`, and the shape
 * of the worker-wide view `worker/stats`. Declarations only.
 */

/** Defaults of a worker no host has given limits, and of `PluginManager`. */
export const WORKER_LIMIT_DEFAULTS = Object.freeze({
  /** Connections to one PostgreSQL server (host, port), summed over every instance. */
  maxServerConnections: 100,
  /** An instance with no request and no open transaction this long ends its pool and frees its memory (ms). */
  idleInstanceTimeoutMs: 300_000,
});

/** Largest budget accepted: PostgreSQL's own max_connections stops at 262,143. */
export const MAX_SERVER_CONNECTIONS = 262_143;

export const maxServerConnectionsSchema = z.number().int().min(1).max(MAX_SERVER_CONNECTIONS);

/** `worker/limits` params: each field changes that limit; absent fields stay as they are. */
export const workerLimitsParamsSchema = z
  .object({
    /** 0 is allowed here: a tenant worker the host has no share for yet opens nothing until it is raised. */
    maxServerConnections: z.number().int().min(0).max(MAX_SERVER_CONNECTIONS).optional(),
    idleInstanceTimeoutMs: durationMsSchema.optional(),
  })
  .strict();
export type WorkerLimitsParams = z.output<typeof workerLimitsParamsSchema>;

/** The plugin's connections to one server, as one worker (or, summed, the host) sees them. */
export interface ServerConnectionStats {
  /** `host:port` */
  server: string;
  /** The budget for this server: `maxServerConnections` (the worker's share of it under tenant isolation). */
  maxConnections: number;
  /** Connections that exist: opening, idle, checked out, closing. */
  open: number;
  idle: number;
  /** Checked out: a statement, a lane, a transaction handle, a COPY. */
  busy: number;
  /** Requests waiting for a connection to this server. */
  waiting: number;
  /** Instances holding connections to this server, waiting for one, or using one within the last second. */
  instances: number;
}

/** `worker/stats`: the worker-wide view. */
export interface WorkerConnectionStats {
  maxServerConnections: number;
  idleInstanceTimeoutMs: number;
  servers: ServerConnectionStats[];
  instances: {
    /** Instances with their pool and state in memory. */
    open: number;
    /** Instances closed for idling: only their configuration is kept; the next request reopens them. */
    idleClosed: number;
  };
  /** Requests waiting for a connection, over every server. */
  waiting: number;
  memory: { rssBytes: number; heapUsedBytes: number };
}
