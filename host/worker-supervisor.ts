import type pino from 'pino';
import { PluginErrorCode } from '../shared/error-codes';
import { Errors, TransactionErrors } from '../shared/errors';
import { PluginError } from '../shared/plugin-error';
import { Method, type InstanceStateParams, type TimingsParams, type TransactionEndedParams } from '../shared/protocol';
import type { Framing } from '../shared/transport/framing';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy';
import { nodeLaunch, type SandboxOptions } from './sandbox';
import { WorkerProcess, type RequestOptions } from './worker-process';
import type { WorkerExitedError } from './host-errors';

import type { PluginDefinition } from './plugin-definition';
export type { PluginDefinition } from './plugin-definition';

export interface SupervisorOptions {
  name: string;
  definition: PluginDefinition;
  framing: Framing;
  logger: pino.Logger;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  restart: RestartPolicyOptions;
  /** V8 heap cap of the worker (node workers only). */
  maxMemoryMb?: number;
  /** Run the worker under Node's permission model with a minimal environment (node workers only). */
  sandbox?: SandboxOptions;
  /** Largest message the worker accepts (bytes). */
  maxMessageBytes?: number;
  hostName?: string;
  onInstanceState: (params: InstanceStateParams) => void;
  onWorkerEvent: (event: WorkerEvent) => void;
  /** `telemetry/timings` of a traced request (host/telemetry). */
  onTimings?: (params: TimingsParams) => void;
}

export type WorkerEvent =
  | { type: 'start'; pid: number | undefined; generation: number }
  | { type: 'exit'; pid: number | undefined; generation: number; expected: boolean; exitCode: number | null; signal: string | null }
  | { type: 'unresponsive'; pid: number | undefined; generation: number }
  | { type: 'circuit-open'; retryAt: number | undefined }
  | { type: 'circuit-closed' };

/** Bound on remembered transaction ids (for `worker-restarted` answers). */
const REMEMBERED_TRANSACTIONS = 10_000;

/**
 * Keeps one worker process alive: starts it (bounded), restarts it after an
 * unexpected exit with backoff, opens a circuit on crash loops, kills it when
 * its event loop stops answering heartbeats. Tracks what each worker
 * generation knows (configs, transaction ids) so nothing is silently replayed.
 */
export class WorkerSupervisor {
  private worker: WorkerProcess | undefined;
  private starting: Promise<WorkerProcess> | undefined;
  private generation = 0;
  private readonly policy: RestartPolicy;
  private readonly configs = new Map<string, string>();
  private readonly transactions = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  inFlight = 0;
  lastUsed = Date.now();
  private readonly progress = new Map<string, (done: number, total: number) => void>();
  private progressCounter = 0;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = new RestartPolicy(options.restart);
  }

  get pid(): number | undefined {
    return this.worker?.pid;
  }

  /** Open transaction handles this host knows of in the current worker. */
  get openTransactions(): number {
    let n = 0;
    for (const generation of this.transactions.values()) if (generation === this.generation) n++;
    return n;
  }

  /** Runs one `execute` on the worker. Rejects with a PluginError. */
  async execute<T>(
    instanceId: string,
    config: Record<string, unknown> | undefined,
    operation: string,
    params: Record<string, unknown> | undefined,
    bounds: RequestOptions & { traceparent?: string | undefined },
    onProgress?: (done: number, total: number) => void,
  ): Promise<T> {
    this.inFlight++;
    const progressToken = onProgress ? `p${++this.progressCounter}` : undefined;
    if (progressToken) this.progress.set(progressToken, onProgress!);
    this.lastUsed = Date.now();
    try {
      const worker = this.worker ?? (await this.ensureStarted());
      const transactionId = typeof params?.transactionId === 'string' ? params.transactionId : undefined;
      if (transactionId !== undefined) {
        const generation = this.transactions.get(transactionId);
        if (generation !== undefined && generation !== this.generation) {
          this.transactions.delete(transactionId);
          throw TransactionErrors.notFound(transactionId, 'worker-restarted');
        }
      }
      const raw = config === undefined ? undefined : JSON.stringify(config);
      const sendConfig = raw !== undefined && this.configs.get(instanceId) !== raw;
      const request: Record<string, unknown> = bounds.traceparent === undefined ? { instanceId, operation } : { instanceId, operation, traceparent: bounds.traceparent };
      if (params !== undefined) request.params = params;
      if (progressToken) request.progressToken = progressToken;
      if (sendConfig) {
        request.config = config;
        this.configs.set(instanceId, raw);
      }
      const generation = this.generation;
      try {
        const result = await worker.request<T>(Method.execute, request, bounds);
        this.track(operation, transactionId, result, generation);
        return result;
      } catch (error) {
        // The worker may have refused the config: send it again next time.
        if (sendConfig && this.configs.get(instanceId) === raw) this.configs.delete(instanceId);
        if (transactionId !== undefined && isFinal(operation, error)) this.transactions.delete(transactionId);
        throw error;
      }
    } finally {
      this.inFlight--;
      this.lastUsed = Date.now();
      if (progressToken) this.progress.delete(progressToken);
    }
  }

  /** Graceful stop (shutdown → exit → SIGKILL after the bound); no restart follows. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeat();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    await worker?.stop();
  }

  /** Sends `method` to the running worker (worker-wide requests such as `worker/limits`); rejects when none runs. */
  request<T>(method: string, params: unknown): Promise<T> {
    return this.worker ? this.worker.request<T>(method, params) : Promise.reject(Errors.workerUnavailable('no worker is running'));
  }

  /** SIGKILL the current worker (tests, memory caps); the supervisor restarts it. */
  kill(): void {
    this.worker?.kill();
  }

  private ensureStarted(): Promise<WorkerProcess> {
    if (this.stopped) return Promise.reject(Errors.workerUnavailable('the plugin manager was shut down'));
    const now = Date.now();
    const circuit = this.policy.state(now);
    if (circuit === 'open') {
      const retryAt = this.policy.retryAt;
      return Promise.reject(
        Errors.workerUnavailable('the worker keeps failing; the circuit is open', {
          retryAt: retryAt === undefined ? undefined : new Date(retryAt).toISOString(),
        }),
      );
    }
    return (this.starting ??= this.start(circuit === 'half-open' ? 0 : this.policy.nextDelay(now)));
  }

  private async start(delayMs: number): Promise<WorkerProcess> {
    try {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const { options } = this;
      const { nodeFlags, env } = nodeLaunch(options.definition, options.maxMemoryMb, options.sandbox);
      const workerArgs = ['--framing', options.framing];
      if (options.maxMessageBytes !== undefined) workerArgs.push('--max-message-bytes', String(options.maxMessageBytes));
      const worker = new WorkerProcess({
        command: options.definition.command,
        args: [...nodeFlags, ...options.definition.args, ...workerArgs],
        framing: options.framing,
        ...(env ? { env } : {}),
        logger: options.logger,
        startTimeoutMs: options.startTimeoutMs,
        stopTimeoutMs: options.stopTimeoutMs,
        ...(options.hostName ? { hostName: options.hostName } : {}),
        ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
      });
      worker.onNotification(Method.instanceState, (params) => options.onInstanceState(params as InstanceStateParams));
      for (const [method, handler] of Object.entries(options.definition.requestHandlers ?? {})) worker.onRequest(method, handler);
      if (options.onTimings) worker.onNotification(Method.timings, (params) => options.onTimings!(params as TimingsParams));
      // The worker ends handles on its own too (idle timeout, a config change, closeAllConnections):
      // they stop counting as open, so the worker can be retired when idle.
      worker.onNotification(Method.transactionEnded, (params) => {
        const id = (params as Partial<TransactionEndedParams> | undefined)?.transactionId;
        if (typeof id === 'string' && this.worker === worker) this.transactions.delete(id);
      });
      worker.onNotification(Method.progress, (params) => {
        const p = params as { token?: string; value?: { done?: number; total?: number } };
        const listener = p.token === undefined ? undefined : this.progress.get(p.token);
        if (listener && typeof p.value?.done === 'number' && typeof p.value.total === 'number') listener(p.value.done, p.value.total);
      });
      try {
        await worker.start();
      } catch (error) {
        this.policy.recordFailure(Date.now());
        this.afterFailure();
        throw Errors.workerUnavailable(`worker failed to start: ${(error as Error).message}`, { stderr: worker.stderrTail.slice(-5) });
      }
      if (this.stopped) {
        await worker.stop();
        throw Errors.workerUnavailable('the plugin manager was shut down');
      }
      const wasOpen = this.policy.state(Date.now()) !== 'closed';
      this.policy.recordHealthyStart(Date.now());
      if (wasOpen && this.policy.state(Date.now()) === 'closed') options.onWorkerEvent({ type: 'circuit-closed' });
      this.generation++;
      this.configs.clear();
      this.worker = worker;
      worker.onExit((exit) => this.onExit(worker, exit));
      this.startHeartbeat(worker);
      options.onWorkerEvent({ type: 'start', pid: worker.pid, generation: this.generation });
      return worker;
    } finally {
      this.starting = undefined;
    }
  }

  private onExit(worker: WorkerProcess, exit: WorkerExitedError): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.configs.clear();
    this.stopHeartbeat();
    const expected = this.stopped;
    this.options.onWorkerEvent({
      type: 'exit',
      pid: worker.pid,
      generation: this.generation,
      expected,
      exitCode: exit.exitCode,
      signal: exit.signal,
    });
    if (expected) return;
    this.options.logger.warn({ pid: worker.pid, exitCode: exit.exitCode, signal: exit.signal }, 'worker exited unexpectedly; restarting');
    this.policy.recordFailure(Date.now());
    this.afterFailure();
  }

  /** After a failure: open the circuit, or restart eagerly (after the backoff) so the next request finds a worker. */
  private afterFailure(): void {
    const now = Date.now();
    if (this.policy.state(now) === 'open') {
      this.options.onWorkerEvent({ type: 'circuit-open', retryAt: this.policy.retryAt });
      return;
    }
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.worker && !this.stopped) this.ensureStarted().catch(() => undefined);
    }, 0);
    this.restartTimer.unref();
  }

  private startHeartbeat(worker: WorkerProcess): void {
    this.stopHeartbeat();
    const { heartbeatIntervalMs, heartbeatTimeoutMs } = this.options;
    this.heartbeat = setInterval(() => {
      worker.request(Method.heartbeat, null, { deadlineMs: heartbeatTimeoutMs }).catch((error: PluginError) => {
        if (this.worker !== worker || error.code !== PluginErrorCode.QUERY_TIMEOUT) return;
        this.options.logger.error({ pid: worker.pid, heartbeatTimeoutMs }, 'worker event loop unresponsive; killing it');
        this.options.onWorkerEvent({ type: 'unresponsive', pid: worker.pid, generation: this.generation });
        worker.kill();
      });
    }, heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private track(operation: string, transactionId: string | undefined, result: unknown, generation: number): void {
    if (operation === 'beginTransaction') {
      const id = (result as { transactionId?: unknown } | null)?.transactionId;
      if (typeof id === 'string') {
        this.transactions.set(id, generation);
        if (this.transactions.size > REMEMBERED_TRANSACTIONS) this.transactions.delete(this.transactions.keys().next().value!);
      }
    } else if ((operation === 'commit' || operation === 'rollback') && transactionId !== undefined) {
      this.transactions.delete(transactionId);
    }
  }
}

/** After these, the worker no longer holds the transaction. */
function isFinal(operation: string, error: unknown): boolean {
  const code = (error as PluginError).code;
  return operation === 'commit' || operation === 'rollback' || code === PluginErrorCode.TRANSACTION_NOT_FOUND;
}
