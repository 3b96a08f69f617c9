import type pg from 'pg';
import type { StatementParams } from '../../shared/operation-params';
import type { QueryResult } from '../../shared/results';
import { PluginErrorCode } from '../../shared/error-codes';
import { Errors } from '../../shared/errors';
import type { Cancellation } from './cancellation';
import type { ConnectionSource } from '../connection/connection-source';
import type { Logger } from '../runtime/logger';
import { submit } from '../connection/pg-internals';
import { Lane, type LaneEntry } from './lane';
import { isIndependentRowStatement } from '../sql/statement-kinds';
import type { StatementRunner } from './statement-runner';

/**
 * Pipelining of independent statements. A plain query or DML statement
 * outside a transaction handle, with no timeout of its own, can't affect
 * another one beside it: it runs in its own implicit transaction, each with
 * its own Sync, and leaves nothing in the session. Such statements share a
 * few pooled connections ("lanes") with several statements in flight on each,
 * and all the statements given to a lane in one event-loop turn leave in one
 * write. Under load that is several times fewer system calls on both sides
 * of the socket than one statement per connection at a time.
 *
 * A statement runs alone while no other accepted statement is in flight, so
 * one request at a time runs exactly as without pipelining. Lanes spread
 * first: a statement takes an idle lane, or a new one while the
 * pool has room, before it queues behind another statement; at most half the
 * pool (at least one) serves as lanes, so transactions and everything else
 * keep connections of their own. A lane goes back to the pool when its last
 * statement is answered.
 *
 * A cancel (host cancel, AbortSignal) is sent when the statement is the one
 * the server is running. If the server was already past it, the cancel can
 * hit the statement after it: that statement was rolled back, so it is run
 * again on a connection of its own.
 *
 * The lanes only decide "lane or not": whatever is better run on a
 * connection of its own comes back as {@link RUN_ALONE}, and the instance
 * runs it on its ordinary path. Why lanes at all: docs/architecture.md.
 */

/** What {@link StatementLanes.run} answers for a statement that should run on a connection of its own. */
export const RUN_ALONE: unique symbol = Symbol('run alone');

/** How long after a cancel on a lane a "canceling statement due to user request" counts as its side effect. */
const CANCEL_SPILL_MS = 5_000;
const USER_CANCEL = /due to user request/;
/** Statements on a lane past which another lane is opened even if the pool must be waited for. */
const LANE_DEPTH = 8;
/**
 * A lane whose current statement has run this long takes no more: what
 * queues behind a slow statement waits for all of it (head-of-line blocking).
 */
const HEAD_STALL_MS = 25;

export class StatementLanes {
  private readonly lanes: Lane[] = [];
  private readonly maxLanes: number;
  /** Statements this object accepted that are in flight, on a lane or alone. */
  private running = 0;

  constructor(
    private readonly source: ConnectionSource,
    private readonly runner: StatementRunner,
    private readonly logger: Logger,
    private readonly poolMax: number,
    private readonly acquireTimeoutMs: number,
  ) {
    this.maxLanes = Math.max(1, Math.floor(poolMax / 2));
  }

  /** Whether `p` may share a lane (row statements only, nothing that changes the session, no timeout of its own). `p` is outside any transaction handle. */
  accepts(p: StatementParams): boolean {
    return p.timeout === undefined && !p.multiStatement && isIndependentRowStatement(p.sql);
  }

  /**
   * Counts an accepted statement as in flight until {@link left}, whether it
   * then runs on a lane or alone: one statement at a time gains nothing from
   * a lane, so lanes open only while others are in flight.
   */
  entered(): void {
    this.running++;
  }

  left(): void {
    this.running--;
  }

  /**
   * Runs `p` (entered) on a lane; {@link RUN_ALONE} when it should run on a
   * connection of its own instead: it is the only statement in flight, every
   * lane is stuck, or it failed because of what shared its lane.
   */
  async run(p: StatementParams, cancellation: Cancellation | undefined): Promise<QueryResult | typeof RUN_ALONE> {
    if (this.running <= 1 && this.lanes.length === 0) return RUN_ALONE;
    if (cancellation?.isCancellationRequested) throw Errors.queryCancelled({ reason: 'cancelled before it started' });
    const started = performance.now();
    const lane = this.pick();
    if (lane === undefined) return RUN_ALONE;
    lane.pending++;
    let entry: LaneEntry | undefined;
    let cancelledEarly = false;
    const listener = cancellation?.onCancellationRequested(() => {
      if (entry) lane.cancel(entry);
      else cancelledEarly = true;
    });
    let client: pg.PoolClient;
    try {
      client = await lane.ready;
    } catch (error) {
      listener?.dispose();
      throw error; // a connect-phase error, mapped by the connection source; nothing was sent
    } finally {
      lane.pending--;
    }
    if (cancelledEarly || lane.closing) {
      listener?.dispose();
      if (lane.load === 0) this.release(lane);
      if (cancelledEarly) throw Errors.queryCancelled({ reason: 'cancelled before it started' });
      return RUN_ALONE;
    }
    // Past options.maxResultBytes the statement is cancelled on the server like a host cancel.
    const budget = this.runner.budget(() => {
      if (entry) lane.cancel(entry);
    });
    try {
      const result = await new Promise<pg.QueryResult>((resolve, reject) => {
        const sent: LaneEntry = {
          cancelled: false,
          query: this.runner.query(p, budget, (error, res) => {
            this.answered(lane, sent);
            if (error) reject(error);
            else resolve(res);
          }),
        };
        entry = sent;
        lane.push(client, sent);
        submit(client, sent.query);
      });
      return this.runner.completed(p, started, result);
    } catch (error) {
      if (budget.wasExceeded) {
        this.runner.failed(p, started, error, true);
        throw budget.error();
      }
      const cancelled = entry?.cancelled ?? false;
      // A statement run again alone is counted (and logged) there.
      if (this.runsAgainAlone(lane, error, cancelled)) return RUN_ALONE;
      const mapped = this.runner.failed(p, started, error, cancelled);
      if (mapped.code === PluginErrorCode.CONNECTION_FAILED) this.retire(lane, mapped);
      throw mapped;
    } finally {
      listener?.dispose();
    }
  }

  /**
   * The lane for the next statement: an idle one; a new one while the pool
   * has room and the others are busy; else the least busy one that is moving.
   * None (the statement runs alone, waiting for the pool like any other) when
   * every lane is stuck behind a slow statement.
   */
  private pick(): Lane | undefined {
    let best: Lane | undefined;
    let bestLoad = Infinity;
    const now = performance.now();
    for (const lane of this.lanes) {
      if (lane.closing) continue;
      const load = lane.load;
      if (load === 0) return lane;
      if (lane.entries.length > 0 && now - lane.headSince > HEAD_STALL_MS) continue;
      if (load < bestLoad) {
        best = lane;
        bestLoad = load;
      }
    }
    if (this.lanes.length < this.maxLanes && (best === undefined || bestLoad >= LANE_DEPTH || this.poolHasRoom())) return this.open();
    return best;
  }

  private poolHasRoom(): boolean {
    const pool = this.source.current;
    return pool.idleCount > 0 || pool.totalCount < this.poolMax;
  }

  private open(): Lane {
    const lane = new Lane(this.source.acquire(Date.now() + this.acquireTimeoutMs), (failed) => this.remove(failed));
    this.lanes.push(lane);
    return lane;
  }

  private answered(lane: Lane, entry: LaneEntry): void {
    lane.answered(entry);
    const status = lane.client?.getTransactionStatus();
    if (lane.broken === undefined && (status === 'T' || status === 'E')) {
      // Nothing that opens a transaction is pipelined; should one slip through, its session must go.
      this.retire(lane, new Error('a pipelined session was left inside a transaction'));
    }
    if (lane.load === 0) this.release(lane);
  }

  /**
   * Whether a statement that failed on `lane` with `error` failed because of
   * what shares the lane, not by itself; alone it gives its own answer.
   */
  private runsAgainAlone(lane: Lane, error: unknown, cancelled: boolean): boolean {
    const code = (error as { code?: string }).code;
    if (code === '57014' && !cancelled && USER_CANCEL.test((error as Error).message) && Date.now() - lane.lastCancelAt < CANCEL_SPILL_MS) {
      // Our cancel for the statement before this one landed on this one, which was rolled back.
      this.logger.debug('a cancel meant for the statement before this one landed on it: run again alone');
      return true;
    }
    // The statement before it failed to prepare the name both use; this one was sent without a Parse.
    if (code === '26000') return true;
    if (code === '0A000') {
      // A plan gone stale after DDL fails every statement of that name on this session: the session
      // goes once its statements are answered; alone, the statement prepares again.
      this.retire(lane, new Error('a prepared plan went stale on this session'));
      return true;
    }
    return false;
  }

  /** The lane takes no new statements, and its session is closed once drained. */
  private retire(lane: Lane, reason: Error): void {
    lane.retire(reason);
    if (lane.load === 0) this.release(lane);
  }

  private release(lane: Lane): void {
    this.remove(lane);
    const detached = lane.detach();
    if (!detached) return;
    const { client, settled } = detached;
    // A cancel still on its way could hit the session's next user: let it land first.
    if (settled) void settled.then(() => this.source.release(client, lane.broken));
    else this.source.release(client, lane.broken);
  }

  private remove(lane: Lane): void {
    const at = this.lanes.indexOf(lane);
    if (at !== -1) this.lanes.splice(at, 1);
  }
}
