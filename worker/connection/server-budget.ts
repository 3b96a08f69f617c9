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
  /** When the member last checked a connection out or gave one back (ms since the epoch): least recently used go first. */
  readonly lastUsed: number;
  /** Closes the member's longest-idle connection; resolves once it is gone, undefined when there is none. */
  closeIdle(): Promise<void> | undefined;
  /** Checks a connection out now: an idle one, or a new one. Called only when takeableIdle > 0 or canOpen. */
  checkoutNow(): Promise<pg.PoolClient>;
}

/** An idle connection unused this long may be closed for any member that needs room; a more recent one only for a member below its share. */
const COLD_IDLE_MS = 1000;

/**
 * How long a member with no connection waits for one that costs nobody their
 * last connection before it takes the least recently used one anyway (not
 * at all when more members are at work than the limit: someone must).
 */
const STARVING_PATIENCE_MS = 100;

interface Waiter {
  member: BudgetMember;
  /** When the checkout started waiting (ms since the epoch). */
  since: number;
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
  /** A pulse due when a starving member's patience runs out. */
  private patienceTimer: NodeJS.Timeout | undefined;

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
    // At once: its own idle connection, or room nobody waits for (room being made is promised to a waiting member).
    if (member.takeableIdle > 0 || (this.queues.size === 0 && this.evicting === 0 && member.canOpen && this.open < this.limitValue)) return this.checkoutNow(member);
    return new Promise<pg.PoolClient>((resolve, reject) => {
      const waiter: Waiter = { member, since: Date.now(), resolve, reject, timer: undefined };
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
   * one. When the budget is full, room is made by closing an idle connection
   * (see {@link makeRoomFor}); a member with no connection at all may even
   * take the idle connection of a member whose turn comes later. Over the
   * limit (lowered by the host), idle connections are closed until it holds.
   */
  pulse(): void {
    let open = this.open;
    const active = this.queues.size > 0 ? this.activeMembers() : 0;
    const share = Math.max(1, Math.floor(this.limitValue / Math.max(1, active)));
    // More members at work than connections: someone must give up a last connection anyway, waiting only adds latency.
    const patience = active > this.limitValue ? 0 : STARVING_PATIENCE_MS;
    while (this.queues.size > 0) {
      let progress = false;
      let rooms = this.limitValue - open;
      // Room goes to members with no connection at all first (it was made for them).
      let starvingLeft = 0;
      for (const member of this.queues.keys()) if (member.alive === 0 && member.canOpen && member.takeableIdle === 0) starvingLeft++;
      let starvingAhead = 0;
      const blocked: [BudgetMember, Waiter[]][] = [];
      for (const [member, queue] of [...this.queues]) {
        const starving = member.alive === 0;
        if (member.takeableIdle > 0) {
          if (starvingAhead > this.evicting) this.evict(member);
          else {
            this.serve(member, queue);
            progress = true;
          }
        } else if (member.canOpen && rooms > 0 && (starving || rooms > starvingLeft)) {
          this.serve(member, queue);
          open++;
          rooms--;
          if (starving) starvingLeft--;
          progress = true;
        } else if (member.canOpen) {
          blocked.push([member, queue]);
          if (starving) starvingAhead++;
        }
      }
      if (progress) continue;
      // Evictions already on their way serve the first blocked members; the others look for room.
      for (const [member, queue] of blocked.slice(this.evicting)) this.makeRoomFor(member, share, queue[0]!.since + patience);
      break;
    }
    for (let over = open - this.evicting - this.limitValue; over > 0; over--) {
      const victim = this.leastRecentlyUsedIdle(() => true);
      if (!victim || !this.evict(victim)) break;
    }
  }

  /**
   * Closes one idle connection (of a member with nothing waiting) to make
   * room for `member`. Connections go where the work is without being passed
   * back and forth between busy members: each move costs a new session. A
   * member with no connection at all takes one whose owner has others
   * besides, else one idle for COLD_IDLE_MS, else (after
   * STARVING_PATIENCE_MS) the least recently used of all; a member that has a connection takes only one of an owner
   * holding more than twice the fair share, or a cold one, and otherwise
   * waits for its own.
   */
  private makeRoomFor(member: BudgetMember, share: number, patientUntil: number): void {
    const now = Date.now();
    const starving = member.alive === 0;
    let victim = this.leastRecentlyUsedIdle((m) => m.alive > (starving ? 1 : 2 * share)) ?? this.leastRecentlyUsedIdle((m) => m.lastUsed <= now - COLD_IDLE_MS);
    if (!victim && starving) {
      // Taking someone's last connection makes them wait next: first give others a moment to free one.
      if (now >= patientUntil) victim = this.leastRecentlyUsedIdle(() => true);
      else this.pulseAt(patientUntil);
    }
    if (victim) this.evict(victim);
  }

  private pulseAt(at: number): void {
    if (this.patienceTimer) return;
    this.patienceTimer = setTimeout(() => {
      this.patienceTimer = undefined;
      this.pulse();
    }, Math.max(1, at - Date.now()));
    this.patienceTimer.unref();
  }

  /** The least recently used member with an idle connection and nothing waiting that passes `test`. */
  private leastRecentlyUsedIdle(test: (member: BudgetMember) => boolean): BudgetMember | undefined {
    let oldest: BudgetMember | undefined;
    for (const m of this.members) {
      if (m.takeableIdle > 0 && !this.queues.has(m) && (!oldest || m.lastUsed < oldest.lastUsed) && test(m)) oldest = m;
    }
    return oldest;
  }

  /** Members at work: a connection checked out, or a checkout waiting. The fair share is the limit over them. */
  private activeMembers(): number {
    let active = 0;
    for (const member of this.members) if (member.busyCount > 0 || this.queues.has(member)) active++;
    return active;
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
