import type { BudgetMember } from './budget-member';

/** An idle connection unused this long may be closed for any member that needs room; a more recent one only for a member below its share. */
export const COLD_IDLE_MS = 1000;

/**
 * How long a member with no connection waits for one that costs nobody their
 * last connection before it takes the least recently used one anyway (not
 * at all when more members were used lately than the limit: someone must).
 */
export const STARVING_PATIENCE_MS = 100;

/**
 * How long a member that has connections, all checked out, waits for one of
 * its own before its turn takes room like anyone's. Its own come back within
 * milliseconds when each checkout runs one statement; a pipelined lane or a
 * transaction handle keeps its connection for as long as it has work, so
 * waiting for "its own" could last past connectionTimeoutMillis.
 */
export const OWN_PATIENCE_MS = 200;

/** Where room comes from: an idle connection to close, or when to look again. */
export type Room = { victim: BudgetMember } | { retryAt?: number };

/**
 * Which idle connection of a full server budget is closed to make room, as
 * seen at one pulse. Connections go where the work is without being passed
 * back and forth between busy members: each move costs a new session. A
 * member with no connection at all takes one whose owner has others
 * besides, else one idle for COLD_IDLE_MS, else (after
 * STARVING_PATIENCE_MS) the least recently used of all. A member that has a
 * connection takes one of an owner holding more than twice the fair share
 * (the limit over the members at work), or a cold one; otherwise it waits for
 * its own, and after OWN_PATIENCE_MS takes one like any turn: of an owner
 * with others besides, else the least recently used. Only members with
 * nothing waiting give up connections here (the budget's turns handle the
 * others).
 */
export class RoomPolicy {
  /** The limit over the members at work (a connection checked out, or a checkout waiting); at least 1. */
  readonly share: number;
  /** 0 when more members were used within COLD_IDLE_MS than the limit: someone must give up a last connection anyway. */
  private readonly patienceMs: number;

  constructor(
    private readonly members: ReadonlySet<BudgetMember>,
    private readonly waiting: ReadonlyMap<BudgetMember, unknown>,
    limit: number,
  ) {
    const since = Date.now() - COLD_IDLE_MS;
    let active = 0;
    let recent = 0;
    if (waiting.size > 0) {
      for (const member of members) {
        if (member.busyCount > 0 || waiting.has(member)) active++;
        else if (member.lastUsed < since) continue;
        recent++;
      }
    }
    this.share = Math.max(1, Math.floor(limit / Math.max(1, active)));
    this.patienceMs = recent > limit ? 0 : STARVING_PATIENCE_MS;
  }

  /** Room for `member`, whose first checkout has waited since `waitingSince`. */
  victimFor(member: BudgetMember, waitingSince: number): Room {
    const now = Date.now();
    const starving = member.alive === 0;
    const victim =
      this.leastRecentlyUsedIdle((m) => m.alive > (starving ? 1 : 2 * this.share)) ?? this.leastRecentlyUsedIdle((m) => m.lastUsed <= now - COLD_IDLE_MS);
    if (victim) return { victim };
    const patientUntil = waitingSince + (starving ? this.patienceMs : OWN_PATIENCE_MS);
    if (now < patientUntil) return { retryAt: patientUntil };
    const any = (starving ? undefined : this.leastRecentlyUsedIdle((m) => m.alive > 1)) ?? this.leastRecentlyUsedIdle(() => true);
    return any ? { victim: any } : {};
  }

  /** The least recently used member with an idle connection and nothing waiting that passes `test`. */
  leastRecentlyUsedIdle(test: (member: BudgetMember) => boolean): BudgetMember | undefined {
    let oldest: BudgetMember | undefined;
    for (const m of this.members) {
      if (m.takeableIdle > 0 && !this.waiting.has(m) && (!oldest || m.lastUsed < oldest.lastUsed) && test(m)) oldest = m;
    }
    return oldest;
  }
}
