import type pg from 'pg';
import type { PluginError } from '../../shared/plugin-error';
import type { ServerConnectionStats } from '../../shared/worker-limits';
import type { BudgetMember } from './budget-member';
import { COLD_IDLE_MS, RoomPolicy } from './room-policy';

export type { BudgetMember } from './budget-member';

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
  private openCount = 0;
  /** Idle connections closed to make room that are not gone yet. */
  private evicting = 0;
  /** Rooms being made (an idle connection closing) or made for a waiting member, kept for it: how many. */
  private readonly made = new Map<BudgetMember, number>();
  /** A pulse due when a waiting member's patience runs out, and when. */
  private patienceTimer: NodeJS.Timeout | undefined;
  private patienceAt = 0;

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

  /** Connections that exist now, over every member (kept by {@link connectionOpened} and {@link connectionClosed}). */
  get open(): number {
    return this.openCount;
  }

  /** A member created a connection (before it connects). */
  connectionOpened(): void {
    this.openCount++;
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
    if (this.made.delete(member)) this.pulse();
    for (const waiter of queue) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  /** A member's connections changed (a release, a close): serve whoever can be served now. */
  connectionClosed(): void {
    this.openCount--;
    this.pulse();
    this.onClosed();
  }

  /**
   * Serves waiting checkouts in turn order, one per member per pass. A member
   * is served from its own idle connections or, below the limit, with a new
   * one. When the budget is full, room is made by closing an idle connection
   * (see {@link RoomPolicy}) and kept for the member it was made for; a member
   * with no connection at all may even take the idle connection of a member
   * whose turn comes later. Over the limit (lowered by the host), idle
   * connections are closed until it holds.
   */
  pulse(): void {
    let open = this.openCount;
    if (this.queues.size === 0 && open - this.evicting <= this.limitValue) return;
    // The policy looks at every member: made only when room must be found.
    let policy: RoomPolicy | undefined;
    const policyNow = (): RoomPolicy => (policy ??= new RoomPolicy(this.pruned(), this.queues, this.limitValue));
    while (this.queues.size > 0) {
      let progress = false;
      const free = this.limitValue - open;
      // Free room is kept for members that room is being made for first (its victim's 'end' comes before the close resolves); the rest is anyone's.
      let kept = Math.max(0, Math.min(free, this.roomsMade()));
      let rooms = free - kept;
      // Unkept room goes to members with no connection at all first.
      let starvingLeft = 0;
      for (const member of this.queues.keys()) if (member.alive === 0 && member.canOpen && member.takeableIdle === 0 && !this.made.has(member)) starvingLeft++;
      const blocked: BudgetMember[] = [];
      for (const [member, queue] of [...this.queues]) {
        const starving = member.alive === 0;
        if (member.takeableIdle > 0) {
          // A member with no connection waiting ahead, with no room on its way, gets this idle connection closed for it.
          const ahead = blocked.find((m) => m.alive === 0 && !this.made.has(m));
          if (ahead) this.evict(member, ahead);
          else {
            this.serve(member, queue, false);
            progress = true;
          }
        } else if (member.canOpen && kept > 0 && this.made.has(member)) {
          this.serve(member, queue, true);
          open++;
          kept--;
          progress = true;
        } else if (member.canOpen && rooms > 0 && (starving || rooms > starvingLeft)) {
          this.serve(member, queue, false);
          open++;
          rooms--;
          if (starving) starvingLeft--;
          progress = true;
        } else if (member.canOpen) blocked.push(member);
        // At its pool.max it waits for its own: room kept for it would be lost to everyone.
        else if (this.made.delete(member)) progress = true;
      }
      if (progress) continue;
      // Members with room on its way wait for it; the others look for room.
      for (const member of blocked) {
        if (this.made.has(member)) continue;
        const room = policyNow().victimFor(member, this.queues.get(member)![0]!.since);
        if ('victim' in room) this.evict(room.victim, member);
        else if (room.retryAt !== undefined) this.pulseAt(room.retryAt);
      }
      break;
    }
    for (let over = open - this.evicting - this.limitValue; over > 0; over--) {
      const victim = policyNow().leastRecentlyUsedIdle(() => true);
      if (!victim || !this.evict(victim)) break;
    }
  }

  /** Room made or being made for waiting members. */
  private roomsMade(): number {
    let n = 0;
    for (const rooms of this.made.values()) n += rooms;
    return n;
  }

  /**
   * The members, less those with no connection, nothing waiting and no use
   * for COLD_IDLE_MS (they join again with their next checkout): the policy
   * looks at every member, and a thousand idle instances must not slow
   * every pulse down.
   */
  private pruned(): ReadonlySet<BudgetMember> {
    const before = Date.now() - COLD_IDLE_MS;
    for (const member of this.members) if (member.alive === 0 && member.lastUsed < before && !this.queues.has(member)) this.members.delete(member);
    return this.members;
  }

  /** Pulses at `at` (or sooner, if one is due sooner already). */
  private pulseAt(at: number): void {
    if (this.patienceTimer) {
      if (this.patienceAt <= at) return;
      clearTimeout(this.patienceTimer);
    }
    this.patienceAt = at;
    this.patienceTimer = setTimeout(() => {
      this.patienceTimer = undefined;
      this.pulse();
    }, Math.max(1, at - Date.now()));
    this.patienceTimer.unref();
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

  /** Serves the member's first waiter (`withRoomMade`: in room made for it), which goes to the back of the turns. */
  private serve(member: BudgetMember, queue: Waiter[], withRoomMade: boolean): void {
    const waiter = queue.shift()!;
    if (waiter.timer) clearTimeout(waiter.timer);
    this.queues.delete(member);
    if (withRoomMade) {
      const made = this.made.get(member)! - 1;
      if (made > 0) this.made.set(member, made);
      else this.made.delete(member);
    }
    if (queue.length > 0) this.queues.set(member, queue);
    else this.made.delete(member);
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

  /** Closes an idle connection of `member`, to make room for `beneficiary` (kept for it while it waits) or to get within the limit. */
  private evict(member: BudgetMember, beneficiary?: BudgetMember): boolean {
    const gone = member.closeIdle();
    if (!gone) return false;
    this.evicting++;
    if (beneficiary) this.made.set(beneficiary, (this.made.get(beneficiary) ?? 0) + 1);
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
    if (queue.length === 0) {
      this.queues.delete(waiter.member);
      // Room made for it is anyone's now.
      if (this.made.delete(waiter.member)) this.pulse();
    }
  }
}
