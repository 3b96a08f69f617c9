/**
 * A pooled session is shared by every request of an instance, one after the
 * other. State one request's SQL leaves in it (settings, temp tables, advisory
 * locks, roles) must not reach the next: such sessions are reset on release.
 * A pool of one makes every request use the same session.
 */
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugin: PostgresPlugin;

beforeAll(async () => {
  ({ db, plugin } = await openSuite('session_reset', { plugin: { max: 1, options: { queryTimeout: 20_000 } } }));
  await db.admin.query('CREATE TABLE t (id int PRIMARY KEY, x int)');
  await db.admin.query('INSERT INTO t VALUES (1, 0)');
  await db.admin.query('CREATE ROLE session_reset_reader NOLOGIN');
  await db.admin.query(`GRANT session_reset_reader TO ${db.config.user}`);
});
afterAll(async () => {
  await closeSuite({ plugin, db });
  await db.admin.end().catch(() => undefined);
});

const pid = () => plugin.queryValue<number>('SELECT pg_backend_pid()');

test('settings, set_config and roles changed by one request are gone for the next; connect-time settings stay', async () => {
  const session = await pid();
  await plugin.execute('SET statement_timeout = 1');
  await plugin.execute("SET search_path = 'nowhere'");
  await plugin.queryValue("SELECT set_config('app.tenant', 'alice', false)");
  await plugin.execute('SET ROLE session_reset_reader');
  expect(await pid()).toBe(session); // the same session all along
  expect(await plugin.queryValue('SHOW statement_timeout')).toBe('20s');
  expect(await plugin.queryValue('SHOW search_path')).toBe('"$user", public');
  expect(await plugin.queryValue("SELECT coalesce(current_setting('app.tenant', true), '')")).toBe('');
  expect(await plugin.queryValue('SELECT current_user')).toBe(db.config.user);
});

test('a session advisory lock is released before the answer of the request that took it leaves', async () => {
  // The reset is part of the request: right after each answer, another session can take the lock.
  for (let round = 0; round < 40; round++) {
    await plugin.queryValue('SELECT pg_advisory_lock(4243)');
    expect((await db.admin.query('SELECT pg_try_advisory_lock(4243) AS got')).rows[0].got).toBe(true);
    await db.admin.query('SELECT pg_advisory_unlock_all()');
  }
});

test('a temp table is dropped before the answer of the request that made it leaves', async () => {
  for (let round = 0; round < 20; round++) {
    await plugin.execute('CREATE TEMP TABLE gone_by_answer (x int)');
    const left = await db.admin.query("SELECT count(*)::int AS n FROM pg_class WHERE relname = 'gone_by_answer' AND relpersistence = 't'");
    expect(left.rows[0].n).toBe(0);
  }
});

test('temp tables, advisory locks and cursors WITH HOLD do not outlive the request', async () => {
  await plugin.execute('CREATE TEMP TABLE scratch (x int)');
  expect(await plugin.queryValue("SELECT to_regclass('pg_temp.scratch')::text")).toBeNull();
  await plugin.queryValue('SELECT pg_advisory_lock(4242)');
  // Another session can take the lock: the pooled session let it go.
  expect((await db.admin.query('SELECT pg_try_advisory_lock(4242) AS got')).rows[0].got).toBe(true);
  await db.admin.query('SELECT pg_advisory_unlock_all()');
  await plugin.query({ sql: 'DECLARE held CURSOR WITH HOLD FOR SELECT 1', multiStatement: true });
  expect(await plugin.queryValue("SELECT count(*)::int FROM pg_cursors WHERE name = 'held'")).toBe(0);
});

test('a SET inside a transaction handle is reset when the handle ends', async () => {
  const transactionId = await plugin.beginTransaction();
  await plugin.execute({ sql: 'SET work_mem = 12345', transactionId });
  await plugin.commit(transactionId);
  expect(await plugin.queryValue('SHOW work_mem')).not.toBe('12345kB');
});

test('ordinary statements (UPDATE … SET included) keep the session and its prepared statements', async () => {
  await plugin.queryValue('SELECT 41 + 1');
  const prepared = (await plugin.queryValue<number>('SELECT count(*)::int FROM pg_prepared_statements'))!;
  expect(prepared).toBeGreaterThan(0);
  await plugin.execute('UPDATE t SET x = x + 1 WHERE id = $1', [1]);
  await plugin.queryValue("SELECT 'reset' AS set_config_label");
  expect(await plugin.queryValue<number>('SELECT count(*)::int FROM pg_prepared_statements')).toBeGreaterThanOrEqual(prepared);
  // After a reset, the named statements are prepared again on demand.
  await plugin.execute('SET work_mem = 4096');
  expect(await plugin.queryValue('SELECT 41 + 1')).toBe(42);
  expect(await plugin.queryValue('SELECT 41 + 1')).toBe(42);
});

test('a transaction left open outside a handle is rolled back before the answer, and the session is reused', async () => {
  const session = await pid();
  const open = await plugin.execute('begin isolation level serializable').catch((e: { code: string; details: unknown }) => e);
  expect(open).toMatchObject({ code: 'POSTGRES_TRANSACTION_FAILED', details: { reason: 'left-open', rolledBack: true } });
  // Right after the answer, no session of this database is inside a transaction.
  const inTransaction = await db.admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'");
  expect(inTransaction.rows[0].n).toBe(0);
  const script = await plugin.execute({ sql: 'BEGIN; INSERT INTO t VALUES (99, 0)', multiStatement: true }).catch((e: { code: string }) => e);
  expect(script).toMatchObject({ code: 'POSTGRES_TRANSACTION_FAILED' });
  expect((await db.admin.query('SELECT count(*)::int AS n FROM t WHERE id = 99')).rows[0].n).toBe(0);
  expect(await pid()).toBe(session);
});

test('DEALLOCATE ALL by a caller does not break the prepared statements the plugin uses next', async () => {
  expect(await plugin.queryValue('SELECT $1::int + 1', [1])).toBe(2);
  await plugin.execute('DEALLOCATE ALL');
  expect(await plugin.queryValue('SELECT $1::int + 1', [2])).toBe(3);
});
