/**
 * Pipelining (options.pipelining, on by default): independent statements
 * share a few connections, several in flight on each. Answers must be exactly
 * what each statement alone would give; errors and cancels stay with their
 * statement.
 */
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { memoryLogger } from '../support/memory-logger';
import { rejection } from '../support/rejection';
import { withPlugin } from '../support/scoped-plugin';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('statement_lanes'));
  await db.admin.query('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)');
  await db.admin.query('INSERT INTO counters SELECT g, 0 FROM generate_series(1, 10) g');
});
afterAll(() => closeSuite({ db }));

const burst = (plugin: PostgresPlugin, count: number) =>
  Promise.all(Array.from({ length: count }, (_, i) => plugin.queryOne<{ pid: number; i: number }>('SELECT pg_backend_pid() AS pid, $1::int AS i', [i])));

test('a burst of statements shares at most half the pool, and every answer is its own', async () => {
  await withPlugin({ config: { ...db.config, max: 4 } }, async (plugin) => {
    const rows = await burst(plugin, 200);
    expect(rows.map((r) => r!.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // The first statement of the burst runs alone (nothing else was in flight); the 199 others share 2 lanes.
    expect(new Set(rows.map((r) => r!.pid)).size).toBeLessThanOrEqual(3);
    const stats = await plugin.getStats();
    expect(stats).toMatchObject({ waiting: 0, openTransactions: 0 });
    expect(stats.idle).toBe(stats.total);
  });
});

test('with pipelining: false every statement has a connection of its own', async () => {
  await withPlugin({ config: { ...db.config, max: 4, options: { pipelining: false } } }, async (plugin) => {
    const rows = await burst(plugin, 200);
    expect(rows.map((r) => r!.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(new Set(rows.map((r) => r!.pid)).size).toBe(4);
  });
});

test('errors stay with their statement; writes in the same lane all count', async () => {
  await withPlugin({ config: { ...db.config, max: 2 } }, async (plugin) => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 300 }, (_, i) =>
        i % 3 === 0 ? plugin.queryValue('SELECT 1 / ($1::int - $1::int)', [i]) : plugin.execute('UPDATE counters SET n = n + 1 WHERE id = $1', [1 + (i % 10)]),
      ),
    );
    outcomes.forEach((o, i) => {
      if (i % 3 === 0) expect(o).toMatchObject({ status: 'rejected', reason: { code: 'POSTGRES_QUERY_FAILED', details: { sqlState: '22012' } } });
      else expect(o).toMatchObject({ status: 'fulfilled', value: { rowCount: 1 } });
    });
    expect((await db.admin.query('SELECT sum(n)::int AS s FROM counters')).rows[0].s).toBe(200);
  });
});

test('a cancelled statement stops on the server; the one queued behind it on the lane still answers', async () => {
  // A pool of 2 has one lane. The first statement runs alone; the two after it go on the lane.
  await withPlugin({ config: { ...db.config, max: 2 } }, async (plugin) => {
    const first = plugin.query('SELECT pg_sleep(0.5)');
    const controller = new AbortController();
    const started = Date.now();
    const slow = rejection(plugin.query({ sql: 'SELECT pg_sleep(5)', signal: controller.signal }));
    const behind = plugin.queryValue<number>('SELECT 7');
    setTimeout(() => controller.abort(), 100);
    expect((await slow).code).toBe('POSTGRES_QUERY_CANCELLED');
    expect(await behind).toBe(7);
    expect(Date.now() - started).toBeLessThan(2_000);
    // This suite's database only: other suites on the shared server run the same statement.
    expect(await countSessions(db.admin, { database: db.config.database, query: 'SELECT pg_sleep(5)', state: 'active' })).toBe(0);
    await first;
  });
});

test('statements that could change the session or need their own timeout run alone', async () => {
  await withPlugin({ config: { ...db.config, max: 2 } }, async (plugin) => {
    // Behind a slow statement on the lane, a SET and a statement with a timeout do not wait for it.
    const slow = plugin.query('SELECT pg_sleep(1)');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await plugin.execute('SET work_mem = 2048');
    expect(await plugin.queryValue({ sql: 'SELECT 8', timeout: 5_000 })).toBe(8);
    expect(Date.now() - started).toBeLessThan(800);
    await slow;
  });
});

test('a cancel that lands on the next statement of the lane never fails it: that statement runs again alone', async () => {
  const { logger, lines } = memoryLogger('debug');
  await withPlugin({ config: { ...db.config, max: 2 }, logger }, async (plugin) => {
    // A statement in flight the whole time (on a connection of its own), so A and B go on the lane:
    // with nothing else in flight a statement would run alone.
    const holder = plugin.query('SELECT pg_sleep(3)');
    for (let round = 0; round < 20; round++) {
      const controller = new AbortController();
      // A runs 10 ms and is cancelled near its end. The cancel takes a new connection to reach the
      // server: by then the server may be running B, and the cancel hits B instead.
      const a = plugin.query({ sql: 'SELECT pg_sleep(0.01)', signal: controller.signal }).then(
        () => 'answered',
        (e: { code: string }) => e.code,
      );
      const b = plugin.queryValue<number>('SELECT 9 FROM pg_sleep(0.05)');
      setTimeout(() => controller.abort(), 6 + (round % 6));
      expect(['answered', 'POSTGRES_QUERY_CANCELLED']).toContain(await a);
      expect(await b).toBe(9);
    }
    await holder;
    const spilled = lines.filter((l) => l.includes('landed on it: run again alone')).length;
    console.log(`lanes: ${spilled} of 20 cancels landed on the next statement and were absorbed`);
  });
});

test('statements sharing a name on a lane each get their own error when preparing it fails', async () => {
  await withPlugin({ config: { ...db.config, max: 4 } }, async (plugin) => {
    const holder = plugin.query('SELECT pg_sleep(0.5)'); // so the others go on lanes
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => plugin.query('SELECT * FROM missing_table WHERE id = $1', [i])));
    for (const o of outcomes) expect(o).toMatchObject({ status: 'rejected', reason: { code: 'POSTGRES_QUERY_FAILED', details: { sqlState: '42P01' } } });
    await holder;
    // Once the table exists, the same statement works.
    await db.admin.query('CREATE TABLE missing_table (id int)');
    expect((await plugin.query('SELECT * FROM missing_table WHERE id = $1', [1])).rowCount).toBe(0);
  });
});
