/**
 * The cancellation shape the statement runner listens to: vscode-jsonrpc's
 * CancellationToken has it, and an AbortSignal is adapted to it.
 */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
  /** Present only when the request carried a traceparent: where its time went (the hot path pays one property read otherwise). */
  readonly trace?: RequestTrace;
}

/** What the worker measures of one traced request (ms); the `telemetry/timings` notification carries it back. */
export interface RequestTrace {
  readonly traceId: string;
  waitMs: number;
  serverMs: number;
  /** Whether the request checked a connection out of the pool (a statement on a pipelined lane or a transaction handle does not). */
  checkedOut: boolean;
}

/** Adapts an AbortSignal (the in-process API) to {@link Cancellation}. */
export function fromAbortSignal(signal: AbortSignal): Cancellation {
  return {
    get isCancellationRequested() {
      return signal.aborted;
    },
    onCancellationRequested(listener) {
      signal.addEventListener('abort', listener, { once: true });
      return { dispose: () => signal.removeEventListener('abort', listener) };
    },
  };
}
