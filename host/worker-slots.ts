import { Errors } from '../shared/errors';
import type { WorkerSupervisor } from './worker-supervisor';

/** What the slots need of a worker's supervisor. */
export type SlotWorker = Pick<WorkerSupervisor, 'inFlight' | 'openTransactions' | 'lastUsed' | 'stop' | 'pid'>;

/**
 * Workers starting at once, at the most. A start is CPU work (about 0.3 s
 * here: loading the code, the first connection); more at once make each one
 * slower without making them all done sooner, and under load sixteen at once
 * on two cores passed startTimeoutMs.
 */
export const CONCURRENT_STARTS = 4;
/** A worker with no process answering this long after it was made no longer holds back others' starts (the default startTimeoutMs). */
const STARTING_AT_MOST_MS = 10_000;
/** How often a start held back by {@link CONCURRENT_STARTS} looks whether one has finished. */
const STARTED_POLL_MS = 25;

/**
 * The workers of a `PluginManager` by key (a plugin, or a plugin's tenant)
 * and the `maxWorkers` bound on them. The bound counts workers that are still
 * stopping, so there are never more worker processes than `maxWorkers`. A
 * request for a key with no worker when every slot is taken waits (until its
 * deadline) for a worker to become idle, which is then retired, least
 * recently used first. Waiting starts get slots in the order they came, and
 * at most {@link CONCURRENT_STARTS} workers start at once.
 */
export class WorkerSlots<S extends SlotWorker = WorkerSupervisor> {
  readonly supervisors = new Map<string, S>();
  /** Workers retired and not yet gone: they still hold a slot. */
  private stopping = new Set<Promise<void>>();
  /**
   * Workers just made for a waiting start, until its caller has sent its
   * request: nothing is in flight on them yet, but they are not idle, and
   * another waiting start must not retire one for itself.
   */
  private readonly handedOut = new Set<S>();
  /** Workers made and not started yet (no process answering), with when they were made. */
  private readonly starting = new Map<S, number>();
  /** Starts waiting for a slot, in the order they came: the first gets the next one. */
  private readonly queue: object[] = [];
  /** Each waiting start is woken to look again when something changed. */
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly maxWorkers: number,
    /** Told once a retired worker has stopped (its connections are closed). */
    private readonly onStopped: (supervisor: S) => void,
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
  async acquire(key: string, create: () => S, waitMs: number, isClosed: () => boolean, signal?: AbortSignal): Promise<S> {
    const deadline = Date.now() + waitMs;
    const ticket = {};
    try {
      for (;;) {
        const existing = this.supervisors.get(key);
        if (existing) return existing;
        if (isClosed() || signal?.aborted) throw Errors.workerUnavailable(signal?.aborted ? 'the request was aborted while it waited for a worker' : 'the plugin manager was shut down');
        const first = this.queue.length === 0 || this.queue[0] === ticket;
        const startsFree = this.startsInProgress() < CONCURRENT_STARTS;
        if (first && startsFree && this.processes < this.maxWorkers) return this.make(key, create);
        if (!this.queue.includes(ticket)) this.queue.push(ticket);
        // Retire as many idle workers as there are starts waiting beyond the slots free or freeing, no more.
        if (this.stopping.size + Math.max(0, this.maxWorkers - this.processes) < this.queue.length) this.retireLeastRecentlyUsed();
        const left = deadline - Date.now();
        if (left <= 0) throw Errors.workerUnavailable(`maxWorkers (${this.maxWorkers}) reached and no worker became idle within ${waitMs} ms`, { maxWorkers: this.maxWorkers, waitedMs: waitMs });
        await this.somethingChanged(startsFree ? left : Math.min(left, STARTED_POLL_MS), signal);
      }
    } finally {
      const at = this.queue.indexOf(ticket);
      if (at !== -1) {
        this.queue.splice(at, 1);
        // The next in line may go now.
        if (at === 0) this.changed();
      }
    }
  }

  private make(key: string, create: () => S): S {
    const supervisor = create();
    this.supervisors.set(key, supervisor);
    this.starting.set(supervisor, Date.now());
    // The caller sends its request as soon as it resumes, in this turn's microtasks.
    this.handedOut.add(supervisor);
    setImmediate(() => this.handedOut.delete(supervisor));
    return supervisor;
  }

  /** Workers starting now; one that fails to start (no pid for STARTING_AT_MOST_MS) stops counting, and so does a retired one. */
  private startsInProgress(): number {
    const since = Date.now() - STARTING_AT_MOST_MS;
    for (const [s, madeAt] of this.starting) if (s.pid !== undefined || madeAt < since) this.starting.delete(s);
    return this.starting.size;
  }

  private somethingChanged(waitMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, waitMs);
      this.waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
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
    this.starting.clear();
    this.changed();
    await Promise.all([...supervisors.map((s) => s.stop()), ...this.stopping]);
  }

  private retireLeastRecentlyUsed(): boolean {
    let oldest: [string, S] | undefined;
    for (const entry of this.supervisors) {
      const s = entry[1];
      if (s.inFlight === 0 && s.openTransactions === 0 && !this.handedOut.has(s) && (!oldest || s.lastUsed < oldest[1].lastUsed)) oldest = entry;
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
    this.starting.delete(supervisor);
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
