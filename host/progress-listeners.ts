/** The `onProgress` callbacks of calls in flight, by the `progressToken` each was sent with. */
export class ProgressListeners {
  private readonly listeners = new Map<string, (done: number, total: number) => void>();
  private counter = 0;

  /** A token for `listener`, or undefined when there is none. */
  add(listener: ((done: number, total: number) => void) | undefined): string | undefined {
    if (!listener) return undefined;
    const token = `p${++this.counter}`;
    this.listeners.set(token, listener);
    return token;
  }

  delete(token: string | undefined): void {
    if (token !== undefined) this.listeners.delete(token);
  }

  /** `$/progress` from the worker (params as received: checked here). */
  report(params: unknown): void {
    const p = params as { token?: string; value?: { done?: number; total?: number } } | undefined;
    const listener = p?.token === undefined ? undefined : this.listeners.get(p.token);
    if (listener && typeof p!.value?.done === 'number' && typeof p!.value.total === 'number') listener(p!.value.done, p!.value.total);
  }
}
