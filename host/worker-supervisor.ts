import { Errors } from '../shared/errors';
import { Method, type InstanceStateParams, type TimingsParams, type TransactionEndedParams } from '../shared/protocol';
import { callOutcome, type CommitOutcome } from './commit-outcome';
import { crashReport, exitReason, type CrashReport, type WorkerExitReason } from './crash-report';
import { Heartbeat } from './heartbeat';
import type { WorkerExitedError } from './host-errors';
import type { InFlightCall } from './in-flight-calls';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy';
import { launchOptions, type LaunchSettings } from './worker-launch';
import { WorkerCalls, type CallBounds } from './worker-calls';
import { WorkerProcess } from './worker-process';
import { WorkerSessions, type CancelSummary } from './worker-sessions';
import { XidJournalFile } from './xid-journal-file';

export type { PluginDefinition } from './plugin-definition';

export interface SupervisorOptions extends LaunchSettings {
  name: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  restart: RestartPolicyOptions;
  /** Learn server transaction ids, so a transaction whose worker dies mid-commit answers its outcome. */
  commitOutcome: boolean;
  /** Bound on finding that outcome out (ms). */
  commitOutcomeTimeoutMs: number;
  onInstanceState: (params: InstanceStateParams) => void;
  onWorkerEvent: (event: WorkerEvent) => void;
  /** The worker's timings of a traced request, from its answer or `telemetry/timings` (host/telemetry). */
  onTimings?: (params: TimingsParams) => void;
}

export type WorkerEvent =
  | { type: 'start'; pid: number | undefined; generation: number }
  | {
      type: 'exit';
      pid: number | undefined;
      generation: number;
      expected: boolean;
      exitCode: number | null;
      signal: string | null;
      reason: WorkerExitReason;
      /** Present when the worker died (any reason but a clean shutdown). */
      report?: CrashReport;
    }
  | { type: 'unresponsive'; pid: number | undefined; generation: number }
  | ({ type: 'sessions-cancelled'; pid: number | undefined; generation: number } & CancelSummary)
  | { type: 'circuit-open'; retryAt: number | undefined }
  | { type: 'circuit-closed' };

/** Bound on one CancelRequest sent for a dead worker's session. */
const CANCEL_TIMEOUT_MS = 1_000;
/** `txid_status` of a transaction id, asked of a live worker. */
const TXID_STATUS_SQL = 'SELECT txid_status($1::bigint)';

/**
 * Keeps one worker process alive: starts it (bounded), restarts it after an
 * unexpected exit with backoff, opens a circuit on crash loops, kills it when
 * its event loop stops answering heartbeats. Tracks what each worker
 * generation knows (configs, transaction ids) so nothing is silently replayed.
 * When a worker dies it cancels the server sessions it had open, reports what
 * it had in flight, and finds out the outcome of transactions caught mid-commit.
 */
export class WorkerSupervisor {
  private worker: WorkerProcess | undefined;
  private starting: Promise<WorkerProcess> | undefined;
  private generation = 0;
  private readonly policy: RestartPolicy;
  private readonly work: WorkerCalls;
  private readonly heartbeat: Heartbeat;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.work = new WorkerCalls({ commitOutcome: options.commitOutcome, onTimings: options.onTimings, outcomeOf: (call, transactionId) => this.outcomeOf(call, transactionId) });
    this.policy = new RestartPolicy(options.restart);
    this.heartbeat = new Heartbeat(options.heartbeatIntervalMs, options.heartbeatTimeoutMs);
  }

  /** Calls sent or waiting for a worker, not yet answered. */
  get inFlight(): number {
    return this.work.count;
  }

  /** When a call was last made or answered (ms since the epoch). */
  get lastUsed(): number {
    return this.work.lastUsed;
  }

  get pid(): number | undefined {
    return this.worker?.pid;
  }

  /** Open transaction handles this host knows of in the current worker. */
  get openTransactions(): number {
    return this.work.ledger.openIn(this.generation);
  }

  /** Runs one `execute` on the worker (see WorkerCalls). Rejects with a PluginError. */
  execute<T>(
    instanceId: string,
    config: Record<string, unknown> | undefined,
    operation: string,
    params: Record<string, unknown> | undefined,
    bounds: CallBounds,
    onProgress?: (done: number, total: number) => void,
  ): Promise<T> {
    const { work } = this;
    const call = work.begin(instanceId, operation, params, onProgress, bounds.commitOutcome);
    if (this.worker !== undefined) return work.send<T>(this.worker, this.generation, call, config, bounds);
    return this.ensureStarted().then(
      (worker) => work.send<T>(worker, this.generation, call, config, bounds),
      (error: unknown) => {
        work.release(call);
        throw error;
      },
    );
  }

  /** Graceful stop (shutdown → exit → SIGKILL after the bound); no restart follows. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.heartbeat.stop();
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
    this.worker?.kill('killed');
  }

  /** What became of the transaction of a call whose worker died (see callOutcome). */
  private outcomeOf(call: InFlightCall, transactionId: string | undefined): Promise<CommitOutcome | undefined> {
    const config = this.work.configs.last(call.instanceId);
    // After shutdown() no worker will answer: unknown at once (null), not after the bound.
    const ask = (xid: string, timeoutMs: number) =>
      this.stopped ? null : this.execute<unknown>(call.instanceId, config, 'queryValue', { sql: TXID_STATUS_SQL, params: [xid], timeout: timeoutMs }, { deadlineMs: timeoutMs + 200, timeoutMs });
    const handleXid = call.operation === 'commit' && transactionId !== undefined ? this.work.ledger.xidOf(transactionId) : undefined;
    return callOutcome(call, handleXid, ask, this.options.commitOutcomeTimeoutMs);
  }

  private ensureStarted(): Promise<WorkerProcess> {
    if (this.stopped) return Promise.reject(Errors.workerUnavailable('the plugin manager was shut down'));
    const now = Date.now();
    const circuit = this.policy.state(now);
    if (circuit === 'open') {
      const retryAt = this.policy.retryAt;
      return Promise.reject(Errors.workerUnavailable('the worker keeps failing; the circuit is open', { retryAt: retryAt === undefined ? undefined : new Date(retryAt).toISOString() }));
    }
    return (this.starting ??= this.start(circuit === 'half-open' ? 0 : this.policy.nextDelay(now)));
  }

  private async start(delayMs: number): Promise<WorkerProcess> {
    try {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const { options } = this;
      const journal = options.commitOutcome ? new XidJournalFile() : undefined;
      const worker = new WorkerProcess(launchOptions(options, journal));
      const sessions = new WorkerSessions();
      worker.onNotification(Method.instanceState, (params) => options.onInstanceState(params as InstanceStateParams));
      for (const [method, handler] of Object.entries(options.definition.requestHandlers ?? {})) worker.onRequest(method, handler);
      // The worker ends handles on its own too (idle timeout, a config change, closeAllConnections):
      // they stop counting as open, so the worker can be retired when idle.
      worker.onNotification(Method.transactionEnded, (params) => {
        const id = (params as Partial<TransactionEndedParams> | undefined)?.transactionId;
        if (typeof id === 'string' && this.worker === worker) this.work.ledger.ended(id);
      });
      worker.onNotification(Method.progress, (params) => this.work.progress.report(params));
      if (options.onTimings) worker.onNotification(Method.timings, (params) => options.onTimings!(params as TimingsParams));
      worker.onNotification(Method.connectionOpened, (params) => sessions.opened(params));
      worker.onNotification(Method.connectionClosed, (params) => sessions.closed(params));
      worker.onNotification(Method.transactionXid, (params) => this.work.inFlight.xidReported(params));
      try {
        await worker.start();
      } catch (error) {
        journal?.close();
        this.policy.recordFailure(Date.now());
        this.afterFailure();
        throw Errors.workerUnavailable(`worker failed to start: ${(error as Error).message}`, { stderr: worker.stderrTail.slice(-5) });
      }
      if (this.stopped) {
        await worker.stop();
        journal?.close();
        throw Errors.workerUnavailable('the plugin manager was shut down');
      }
      const wasOpen = this.policy.state(Date.now()) !== 'closed';
      this.policy.recordHealthyStart(Date.now());
      if (wasOpen && this.policy.state(Date.now()) === 'closed') options.onWorkerEvent({ type: 'circuit-closed' });
      this.generation++;
      this.work.configs.forgetTexts();
      this.worker = worker;
      worker.onExit((exit) => this.onExit(worker, sessions, exit, journal));
      this.heartbeat.start(worker, () => this.unresponsive(worker));
      options.onWorkerEvent({ type: 'start', pid: worker.pid, generation: this.generation });
      return worker;
    } finally {
      this.starting = undefined;
    }
  }

  private unresponsive(worker: WorkerProcess): void {
    if (this.worker !== worker) return;
    this.options.logger.error({ pid: worker.pid, heartbeatTimeoutMs: this.options.heartbeatTimeoutMs }, 'worker event loop unresponsive; killing it');
    this.options.onWorkerEvent({ type: 'unresponsive', pid: worker.pid, generation: this.generation });
    worker.kill('heartbeat');
  }

  private onExit(worker: WorkerProcess, sessions: WorkerSessions, exit: WorkerExitedError, journal: XidJournalFile | undefined): void {
    // What the worker journaled for the calls it leaves unanswered, read before they are failed.
    if (journal) this.work.inFlight.readJournal(worker, journal);
    journal?.close();
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.work.configs.forgetTexts();
    this.heartbeat.stop();
    const expected = this.stopped;
    const { generation } = this;
    const reason = exitReason(worker.killedFor, expected, exit.exitCode, worker.stderrTail);
    const died = reason !== 'shutdown';
    const report = died ? crashReport(reason, exit, this.work.inFlight.summaries(worker), this.heartbeat.lastReading, worker.stderrTail) : undefined;
    // Its statements would run on in the server until they next wrote to the vanished client.
    if (died && sessions.size > 0) this.cancelSessions(worker, sessions, generation);
    this.options.onWorkerEvent({
      type: 'exit',
      pid: worker.pid,
      generation,
      expected,
      exitCode: exit.exitCode,
      signal: exit.signal,
      reason,
      ...(report ? { report } : {}),
    });
    if (report) this.options.logger.error({ pid: worker.pid, crash: report }, `worker died (${reason})${expected ? '' : '; restarting'}`);
    if (expected) return;
    this.policy.recordFailure(Date.now());
    this.afterFailure();
  }

  private cancelSessions(worker: WorkerProcess, sessions: WorkerSessions, generation: number): void {
    void sessions.cancelAll(this.work.inFlight.instancesOn(worker), CANCEL_TIMEOUT_MS).then((summary) => {
      this.options.onWorkerEvent({ type: 'sessions-cancelled', pid: worker.pid, generation, ...summary });
      this.options.logger[summary.failed > 0 ? 'warn' : 'debug']({ pid: worker.pid, ...summary }, 'cancelled the dead worker’s server sessions');
    });
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
}
