import type pg from 'pg';
import type { PluginError } from '../../shared/plugin-error';
import type { ServerConnectionStats } from '../../shared/worker-limits';

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
  /** When the member last asked for a connection (ms since the epoch): least recently used idle connections go first. */
  readonly lastUsed: number;
  /** Closes the member's longest-idle connection; resolves once it is gone, undefined when there is none. */
  closeIdle(): Promise<void> | undefined;
  /** Checks a connection out now: an idle one, or a new one. Called only when takeableIdle > 0 or canOpen. */
  checkoutNow(): Promise<pg.PoolClient>;
}

interface Waiter {
  member: BudgetMember;
  resolve: (client: Promise<pg.PoolClient>) => void;
  reject: (error: PluginError) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The plugin's connections to one PostgreSQL server (host, port), over all
 * of its instances: never more than `limit`. A checkout that would pass it
 * waits, and waiting requests are served in turns across instances
 * (round-robin: an instance served goes to the back), so one instance with
 * hundreds queued cannot starve the others. Room is made by closing idle
 * connections, least recently used instance first, including those of an
 * instance whose turn comes later.
 */
export class ServerBudget {
  private readonly members = new Set<BudgetMember>();
  /** Waiting checkouts per member; the map's order is the order of turns. */
  private readonly queues = new Map<BudgetMember, Waiter[]>();
  /** Idle connections closed to make room that are not gone yet. */
  private evicting = 0;

  constructor(
    readonly server: string,
    private limitValue: number,
    /** Told whenever a connection of this server is gone (for limits waiting to be met). */
    private readonly onClosed: () => void,
  ) {}

  get limit(): number {
    return this.limitValue;
  }

  set limit(limit: number) {
    this.limitValue = limit;
    this.pulse();
  }

  join(member: BudgetMember): void {
    this.members.add(member);
  }

  leave(member: BudgetMember): void {
    if (!this.queues.has(member)) this.members.delete(member);
  }

  get memberCount(): number {
    return this.members.size;
  }

  /** Connections that exist now, summed over the members. */
  get open(): number {
    let n = 0;
    for (const member of this.members) n += member.alive;
    return n;
  }

  /** Checkouts of `member` waiting for their turn. */
  waitingOf(member: BudgetMember): number {
    return this.queues.get(member)?.length ?? 0;
  }

  get waiting(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  /**
   * A connection for `member`: at once when it has an idle one or the budget
   * has room, else in its turn. Past `waitMs` the checkout fails with
   * `timedOut()`'s error.
   */
  checkout(member: BudgetMember, waitMs: number, timedOut: (poolFull: boolean) => PluginError): Promise<pg.PoolClient> {
    this.members.add(member);
    if (member.takeableIdle > 0 || (this.queues.size === 0 && member.canOpen && this.open < this.limitValue)) return this.checkoutNow(member);
    return new Promise<pg.PoolClient>((resolve, reject) => {
      const waiter: Waiter = { member, resolve, reject, timer: undefined };
      if (Number.isFinite(waitMs)) {
        waiter.timer = setTimeout(() => {
          this.remove(waiter);
          reject(timedOut(!member.canOpen && member.takeableIdle === 0));
        }, Math.max(0, waitMs));
      }
      const queue = this.queues.get(member);
      if (queue) queue.push(waiter);
      else this.queues.set(member, [waiter]);
      this.pulse();
    });
  }

  /** Fails every waiting checkout of `member` (its pool was closed). */
  dropWaiters(member: BudgetMember, error: PluginError): void {
    const queue = this.queues.get(member);
    if (!queue) return;
    this.queues.delete(member);
    for (const waiter of queue) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  /** A member's connections changed (a release, a close): serve whoever can be served now. */
  connectionClosed(): void {
    this.pulse();
    this.onClosed();
  }

  /**
   * Serves waiting checkouts in turn order, one per member per pass. A member
   * is served from its own idle connections or, below the limit, with a new
   * one. When members ahead in turn need room, idle connections are closed
   * for them: those of instances with nothing waiting first (least recently
   * used), then those of members whose turn comes later. Over the limit
   * (lowered by the host), idle connections are closed until it holds.
   */
  pulse(): void {
    let open = this.open;
    for (let progress = true; progress && this.queues.size > 0; ) {
      progress = false;
      let blockedAhead = 0;
      for (const [member, queue] of [...this.queues]) {
        const roomy = open < this.limitValue;
        if (member.takeableIdle > 0 && blockedAhead <= this.evicting) {
          this.serve(member, queue);
          progress = true;
        } else if (member.takeableIdle > 0) {
          // Members ahead wait for room: this member's idle connection makes it.
          this.evict(member);
        } else if (member.canOpen && roomy) {
          this.serve(member, queue);
          open++;
          progress = true;
        } else if (member.canOpen) {
          blockedAhead++;
        }
      }
      if (!progress) this.makeRoom(blockedAhead - this.evicting);
    }
    if (open > this.limitValue) this.makeRoom(open - this.evicting - this.limitValue);
  }

  stats(): ServerConnectionStats {
    let idle = 0;
    let busy = 0;
    for (const member of this.members) {
      idle += member.idleCount;
      busy += member.busyCount;
    }
    return { server: this.server, maxConnections: this.limitValue, open: this.open, idle, busy, waiting: this.waiting, instances: this.members.size };
  }

  private serve(member: BudgetMember, queue: Waiter[]): void {
    const waiter = queue.shift()!;
    if (waiter.timer) clearTimeout(waiter.timer);
    // The member goes to the back of the turns.
    this.queues.delete(member);
    if (queue.length > 0) this.queues.set(member, queue);
    waiter.resolve(this.checkoutNow(member));
  }

  private checkoutNow(member: BudgetMember): Promise<pg.PoolClient> {
    const checkout = member.checkoutNow();
    // An idle connection promised to a checkout is taken a tick later: look again then.
    void checkout.then(
      () => this.pulse(),
      () => this.pulse(),
    );
    return checkout;
  }

  /** Closes up to `count` idle connections of members with nothing waiting, least recently used first. */
  private makeRoom(count: number): void {
    for (let i = 0; i < count; i++) {
      let oldest: BudgetMember | undefined;
      for (const member of this.members) {
        if (member.takeableIdle > 0 && !this.queues.has(member) && (!oldest || member.lastUsed < oldest.lastUsed)) oldest = member;
      }
      if (!oldest || !this.evict(oldest)) return;
    }
  }

  private evict(member: BudgetMember): boolean {
    const gone = member.closeIdle();
    if (!gone) return false;
    this.evicting++;
    void gone.finally(() => {
      this.evicting--;
      this.pulse();
    });
    return true;
  }

  private remove(waiter: Waiter): void {
    const queue = this.queues.get(waiter.member);
    if (!queue) return;
    const at = queue.indexOf(waiter);
    if (at !== -1) queue.splice(at, 1);
    if (queue.length === 0) this.queues.delete(waiter.member);
  }
}
