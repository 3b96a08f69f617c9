import { Errors } from '../shared/errors';
import type { WorkerSupervisor } from './worker-supervisor';

/**
 * The workers of a `PluginManager` by key (a plugin, or a plugin's tenant)
 * and the `maxWorkers` bound on them. The bound counts workers that are still
 * stopping, so there are never more worker processes than `maxWorkers`. A
 * request for a key with no worker when every slot is taken waits (until its
 * deadline) for a worker to become idle, which is then retired, least
 * recently used first.
 */
export class WorkerSlots {
  readonly supervisors = new Map<string, WorkerSupervisor>();
  /** Workers retired and not yet gone: they still hold a slot. */
  private stopping = new Set<Promise<void>>();
  /** Starts waiting for a slot; each is woken to look again when something changed. */
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly maxWorkers: number,
    /** Told once a retired worker has stopped (its connections are closed). */
    private readonly onStopped: (supervisor: WorkerSupervisor) => void,
  ) {}

  /** Worker processes running, starting or stopping. */
  get processes(): number {
    return this.supervisors.size + this.stopping.size;
  }

  /**
   * The supervisor for `key`: the existing one, or one made by `create` once a
   * slot is free. Fails with POSTGRES_WORKER_UNAVAILABLE after `waitMs`, or
   * with `closed()`'s error once `isClosed()`.
   */
  async acquire(key: string, create: () => WorkerSupervisor, waitMs: number, isClosed: () => boolean, signal?: AbortSignal): Promise<WorkerSupervisor> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const existing = this.supervisors.get(key);
      if (existing) return existing;
      if (isClosed() || signal?.aborted) throw Errors.workerUnavailable(signal?.aborted ? 'the request was aborted while it waited for a worker' : 'the plugin manager was shut down');
      if (this.processes < this.maxWorkers) {
        const supervisor = create();
        this.supervisors.set(key, supervisor);
        return supervisor;
      }
      // Retire as many idle workers as there are starts waiting (this one included), no more.
      if (this.stopping.size < this.waiters.size + 1) this.retireLeastRecentlyUsed();
      const left = deadline - Date.now();
      if (left <= 0) throw Errors.workerUnavailable(`maxWorkers (${this.maxWorkers}) reached and no worker became idle within ${waitMs} ms`, { maxWorkers: this.maxWorkers, waitedMs: waitMs });
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** Something changed (a request finished, a worker stopped): waiting starts look again. */
  changed(): void {
    if (this.waiters.size === 0) return;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /** Retires workers with nothing in flight and no open transaction for `idleMs`. */
  retireIdle(idleMs: number): void {
    const now = Date.now();
    for (const [key, s] of this.supervisors) {
      if (s.inFlight === 0 && s.openTransactions === 0 && now - s.lastUsed > idleMs) void this.retire(key);
    }
  }

  /** Stops every worker; resolves when all are gone. */
  async stopAll(): Promise<void> {
    const supervisors = [...this.supervisors.values()];
    this.supervisors.clear();
    this.changed();
    await Promise.all([...supervisors.map((s) => s.stop()), ...this.stopping]);
  }

  private retireLeastRecentlyUsed(): boolean {
    let oldest: [string, WorkerSupervisor] | undefined;
    for (const entry of this.supervisors) {
      const s = entry[1];
      if (s.inFlight === 0 && s.openTransactions === 0 && (!oldest || s.lastUsed < oldest[1].lastUsed)) oldest = entry;
    }
    if (!oldest) return false;
    void this.retire(oldest[0]);
    return true;
  }

  /** Forgets the worker under `key` and stops it gracefully (it keeps its slot until gone); the next call for it starts a new one. */
  retire(key: string): Promise<void> {
    const supervisor = this.supervisors.get(key);
    if (!supervisor) return Promise.resolve();
    this.supervisors.delete(key);
    const stopped: Promise<void> = supervisor
      .stop()
      .catch(() => undefined)
      .finally(() => {
        this.stopping.delete(stopped);
        this.onStopped(supervisor);
        this.changed();
      });
    this.stopping.add(stopped);
    return stopped;
  }
}
