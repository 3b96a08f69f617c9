import type pg from 'pg';
import { StatementCancel } from '../connection/cancel-request';
import { setPipelineMode, socketOf } from '../connection/pg-internals';

/** A statement sent on a lane and not answered yet. */
export interface LaneEntry {
  query: pg.Query;
  cancelled: boolean;
}

/**
 * One pooled connection in pipeline mode with its statements in flight, in
 * the order they were sent (see statement-lanes for how lanes are chosen).
 */
export class Lane {
  client: pg.PoolClient | undefined;
  /** Statements that chose the lane and wait for its connection. */
  pending = 0;
  /** Statements given to the lane and not answered yet, in the order they were sent. */
  readonly entries: LaneEntry[] = [];
  /** No new statements: the lane is going back to the pool (or away) once drained. */
  closing = false;
  /** Why the session must not be pooled again, when it must not. */
  broken: Error | undefined;
  lastCancelAt = 0;
  /** When the statement the server runs now (the first of `entries`) became the first. */
  headSince = 0;
  /** The last cancel sent for this lane, until it has reached the server. */
  cancelSent: Promise<void> | undefined;
  /** The cancel of the statement the server runs now, sent again until it is answered. */
  private headCancel: StatementCancel | undefined;
  private corked = false;
  readonly ready: Promise<pg.PoolClient>;

  constructor(acquire: Promise<pg.PoolClient>, onFailure: (lane: Lane) => void) {
    this.ready = acquire.then(
      (client) => {
        this.client = client;
        setPipelineMode(client, true);
        return client;
      },
      (error: unknown) => {
        onFailure(this);
        throw error;
      },
    );
  }

  /** Statements waiting for the connection plus those in flight on it. */
  get load(): number {
    return this.pending + this.entries.length;
  }

  /** Sends `entry` (after those already in flight); statements of one event-loop turn leave in one write. */
  push(client: pg.PoolClient, entry: LaneEntry): void {
    if (this.entries.length === 0) this.headSince = performance.now();
    this.entries.push(entry);
    if (this.corked) return;
    const socket = socketOf(client);
    this.corked = true;
    socket.cork();
    setImmediate(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /** `entry` was answered; the next one is now the statement the server runs. */
  answered(entry: LaneEntry): void {
    const at = this.entries.indexOf(entry);
    if (at !== -1) this.entries.splice(at, 1);
    if (at === 0) this.endHeadCancel();
    const head = this.entries[0];
    if (head) this.headSince = performance.now();
    if (head?.cancelled) this.sendCancel();
  }

  /** Cancels `entry` on the server once it is the statement the server runs. */
  cancel(entry: LaneEntry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    if (this.entries[0] === entry) this.sendCancel();
  }

  /** The lane takes no new statements; its session is closed (not pooled) when `reason` is given. */
  retire(reason: Error): void {
    this.broken ??= reason;
    this.closing = true;
  }

  /** Takes the connection off the lane (out of pipeline mode); resolves when it may be reused, i.e. once a cancel on its way has landed. */
  detach(): { client: pg.PoolClient; settled: Promise<void> | undefined } | undefined {
    this.closing = true;
    const client = this.client;
    if (!client) return undefined;
    this.client = undefined;
    setPipelineMode(client, false);
    this.endHeadCancel();
    return { client, settled: this.cancelSent };
  }

  private sendCancel(): void {
    const client = this.client;
    if (!client || this.headCancel) return;
    this.headCancel = new StatementCancel(client, () => (this.lastCancelAt = Date.now()));
  }

  /** The head statement was answered (or the lane let go of its connection): its cancel stops; `cancelSent` is the one still on its way. */
  private endHeadCancel(): void {
    const cancel = this.headCancel;
    if (!cancel) return;
    this.headCancel = undefined;
    const sent = cancel.finish();
    this.cancelSent = sent;
    void sent.finally(() => {
      if (this.cancelSent === sent) this.cancelSent = undefined;
    });
  }
}
