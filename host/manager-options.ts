import type pino from 'pino';
import { z } from 'zod';
import { durationMsSchema, marginMsSchema, timeoutMsSchema } from '../shared/timeout-limits';
import type { Framing } from '../shared/transport/framing';
import { invalidParams, parseOrThrow } from '../shared/validation';
import { maxServerConnectionsSchema, WORKER_LIMIT_DEFAULTS } from '../shared/worker-limits';
import type { PluginFolderOptions } from './plugin-catalog';
import type { RestartPolicyOptions } from './restart-policy';
import type { SandboxOptions } from './sandbox';
import type { TelemetryOptions } from './telemetry';
import type { PluginDefinition } from './worker-supervisor';

export interface PluginManagerOptions extends PluginFolderOptions {
  /** Host logger; worker logs are re-emitted through it. Default: pino on stderr at `info`. */
  logger?: pino.Logger;
  /** Extra or replacement plugins by name; `postgres-plugin` is always known. */
  plugins?: Record<string, PluginDefinition>;
  /** `plugin` (default): one worker per plugin. `tenant`: one per tenant (the instanceId before `:`). */
  isolation?: 'plugin' | 'tenant';
  /** Most worker processes at once, stopping ones included; a new tenant waits (within its deadline) for an idle one to retire. */
  maxWorkers?: number;
  /** Most connections to one server (host, port) over every instance and worker (divided among them); default 100. */
  maxServerConnections?: number;
  /** An instance with no request and no open transaction this long ends its pool and frees its memory (ms; 0: never). Default 5 minutes. */
  idleInstanceTimeoutMs?: number;
  /** An idle tenant worker (no request, no open transaction) is stopped after this long (ms). */
  workerIdleTimeoutMs?: number;
  /** V8 heap cap per worker (MB): a runaway result kills only that worker. */
  maxMemoryMb?: number;
  framing?: Framing;
  /** Bound on spawn → initialize answered (ms). */
  startTimeoutMs?: number;
  /** Bound on a graceful worker stop before SIGKILL (ms). */
  stopTimeoutMs?: number;
  /** Added to a request's timeout before the host gives up on it (ms). */
  deadlineGraceMs?: number;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  restart?: Partial<RestartPolicyOptions>;
  hostName?: string;
  /**
   * Start workers sandboxed: Node's permission model (read only its own
   * package, no file writes, no child processes, worker threads allowed) and a
   * minimal allow-listed environment, so no secret of the host leaks in.
   */
  sandbox?: boolean | SandboxOptions;
  /** Largest JSON-RPC message a worker accepts, checked before parsing (bytes; default 64 MiB). */
  maxMessageBytes?: number;
  /**
   * Learn each transaction's server id with its BEGIN (default true), so a `transaction` call or a
   * handle's `commit` whose worker dies answers `details.outcome`: `committed`, `rolled-back`, or
   * `unknown` when the server can't be asked within `commitOutcomeTimeoutMs`.
   */
  commitOutcome?: boolean;
  /** Bound on finding out the outcome of a transaction whose worker died (ms; default 5000). */
  commitOutcomeTimeoutMs?: number;
  /** Tracing and metrics through @opentelemetry/api (no-op until the application registers an SDK): docs/observability.md. */
  telemetry?: TelemetryOptions;
}

/** Per-call options of `executePlugin`. */
export interface ExecuteOptions {
  /** Abort → the statement is cancelled on the server and the call answers POSTGRES_QUERY_CANCELLED. */
  signal?: AbortSignal;
  /** Progress of long operations (e.g. batchInsert): called with rows done and the total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * For a `transaction` or `beginTransaction` call, and a handle's `commit`: whether a crash of the
   * worker answers the transaction's outcome (its server id is learned with BEGIN). Default: the
   * manager's `commitOutcome`. `false` suits a transaction that is safe to apply twice; a handle
   * begun with `false` answers `outcome: "unknown"` on a crash during its `commit`.
   */
  commitOutcome?: boolean;
}

const EXECUTE_OPTIONS = z.object({
  signal: z.instanceof(AbortSignal).optional(),
  onProgress: z.function().optional(),
  commitOutcome: z.boolean().optional(),
});

/** Checks a call's options (`POSTGRES_INVALID_PARAMS` naming the option); a call without any costs nothing. */
export function checkExecuteOptions(options: ExecuteOptions): void {
  for (const _ in options) {
    parseOrThrow(EXECUTE_OPTIONS, options, 'options');
    return;
  }
}

/** Every default of `PluginManager`, in one frozen place. */
export const MANAGER_DEFAULTS = Object.freeze({
  isolation: 'plugin' as 'plugin' | 'tenant',
  maxWorkers: 16,
  workerIdleTimeoutMs: 300_000,
  ...WORKER_LIMIT_DEFAULTS,
  framing: 'content-length' as Framing,
  startTimeoutMs: 10_000,
  stopTimeoutMs: 2_000,
  deadlineGraceMs: 1_000,
  heartbeatIntervalMs: 5_000,
  heartbeatTimeoutMs: 3_000,
  commitOutcome: true,
  commitOutcomeTimeoutMs: 5_000,
});

/** Every timing option is a timer's delay, and the deadline grace is added to timeouts: bounded so none overflows setTimeout. */
const TIMING_BOUNDS = z.object({
  ...Object.fromEntries(['startTimeoutMs', 'stopTimeoutMs', 'heartbeatIntervalMs', 'heartbeatTimeoutMs', 'workerIdleTimeoutMs', 'commitOutcomeTimeoutMs'].map((k) => [k, timeoutMsSchema.optional()])),
  deadlineGraceMs: marginMsSchema.optional(),
  idleInstanceTimeoutMs: durationMsSchema.optional(),
  maxServerConnections: maxServerConnectionsSchema.optional(),
  restart: z.object(Object.fromEntries(['windowMs', 'baseDelayMs', 'maxDelayMs', 'circuitOpenMs'].map((k) => [k, durationMsSchema.optional()]))).optional(),
});

/** Checks the options (`POSTGRES_INVALID_PARAMS` naming the option): timers bounded, a budget for every tenant worker. */
export function checkManagerOptions(options: PluginManagerOptions): void {
  parseOrThrow(TIMING_BOUNDS, options, 'options');
  const maxWorkers = options.maxWorkers ?? MANAGER_DEFAULTS.maxWorkers;
  if (options.isolation === 'tenant' && (options.maxServerConnections ?? MANAGER_DEFAULTS.maxServerConnections) < maxWorkers) {
    // Every tenant worker needs at least one connection of the budget.
    throw invalidParams([{ path: 'options.maxServerConnections', message: `must be at least options.maxWorkers (${maxWorkers}) with isolation 'tenant'` }]);
  }
}
