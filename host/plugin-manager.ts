import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { CONFIG_DEFAULTS } from '../shared/config-defaults';
import { Errors } from '../shared/errors';
import { PluginError } from '../shared/plugin-error';
import type { PluginConfig } from '../shared/config-schema';
import type { OperationName } from '../shared/operation-params';
import type { OperationArgs, OperationParams, OperationResult, OtherPluginName, PostgresPluginName } from '../shared/operation-types';
import { PLUGIN_NAME, type InstanceStateParams } from '../shared/protocol';
import { LOG_REDACT_PATHS, REDACTED } from '../shared/redaction';
import type { ConnectionStats } from '../shared/results';
import { MAX_TIMEOUT_MS } from '../shared/timeout-limits';
import { wireParams } from '../shared/wire-params';
import { HOST_BATCH_RECORDS, splitBatchInsert } from './batch-splitter';
import { checkExecuteOptions, checkManagerOptions, MANAGER_DEFAULTS, type ExecuteOptions, type PluginManagerOptions } from './manager-options';
import { compactRows } from './compact-rows';
import { collectConnectionStats, type ConnectionStatsView } from './connection-stats';
import { streamRows, type StreamCall, type StreamOptions, type StreamQuery } from './result-stream';
import { failed, ok, type PluginResult } from './envelope';
import { PluginCatalog, type PluginLoadReport } from './plugin-catalog';
import { checkModulePlugins, presentError } from './plugin-startup';
import { DEFAULT_RESTART_POLICY, type RestartPolicyOptions } from './restart-policy';
import type { SandboxOptions } from './sandbox';
import { WorkerBudgets } from './worker-budgets';
import type { CallBounds } from './worker-calls';
import { WorkerSlots } from './worker-slots';
import { WorkerSupervisor, type PluginDefinition, type WorkerEvent } from './worker-supervisor';
import { PluginTelemetry, workerViews } from './telemetry';

export type { PluginDefinition } from './worker-supervisor';
export type { OtherPluginName, PostgresPluginName } from '../shared/operation-types';

export type { ExecuteOptions, PluginManagerOptions } from './manager-options';

/**
 * The bundled worker: `dist/worker/main.js` beside this file's `dist/host/`
 * (or, when this file runs from source as in the tests, the built one in `dist/`).
 */
export const BUNDLED_WORKER =
  [path.join(__dirname, '..', 'worker', 'main.js'), path.join(__dirname, '..', 'dist', 'worker', 'main.js')].find((candidate) =>
    fs.existsSync(candidate),
  ) ?? path.join(__dirname, '..', 'worker', 'main.js');

/** Events: `instanceState` (InstanceStateEvent), `worker` (WorkerEvent plus plugin and tenant). */
export interface InstanceStateEvent extends InstanceStateParams {
  pluginName: string;
}

/**
 * Runs plugin operations in supervised worker processes and returns the
 * documented envelope `{ success, data | error }`; it never throws for plugin
 * errors. Emits `instanceState` and `worker` events.
 *
 * ```ts
 * const plugins = new PluginManager();
 * const res = await plugins.executePlugin('postgres-plugin', 'user-123:production-db', config, 'query', { sql: 'SELECT 1' });
 * await plugins.shutdown();
 * ```
 */
export class PluginManager extends EventEmitter {
  private readonly logger: pino.Logger;
  private readonly slots: WorkerSlots;
  private readonly budgets: WorkerBudgets;
  private readonly options: typeof MANAGER_DEFAULTS & {
    maxMemoryMb?: number;
    hostName?: string;
    restart: RestartPolicyOptions;
    sandbox?: boolean | SandboxOptions;
    maxMessageBytes?: number;
  };
  private readonly definitions: Map<string, PluginDefinition>;
  /** Last known statement timeout per instance, for deadlines of calls that send no config. */
  private readonly queryTimeouts = new Map<string, number>();
  private readonly idleSweep: NodeJS.Timeout;
  private closed = false;
  private stopping: Promise<void> | undefined;
  private readonly catalog: PluginCatalog;
  private loading: Promise<PluginLoadReport> | undefined;
  /** Spans and metrics of every call; `telemetry.snapshot()` is the plain view for hosts without OpenTelemetry. */
  readonly telemetry: PluginTelemetry;

  constructor(options: PluginManagerOptions = {}) {
    super();
    checkManagerOptions(options);
    this.logger =
      options.logger ??
      pino({ level: 'info', redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED } }, pino.destination({ dest: 2, sync: false }));
    const { logger: _l, plugins: _p, restart, pluginsDir: _d, startupConfigs: _c, services: _s, telemetry, ...rest } = options;
    this.options = {
      ...MANAGER_DEFAULTS,
      ...(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<typeof MANAGER_DEFAULTS>),
      restart: { ...DEFAULT_RESTART_POLICY, ...restart },
    };
    // Plugins found in `pluginsDir` (read, never run here) may replace the bundled one; the explicit ones win.
    this.catalog = new PluginCatalog(options, this.logger, new Set(Object.keys(options.plugins ?? {})));
    this.definitions = new Map<string, PluginDefinition>([[PLUGIN_NAME, { command: process.execPath, args: [BUNDLED_WORKER] }], ...this.catalog.definitions(), ...Object.entries(options.plugins ?? {})]);
    this.budgets = new WorkerBudgets(this.options.maxServerConnections, this.options.idleInstanceTimeoutMs);
    this.slots = new WorkerSlots(this.options.maxWorkers, (supervisor) => this.budgets.leave(supervisor));
    this.idleSweep = setInterval(() => this.options.isolation === 'tenant' && this.slots.retireIdle(this.options.workerIdleTimeoutMs), Math.min(this.options.workerIdleTimeoutMs, 30_000));
    this.idleSweep.unref();
    const stats = (plugin: string, id: string) => (this.workerPid(plugin, id) === undefined ? Promise.resolve(undefined) : this.send<ConnectionStats>(plugin, id, undefined, 'getStats', undefined, {}));
    this.telemetry = new PluginTelemetry(telemetry, { workers: () => workerViews(this.slots.supervisors), stats });
    this.on('worker', (event) => this.telemetry.onWorkerEvent(event));
  }

  /**
   * Runs `operation` for `instanceId` in the plugin's worker, starting the
   * worker on first use. `config` is sent only when the worker lacks it or it
   * changed. The call is bounded by its timeout (`params.timeout`, else the
   * config's `options.queryTimeout`) plus a grace period.
   *
   * For the postgres plugin it is typed by operation (shared/operation-types): `params`, `data`
   * and `config` follow from the name, a misspelt name, param or config key does not compile,
   * `Row` types the rows (`executePlugin<'query', User>(…)`). Other plugins: any name and params.
   */
  executePlugin<Row extends object = Record<string, unknown>>(pluginName: PostgresPluginName, instanceId: string, config: PluginConfig | undefined, operation: 'insert', params: OperationParams<'insert'> & { returning: true | string[] }, options?: ExecuteOptions): Promise<PluginResult<Row>>;
  executePlugin<O extends OperationName, Row extends object = Record<string, unknown>>(pluginName: PostgresPluginName, instanceId: string, config: PluginConfig | undefined, operation: O, ...rest: OperationArgs<O, ExecuteOptions>): Promise<PluginResult<OperationResult<O, Row>>>;
  /** The postgres plugin with the answer's type asserted by the caller (`executePlugin<T>(…)`): the name, config and param keys are still checked. */
  executePlugin<T, O extends OperationName = OperationName>(pluginName: PostgresPluginName, instanceId: string, config: PluginConfig | undefined, operation: O, params?: OperationParams<O>, options?: ExecuteOptions): Promise<PluginResult<T>>;
  /** Any other plugin (or a plugin name only known at run time): operation names and params are the plugin's own. */
  executePlugin<P extends string, T = unknown>(pluginName: OtherPluginName<P>, instanceId: string, config: Record<string, unknown> | undefined, operation: string, params?: Record<string, unknown>, options?: ExecuteOptions): Promise<PluginResult<T>>;
  executePlugin(pluginName: string, instanceId: string, config: Record<string, unknown> | undefined, operation: string, params?: Record<string, unknown>, options: ExecuteOptions = {}): Promise<PluginResult<unknown>> {
    // Never rejects: every failure is an envelope. No async frame on the way (see WorkerCalls).
    const failure = (error: unknown): PluginResult<never> => failed(presentError(pluginName, asPluginError(error)));
    try {
      checkExecuteOptions(options);
      // What JSON can't carry is refused here, with the worker's rules and paths, rather than lost on the way.
      return this.telemetry.record(pluginName, instanceId, config, operation, params, (traceparent, p) => this.send(pluginName, instanceId, config, operation, p && wireParams(operation, p), options, traceparent), failure);
    } catch (error) {
      return Promise.resolve(failure(error));
    }
  }

  /** One call to the plugin's worker (a running one gets it in this turn); never rejects. */
  private send<T>(pluginName: string, instanceId: string, config: Record<string, unknown> | undefined, operation: string, params: Record<string, unknown> | undefined, options: ExecuteOptions, traceparent?: string): Promise<PluginResult<T>> {
    if (operation === 'batchInsert' && Array.isArray(params?.records) && params.records.length > HOST_BATCH_RECORDS) {
      const execute = <R>(op: string, p: Record<string, unknown>) => this.send<R>(pluginName, instanceId, config, op, p, { ...(options.signal ? { signal: options.signal } : {}) }, traceparent);
      return splitBatchInsert(execute, params, options.onProgress).then((result) => result as PluginResult<T>, (error: unknown) => this.settled<T>(pluginName, error));
    }
    try {
      // An out-of-range timeout is the worker's to refuse; the deadline must not overflow setTimeout meanwhile.
      const timeoutMs = Math.min(this.timeoutFor(pluginName, instanceId, config, params), MAX_TIMEOUT_MS);
      const boundMs = timeoutMs + this.options.deadlineGraceMs;
      const running = this.slots.supervisors.get(this.keyFor(pluginName, instanceId));
      if (running !== undefined) return this.dispatch<T>(running, pluginName, instanceId, config, operation, params, options, { deadlineMs: boundMs, timeoutMs, traceparent });
      const started = Date.now();
      return this.supervisor(pluginName, instanceId, boundMs, options.signal).then(
        (supervisor) => this.dispatch<T>(supervisor, pluginName, instanceId, config, operation, params, options, { deadlineMs: Math.max(1, boundMs - (Date.now() - started)), timeoutMs, traceparent }),
        (error: unknown) => this.settled<T>(pluginName, error),
      );
    } catch (error) {
      return Promise.resolve(this.settled<T>(pluginName, error));
    }
  }

  /** Runs the call on `supervisor`'s worker, rows sent compact where they can be; never rejects. */
  private dispatch<T>(supervisor: WorkerSupervisor, pluginName: string, instanceId: string, config: Record<string, unknown> | undefined, operation: string, params: Record<string, unknown> | undefined, options: ExecuteOptions, bounds: CallBounds): Promise<PluginResult<T>> {
    let compact: ReturnType<typeof compactRows>;
    let sent: Promise<unknown>;
    try {
      if (options.signal) bounds.signal = options.signal;
      if (options.commitOutcome !== undefined) bounds.commitOutcome = options.commitOutcome;
      compact = compactRows(operation, params);
      sent = supervisor.execute(instanceId, config, operation, compact === undefined ? params : compact.params, bounds, options.onProgress);
    } catch (error) {
      return Promise.resolve(this.settled<T>(pluginName, error));
    }
    return sent.then(
      (data) => {
        try {
          return this.settled<T>(pluginName, undefined, (compact === undefined ? data : compact.restore(data)) as T);
        } catch (error) {
          return this.settled<T>(pluginName, error);
        }
      },
      (error: unknown) => this.settled<T>(pluginName, error),
    );
  }

  /** A call's envelope (`error` undefined: it succeeded with `data`); a worker may have become idle, so a tenant waiting for a slot looks again. */
  private settled<T>(pluginName: string, error: unknown, data?: T): PluginResult<T> {
    this.slots.changed();
    return error === undefined ? ok(data as T) : failed(presentError(pluginName, asPluginError(error)));
  }

  /** Per server over all workers: connections open, idle, busy, the budget, requests waiting; instances open and idle-closed (docs/tenants.md). */
  connectionStats(pluginName: string = PLUGIN_NAME): Promise<ConnectionStatsView> {
    return collectConnectionStats(this.options.maxServerConnections, this.slots.supervisors, pluginName);
  }

  /** Checks the plugins of `pluginsDir` once, at startup: what works, what is broken and why (see plugin-startup.ts). */
  loadPlugins(): Promise<PluginLoadReport> {
    const forget = (name: string, instanceId: string) => (this.definitions.delete(name), this.slots.retire(this.keyFor(name, instanceId)));
    return (this.loading ??= checkModulePlugins(this.catalog, this, forget));
  }

  /**
   * A result of any size in batches of rows, through a cursor, memory bounded on both sides (result-stream):
   * `for await (const rows of plugins.stream(plugin, instanceId, config, { sql, batchSize }))`; throws PluginError.
   */
  stream<Row = Record<string, unknown>>(pluginName: string, instanceId: string, config: Record<string, unknown> | undefined, query: StreamQuery, options: StreamOptions = {}): AsyncGenerator<Row[], void, undefined> {
    const call: StreamCall = (operation, params, signal) => this.executePlugin(pluginName, instanceId, config, operation, params, signal ? { signal } : {});
    return streamRows<Row>(call, query, options);
  }

  /** Stops every worker: `shutdown` (transactions rolled back, pools ended), `exit`, SIGKILL after the bound. */
  shutdown(): Promise<void> {
    // Idempotent: every call resolves when the one stop is complete.
    this.stopping ??= (async () => {
      this.closed = true;
      clearInterval(this.idleSweep);
      await this.slots.stopAll();
    })();
    return this.stopping;
  }

  /** The pid of the worker serving `instanceId` of a plugin, if one runs (for supervision and tests). */
  workerPid(pluginName: string = PLUGIN_NAME, instanceId = ''): number | undefined {
    return this.slots.supervisors.get(this.keyFor(pluginName, instanceId))?.pid;
  }

  /** Number of worker processes running, starting or stopping. */
  get workerCount(): number {
    return this.slots.processes;
  }

  private keyFor(pluginName: string, instanceId: string): string {
    if (this.options.isolation !== 'tenant') return pluginName;
    const colon = instanceId.indexOf(':');
    return `${pluginName}\u0000${colon === -1 ? instanceId : instanceId.slice(0, colon)}`;
  }

  /** The worker for `instanceId`; a new one waits (up to `waitMs`) for a free slot. */
  private supervisor(pluginName: string, instanceId: string, waitMs: number, signal: AbortSignal | undefined): Promise<WorkerSupervisor> {
    const key = this.keyFor(pluginName, instanceId);
    const existing = this.slots.supervisors.get(key);
    if (existing) return Promise.resolve(existing);
    if (this.closed) throw Errors.workerUnavailable('the plugin manager was shut down');
    const definition = this.definitions.get(pluginName);
    if (!definition) throw this.catalog.brokenError(pluginName) ?? Errors.unknownPlugin(pluginName, [...this.definitions.keys()]);
    return this.slots.acquire(key, () => this.createSupervisor(key, pluginName, definition), waitMs, () => this.closed, signal);
  }

  private createSupervisor(key: string, pluginName: string, definition: PluginDefinition): WorkerSupervisor {
    const tenant = key.includes('\u0000') ? key.slice(key.indexOf('\u0000') + 1) : undefined;
    const supervisor = new WorkerSupervisor({
      name: pluginName,
      definition,
      framing: this.options.framing,
      logger: this.logger.child({ plugin: pluginName, ...(tenant !== undefined ? { tenant } : {}) }),
      startTimeoutMs: this.options.startTimeoutMs,
      stopTimeoutMs: this.options.stopTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
      restart: this.options.restart,
      commitOutcome: this.options.commitOutcome,
      commitOutcomeTimeoutMs: this.options.commitOutcomeTimeoutMs,
      ...(this.options.maxMemoryMb !== undefined ? { maxMemoryMb: this.options.maxMemoryMb } : {}),
      ...(this.options.sandbox && definition.sandbox !== false ? { sandbox: this.options.sandbox === true ? {} : this.options.sandbox } : {}),
      ...(this.options.maxMessageBytes !== undefined ? { maxMessageBytes: this.options.maxMessageBytes } : {}),
      ...(this.options.hostName !== undefined ? { hostName: this.options.hostName } : {}),
      onInstanceState: (params) => this.emit('instanceState', { pluginName, ...params } satisfies InstanceStateEvent),
      onTimings: (timings) => this.telemetry.onTimings(timings),
      onWorkerEvent: (event: WorkerEvent) => {
        if (event.type === 'start') this.budgets.started(supervisor);
        this.emit('worker', { pluginName, ...(tenant !== undefined ? { tenant } : {}), ...event });
      },
    });
    if (pluginName === PLUGIN_NAME) this.budgets.join(supervisor);
    return supervisor;
  }

  /** Statement timeout of this call: the request's own, else the instance's configured one. */
  private timeoutFor(pluginName: string, instanceId: string, config: Record<string, unknown> | undefined, params?: Record<string, unknown>): number {
    const key = `${pluginName}\u0000${instanceId}`;
    if (config !== undefined) {
      const configured = (config.options as { queryTimeout?: unknown } | undefined)?.queryTimeout;
      this.queryTimeouts.set(key, typeof configured === 'number' && configured > 0 ? configured : CONFIG_DEFAULTS.options.queryTimeout);
    }
    const own = params?.timeout;
    if (typeof own === 'number' && own > 0) return own;
    return this.queryTimeouts.get(key) ?? CONFIG_DEFAULTS.options.queryTimeout;
  }
}

function asPluginError(error: unknown): PluginError {
  if (error instanceof PluginError) return error;
  return Errors.workerCrashed({ reason: error instanceof Error ? error.message : String(error) });
}
