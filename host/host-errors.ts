/**
 * Host-local failures: things that go wrong with the worker process itself,
 * not with PostgreSQL. They never cross the wire; `PluginManager` turns them
 * into `POSTGRES_WORKER_*` envelopes.
 */

/** The worker process exited (or was killed) while it was needed. */
export class WorkerExitedError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(`worker exited (code ${exitCode ?? 'none'}, signal ${signal ?? 'none'})`);
    this.name = 'WorkerExitedError';
  }
}

/** The worker did not answer `initialize` in time. */
export class WorkerStartTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`worker did not answer initialize within ${timeoutMs} ms`);
    this.name = 'WorkerStartTimeoutError';
  }
}
