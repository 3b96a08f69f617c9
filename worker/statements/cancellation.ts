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

/**
 * A cancellation that starts un-cancelled and is flipped once: what the
 * worker's fast path gives each request (cheaper than a token source).
 */
export class CancellationFlag implements Cancellation {
  isCancellationRequested = false;
  private listeners: (() => void)[] | undefined;

  onCancellationRequested(listener: () => void): { dispose(): void } {
    (this.listeners ??= []).push(listener);
    return {
      dispose: () => {
        const i = this.listeners?.indexOf(listener) ?? -1;
        if (i >= 0) this.listeners!.splice(i, 1);
      },
    };
  }

  cancel(): void {
    if (this.isCancellationRequested) return;
    this.isCancellationRequested = true;
    for (const listener of this.listeners?.splice(0) ?? []) listener();
  }
}
