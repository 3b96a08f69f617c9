/**
 * The cancellation an endpoint gives each request it is serving: starts
 * un-cancelled and is flipped once, by the peer's `$/cancelRequest`. It has
 * the shape of vscode-jsonrpc's CancellationToken (what the worker's
 * statement runner listens to), without a token source and emitter per request.
 */
export class RequestCancellation {
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
