import type pg from 'pg';

/**
 * One instance's side of a server budget: what its connection source can
 * tell and do about its own connections. Every checkout of the instance
 * (a statement, a lane, a transaction handle, a COPY, a cursor) goes through
 * {@link ServerBudget.checkout}; a checked-out client counts as busy and is
 * never closed to make room, an idle one may be.
 */
export interface BudgetMember {
  /** Connections of the member that exist on the server or may: opening, idle, checked out, closing. */
  readonly alive: number;
  /** Idle connections a checkout takes now, without opening one. */
  readonly takeableIdle: number;
  /** Whether a checkout now opens a new connection, within the member's own pool.max. */
  readonly canOpen: boolean;
  readonly idleCount: number;
  readonly busyCount: number;
  /** When the member last checked a connection out or gave one back (ms since the epoch): least recently used go first. */
  readonly lastUsed: number;
  /** Closes the member's longest-idle connection; resolves once it is gone, undefined when there is none. */
  closeIdle(): Promise<void> | undefined;
  /** Checks a connection out now: an idle one, or a new one. Called only when takeableIdle > 0 or canOpen. */
  checkoutNow(): Promise<pg.PoolClient>;
}
