/**
 * The server-connection budget in process: plugins sharing one
 * ConnectionBudget never hold more connections to the server than it allows.
 * Room is made by closing another instance's idle connection (least recently
 * used first); a checked-out client (a transaction handle's) is never taken;
 * a full budget answers the retryable POSTGRES_POOL_EXHAUSTED naming it.
 */
import { ConnectionBudget } from '../../worker/connection/connection-budget';
import { PostgresPlugin } from '../../worker/postgres-plugin';
import { waitFor } from '../support/managers';
import { rejection } from '../support/rejection';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
const plugins: PostgresPlugin[] = [];
beforeAll(async () => {
  ({ db } = await openSuite('connection_budget'));
});
afterEach(async () => {
  await Promise.all(plugins.splice(0).map((p) => p.disconnect()));
});
afterAll(() => closeSuite({ db }));

function pluginOn(budget: ConnectionBudget, name: string, pool: Record<string, unknown> = {}): PostgresPlugin {
  const plugin = new PostgresPlugin({ config: { ...db.config, applicationName: `budget-${name}`, pool, logging: { level: 'silent' } }, connectionBudget: budget });
  plugins.push(plugin);
  return plugin;
}

const sessionsOf = (name: string) => countSessions(db.admin, { database: db.name, applicationName: `budget-${name}` });

test('a full budget closes the idle connection of the least recently used other instance to make room', async () => {
  const budget = new ConnectionBudget({ maxServerConnections: 3 });
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => pluginOn(budget, name));
  for (const plugin of [a!, b!, c!]) expect(await plugin.queryValue('SELECT 1')).toBe(1);
  expect(await b!.queryValue('SELECT 2')).toBe(2); // b is now more recent than a and c
  expect(await d!.queryValue('SELECT 3')).toBe(3);
  expect(await Promise.all(['a', 'b', 'c', 'd'].map(sessionsOf))).toEqual([0, 1, 1, 1]);
  expect(budget.stats()[0]).toMatchObject({ maxConnections: 3, open: 3, idle: 3, busy: 0, waiting: 0 });
});

test("a transaction handle's client is busy: never closed for room; a request waits its connectionTimeoutMillis, then POSTGRES_POOL_EXHAUSTED names the budget", async () => {
  const budget = new ConnectionBudget({ maxServerConnections: 2 });
  const a = pluginOn(budget, 'tx-a');
  const b = pluginOn(budget, 'tx-b');
  const c = pluginOn(budget, 'tx-c', { connectionTimeoutMillis: 300 });
  const ta = await a.beginTransaction();
  const tb = await b.beginTransaction();
  const started = Date.now();
  const error = await rejection(c.queryValue('SELECT 1'));
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  expect(error).toMatchObject({
    code: 'POSTGRES_POOL_EXHAUSTED',
    retryable: true,
    details: { reason: 'budget', waitedMs: 300, budget: { server: `${db.config.host}:${db.config.port}`, maxServerConnections: 2, open: 2, waiting: 0 } },
  });
  expect((error as Error).message).toMatch(/maxServerConnections 2/);
  // Both handles still work: nothing was taken from them.
  expect(await a.query({ sql: 'SELECT 1 AS one', transactionId: ta })).toMatchObject({ rows: [{ one: 1 }] });
  // A request waiting when a handle ends gets the room (the ended handle's idle connection is closed for it).
  const waiting = c.queryValue('SELECT 2');
  await new Promise((r) => setTimeout(r, 50));
  await a.commit(ta);
  expect(await waiting).toBe(2);
  await b.rollback(tb);
  expect(await Promise.all(['tx-a', 'tx-b', 'tx-c'].map(sessionsOf))).toEqual([0, 1, 1]);
});

test('a lowered limit closes idle connections over it at once and resolves when it holds', async () => {
  const budget = new ConnectionBudget({ maxServerConnections: 6 });
  const plugin = pluginOn(budget, 'shrink');
  await Promise.all(Array.from({ length: 6 }, () => plugin.query({ sql: 'SELECT pg_sleep(0.05)', timeout: 5000 })));
  expect(await sessionsOf('shrink')).toBe(6);
  await budget.setLimit(2);
  expect(budget.stats()[0]).toMatchObject({ open: 2, maxConnections: 2 });
  expect(await waitFor(async () => (await sessionsOf('shrink')) === 2, 2000)).toBe(true);
  // Within the new limit, requests still run, queued in turn.
  expect(await Promise.all(Array.from({ length: 5 }, (_, i) => plugin.queryValue({ sql: `SELECT ${i}`, timeout: 5000 })))).toEqual([0, 1, 2, 3, 4]);
  expect((await plugin.getStats()).total).toBeLessThanOrEqual(2);
});
