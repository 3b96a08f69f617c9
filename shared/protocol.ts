import { z } from 'zod';
import { loggingConfigSchema } from './config-schema';

/**
 * The JSON-RPC surface of the worker (docs/protocol.md): method names, the shapes of
 * the lifecycle messages, and the JSON-RPC envelope itself. Declarations only.
 */

export const PROTOCOL_VERSION = 1;
export const PLUGIN_NAME = 'postgres-plugin';

export const Method = {
  initialize: 'initialize',
  execute: 'execute',
  shutdown: 'shutdown',
  exit: 'exit',
  discover: 'rpc.discover',
  cancelRequest: '$/cancelRequest',
  progress: '$/progress',
  instanceState: 'instance/state',
  /** Worker → host: a transaction handle ended, for any reason (commit, rollback, idle timeout, config change, close). */
  transactionEnded: 'transaction/ended',
  /** Host → worker liveness probe, answered straight from the event loop with the worker's memory reading. */
  heartbeat: '$/heartbeat',
  /** Host → worker: the worker's connection budget and idle-instance timeout; answered once it is within them. */
  workerLimits: 'worker/limits',
  /** Host → worker: the worker-wide view of connections, instances and waiting requests. */
  workerStats: 'worker/stats',
  /** Worker → host: a pooled session was opened; its backend pid and cancel key, so a host can stop its statements if the worker dies. */
  connectionOpened: 'connection/opened',
  /** Worker → host: a pooled session was closed. */
  connectionClosed: 'connection/closed',
  /** Worker → host: the server transaction id of the request that carried `outcomeToken`, sent before that transaction commits. */
  transactionXid: 'transaction/xid',
  /** Worker → host, for an `execute` that carried a `traceparent` and failed (or from a worker without `capabilities.timingsInAnswer`): what the worker measured of it, sent just before its answer. */
  timings: 'telemetry/timings',
} as const;

export const initializeParamsSchema = z
  .object({
    protocolVersion: z.literal(PROTOCOL_VERSION),
    hostName: z.string().max(200).optional(),
    logging: loggingConfigSchema.optional(),
  })
  .strict();
export type InitializeParams = z.input<typeof initializeParamsSchema>;

export interface InitializeResult {
  name: typeof PLUGIN_NAME;
  version: string;
  protocolVersion: typeof PROTOCOL_VERSION;
  operations: string[];
  capabilities: {
    framing: string[];
    cancellation: boolean;
    progress: boolean;
    preparedStatements: boolean;
    /** A traced `execute` (one with a `traceparent`) that succeeds is answered {@link TracedAnswer}: its timings in the answer, no second message. */
    timingsInAnswer?: boolean;
  };
}

/** W3C Trace Context `traceparent`, version 00, lower-case hex (https://www.w3.org/TR/trace-context/). */
export const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Instance ids: a tenant group before the first `:` (used for isolation), then the rest. */
export const instanceIdSchema = z.string().min(1).max(256);

export const executeParamsSchema = z
  .object({
    instanceId: instanceIdSchema,
    operation: z.string().min(1).max(100),
    params: z.record(z.string(), z.unknown()).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    progressToken: z.union([z.string(), z.number()]).optional(),
    /** `transaction` and `beginTransaction`: report the server transaction id under this token (`transaction/xid`). */
    outcomeToken: z.union([z.string().max(100), z.number()]).optional(),
    /** W3C trace context of the caller's span: the worker's log lines carry its trace id and it reports its timings (in the answer, see TracedAnswer). */
    traceparent: z.string().regex(TRACEPARENT, 'a W3C traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>').optional(),
  })
  .strict();
export type ExecuteParams = z.output<typeof executeParamsSchema>;

/** A JSON-RPC 2.0 message as it may arrive: request, notification or response. */
export const jsonRpcMessageSchema = z.union([
  z
    .object({
      jsonrpc: z.literal('2.0'),
      id: z.union([z.string(), z.number().int()]).optional(),
      method: z.string().min(1),
      params: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
    })
    .strict(),
  z
    .object({
      jsonrpc: z.literal('2.0'),
      id: z.union([z.string(), z.number().int(), z.null()]),
      result: z.unknown().optional(),
      error: z
        .object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() })
        .optional(),
    })
    .strict()
    .refine((m) => ('result' in m) !== ('error' in m), 'a response has exactly one of result and error'),
]);

export type InstanceState = 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface InstanceStateParams {
  instanceId: string;
  state: InstanceState;
  attempt?: number;
  error?: { code: string; message: string };
}

/** `transaction/ended`: the handle is gone from the worker; `reason` as in POSTGRES_TRANSACTION_NOT_FOUND. */
export interface TransactionEndedParams {
  instanceId: string;
  transactionId: string;
  reason: string;
}

/**
 * How a session's server was verified over TLS: what a cancel for it needs to
 * verify the same server (never the client's key: a CancelRequest is not
 * authenticated, so it needs no client certificate).
 */
export const sessionTlsSchema = z
  .object({
    rejectUnauthorized: z.boolean().optional(),
    ca: z.union([z.string(), z.array(z.string())]).optional(),
    servername: z.string().optional(),
  })
  .strict();
export type SessionTls = z.infer<typeof sessionTlsSchema>;

/**
 * `connection/opened`: a session of `instanceId`'s pool, addressed for a
 * CancelRequest (`host` a socket directory when it starts with `/`); `tls`:
 * the session runs over TLS, verified so (a cancel for it does the same), or false.
 */
export const connectionOpenedParamsSchema = z
  .object({
    instanceId: instanceIdSchema,
    backendPid: z.number().int(),
    cancelKey: z.number().int(),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535),
    tls: z.union([z.literal(false), sessionTlsSchema]),
  })
  .strict();
export type ConnectionOpenedParams = z.infer<typeof connectionOpenedParamsSchema>;

/** `connection/closed`: that session is gone. */
export const connectionClosedParamsSchema = z.object({ instanceId: instanceIdSchema, backendPid: z.number().int() }).strict();
export type ConnectionClosedParams = z.infer<typeof connectionClosedParamsSchema>;

/**
 * `transaction/xid`: the transaction of the request that carried `token` has
 * the server transaction id `xid` (`txid_current()`, as text); null when the
 * server is in recovery (it can commit no writes). Written to the pipe before
 * the worker sends that transaction's COMMIT.
 */
export interface TransactionXidParams {
  token: string | number;
  xid: string | null;
}

/** The answer to `$/heartbeat`: the worker's memory now (bytes). */
export interface HeartbeatResult {
  memory: { rss: number; heapUsed: number; heapTotal: number };
}

/**
 * What only the worker knows of one traced `execute`, in milliseconds: in the
 * answer ({@link TracedAnswer}) of a worker with `capabilities.timingsInAnswer`,
 * else (and for a failed request always) the `telemetry/timings` notification.
 * `waitMs` waiting for a pooled connection, `serverMs` from the statement's send to its answer (on a lane or a transaction handle, also its
 * wait behind the statements ahead of it), `encodeMs` writing the answer as
 * JSON, `workerMs` the whole request in the worker.
 */
export interface TimingsParams {
  traceparent: string;
  workerMs: number;
  waitMs: number;
  serverMs: number;
  encodeMs: number;
  /** Whether the request checked a connection out of the pool (`waitMs` is that wait); false on a pipelined lane or a transaction handle. Absent: taken as true. */
  checkedOut?: boolean;
}

/** The answer of a traced `execute` that succeeded, from a worker with `capabilities.timingsInAnswer`. */
export interface TracedAnswer {
  /** The operation's result, as an untraced request would have been answered. */
  result: unknown;
  timings: Omit<TimingsParams, 'traceparent'>;
}
