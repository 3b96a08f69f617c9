import { PluginErrorCode } from '../shared/error-codes';
import { Errors } from '../shared/errors';
import type { PluginError } from '../shared/plugin-error';
import { Method, type TimingsParams } from '../shared/protocol';
import type { CommitOutcome } from './commit-outcome';
import { InFlightCalls, type InFlightCall } from './in-flight-calls';
import { ProgressListeners } from './progress-listeners';
import { SentConfigs } from './sent-configs';
import { TransactionLedger } from './transaction-ledger';
import type { RequestOptions, WorkerProcess } from './worker-process';

/** A call's bounds, trace context and per-call choice of learning its transaction's id (ExecuteOptions.commitOutcome). */
export type CallBounds = RequestOptions & { traceparent?: string | undefined; commitOutcome?: boolean | undefined };

export interface WorkerCallsOptions {
  /** Learn server transaction ids (`outcomeToken`), so a transaction whose worker dies mid-commit answers its outcome. */
  commitOutcome: boolean;
  /** The worker's timings of a traced call (host/telemetry). */
  onTimings?: ((params: TimingsParams) => void) | undefined;
  /** What became of the transaction of a call whose worker died. */
  outcomeOf: (call: InFlightCall, transactionId: string | undefined) => Promise<CommitOutcome | undefined>;
}

/**
 * The `execute` calls a supervisor sends to its worker and what they leave
 * behind: the calls in flight (for crash reports, transaction ids, progress),
 * the configs each worker was sent, the transaction handles. A call to a
 * running worker is sent in the turn it is made, and each call costs one
 * promise of its own and no async frame: under an AsyncLocalStorage context
 * manager (an OpenTelemetry SDK) every promise costs hook calls.
 */
export class WorkerCalls {
  readonly configs = new SentConfigs();
  readonly ledger = new TransactionLedger();
  readonly inFlight = new InFlightCalls();
  readonly progress = new ProgressListeners();
  /** Calls begun and not yet settled. */
  count = 0;
  lastUsed = Date.now();

  constructor(private readonly options: WorkerCallsOptions) {}

  /** A call is made: counted, listened to, its transaction id to be learned when it may write one. */
  begin(instanceId: string, operation: string, params: Record<string, unknown> | undefined, onProgress: ((done: number, total: number) => void) | undefined, commitOutcome?: boolean): InFlightCall {
    this.count++;
    this.lastUsed = Date.now();
    const outcome = commitOutcome ?? this.options.commitOutcome;
    const learnsXid = outcome && (operation === 'transaction' || operation === 'beginTransaction');
    const call = this.inFlight.add(instanceId, operation, params, learnsXid && params?.readOnly !== true, outcome);
    // A read-only transaction writes nothing: no id to learn, nothing a crash could have committed.
    if (learnsXid && params?.readOnly === true) call.xid = null;
    call.progressToken = this.progress.add(onProgress);
    return call;
  }

  /** The call is answered or failed. */
  release(call: InFlightCall): void {
    this.inFlight.delete(call);
    this.count--;
    this.lastUsed = Date.now();
    this.progress.delete(call.progressToken);
  }

  /** Sends `call` to `worker` (of `generation`), its config only when that worker lacks it; released once settled. */
  send<T>(worker: WorkerProcess, generation: number, call: InFlightCall, config: Record<string, unknown> | undefined, bounds: CallBounds): Promise<T> {
    const { instanceId, operation, params } = call;
    const transactionId = typeof params?.transactionId === 'string' ? params.transactionId : undefined;
    let configText: string | undefined;
    let answered: Promise<unknown>;
    try {
      if (transactionId !== undefined) this.ledger.checkCurrent(transactionId, generation);
      const request: Record<string, unknown> = bounds.traceparent === undefined ? { instanceId, operation } : { instanceId, operation, traceparent: bounds.traceparent };
      if (params !== undefined) request.params = params;
      if (call.progressToken !== undefined) request.progressToken = call.progressToken;
      if (call.token !== undefined) request.outcomeToken = call.token;
      configText = this.configs.toSend(instanceId, config);
      if (configText !== undefined) request.config = config;
      call.worker = worker;
      answered = worker.request(Method.execute, request, bounds);
    } catch (error) {
      if (configText !== undefined) this.configs.refused(instanceId, configText);
      this.release(call);
      return Promise.reject(error);
    }
    const failed = (error: unknown): Promise<never> => this.failed(error, call, transactionId, configText);
    return answered.then((answer) => {
      let result: T;
      try {
        result = bounds.traceparent === undefined ? (answer as T) : worker.tracedResult<T>(answer, bounds.traceparent, this.options.onTimings);
        this.ledger.track(operation, transactionId, result, generation, call.xid);
      } catch (error) {
        return failed(error);
      }
      this.release(call);
      return result;
    }, failed);
  }

  /** A call that failed: its config is sent again next time (the worker may have refused it); a crash answers its transaction's outcome. */
  private async failed(error: unknown, call: InFlightCall, transactionId: string | undefined, configText: string | undefined): Promise<never> {
    try {
      if (configText !== undefined) this.configs.refused(call.instanceId, configText);
      const crashed = (error as PluginError).code === PluginErrorCode.WORKER_CRASHED;
      const outcome = crashed && call.answersOutcome ? await this.options.outcomeOf(call, transactionId) : undefined;
      if (transactionId !== undefined) this.ledger.failed(call.operation, transactionId, error);
      // One error object answers every call of a dead worker: each transaction gets its own.
      if (outcome !== undefined) throw Errors.workerCrashed({ ...(error as PluginError).details, outcome, ...(call.params?.readOnly === true ? { readOnly: true } : {}) });
      throw error;
    } finally {
      this.release(call);
    }
  }
}
