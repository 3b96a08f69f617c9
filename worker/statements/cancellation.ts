/**
 * The cancellation shape the statement runner listens to: vscode-jsonrpc's
 * CancellationToken has it, and an AbortSignal is adapted to it.
 */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
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
