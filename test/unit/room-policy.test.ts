/**
 * Which idle connection a full server budget closes to make room, and when a
 * member waits instead (worker/connection/room-policy.ts), decided on members
 * described by their counts: the decision only, no connections.
 */
import type { BudgetMember } from '../../worker/connection/budget-member';
import { COLD_IDLE_MS, OWN_PATIENCE_MS, RoomPolicy } from '../../worker/connection/room-policy';

/** A member with `busy` connections checked out and `idle` in its pool, last used `agoMs` ago. */
function member(name: string, busy: number, idle: number, agoMs = 10): BudgetMember & { name: string } {
  return {
    name,
    alive: busy + idle,
    takeableIdle: idle,
    canOpen: idle === 0,
    idleCount: idle,
    busyCount: busy,
    lastUsed: Date.now() - agoMs,
    closeIdle: () => undefined,
    checkoutNow: () => Promise.reject(new Error('not in a policy test')),
  };
}

/** A budget of 12 as fair-turns fills it: a busy member with one connection, eleven quiet ones holding one each, used lately. */
function fullBudget(): { noisy: ReturnType<typeof member>; quiet: ReturnType<typeof member>[]; policy: RoomPolicy } {
  const noisy = member('noisy', 1, 0);
  const quiet = Array.from({ length: 11 }, (_, k) => member(`quiet-${k}`, k % 2, 1 - (k % 2), 10 + k));
  const members = new Set<BudgetMember>([noisy, ...quiet]);
  // The noisy member waits; so do ten quiet members with no connection (starving, not in the set's counts above).
  const starving = Array.from({ length: 10 }, (_, k) => member(`starving-${k}`, 0, 0));
  for (const s of starving) members.add(s);
  const waiting = new Map<BudgetMember, unknown>([[noisy, []], ...starving.map((s) => [s, []] as [BudgetMember, unknown])]);
  return { noisy, quiet, policy: new RoomPolicy(members, waiting, 12) };
}

test("a member whose connections are all checked out waits for its own at first: its turn doesn't close another member's recent connection", () => {
  const { noisy, policy } = fullBudget();
  const room = policy.victimFor(noisy, Date.now() - 10);
  expect(room).not.toHaveProperty('victim');
  expect((room as { retryAt?: number }).retryAt).toBeGreaterThan(Date.now());
});

test('a member whose own connections have not come back within OWN_PATIENCE_MS takes room in its turn: the least recently used idle connection', () => {
  const { noisy, quiet, policy } = fullBudget();
  const room = policy.victimFor(noisy, Date.now() - OWN_PATIENCE_MS - 1);
  // quiet-10 has the oldest idle connection (quiet-1, -3, … are busy; busy ones are never taken).
  expect(room).toEqual({ victim: quiet[10] });
});

test('after its patience, a member with connections prefers an owner that has others besides: nobody loses a last connection to it', () => {
  const noisy = member('noisy', 2, 0);
  const single = member('single', 0, 1, 500);
  const double = member('double', 1, 1, 50);
  const policy = new RoomPolicy(new Set([noisy, single, double]), new Map([[noisy, []]]), 4);
  expect(policy.victimFor(noisy, Date.now() - OWN_PATIENCE_MS - 1)).toEqual({ victim: double });
});

test('a member with nothing waiting keeps being a victim candidate; a member with checkouts waiting never gives up its idle connection here', () => {
  const noisy = member('noisy', 1, 0);
  const other = member('other', 1, 1, 5000);
  const policy = new RoomPolicy(new Set([noisy, other]), new Map([[noisy, []], [other, []]]), 3);
  expect(policy.victimFor(noisy, Date.now() - OWN_PATIENCE_MS - 1)).toEqual({});
});

test('a cold idle connection (unused for COLD_IDLE_MS) is taken at once, by a member with connections too', () => {
  const noisy = member('noisy', 1, 0);
  const cold = member('cold', 0, 1, COLD_IDLE_MS + 100);
  const policy = new RoomPolicy(new Set([noisy, cold]), new Map([[noisy, []]]), 2);
  expect(policy.victimFor(noisy, Date.now())).toEqual({ victim: cold });
});

test('a member with no connection at all takes the idle connection of an owner with others besides at once', () => {
  const starving = member('starving', 0, 0);
  const rich = member('rich', 1, 2, 10);
  const policy = new RoomPolicy(new Set([starving, rich, member('one', 0, 1)]), new Map([[starving, []]]), 4);
  expect(policy.victimFor(starving, Date.now())).toEqual({ victim: rich });
});
