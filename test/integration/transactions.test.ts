import type { PluginManager } from '../../host';
import { quietManager } from '../support/managers';
import { pluginCalls } from '../support/plugin-calls';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugins: PluginManager;
let config: TestDatabase['config'];
const instanceId = 'tenant-a:tx';

beforeAll(async () => {
  ({ db, plugins } = await openSuite('transactions', { manager: quietManager }));
  config = db.config;
  await db.admin.query('CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL CHECK (balance >= 0))');
  await db.admin.query('CREATE TABLE transfers (id serial PRIMARY KEY, from_id int, to_id int, amount numeric(12,2), ref text UNIQUE)');
});
afterAll(() => closeSuite({ plugins, db }));
beforeEach(async () => {
  await db.admin.query('TRUNCATE accounts, transfers CASCADE');
  await db.admin.query("INSERT INTO accounts VALUES (1, 'alice', 1000), (2, 'bob', 1000)");
});

const { run, data, refused: error } = pluginCalls(instanceId, () => ({ plugins, config }));

const balances = async () => (await db.admin.query('SELECT id, balance::text FROM accounts ORDER BY id')).rows;

describe('documentation examples, as written in docs/plugin-api.md', () => {
  test('Transaction Management', async () => {
    // --- docs/plugin-api.md "Transaction Management" ---
    const result = await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'transaction', {
      operations: [
        { sql: 'UPDATE accounts SET balance = balance - $1 WHERE id = $2', params: [100, 1] },
        { sql: 'UPDATE accounts SET balance = balance + $1 WHERE id = $2', params: [100, 2] },
        { sql: 'INSERT INTO transfers (from_id, to_id, amount) VALUES ($1, $2, $3) RETURNING id', params: [1, 2, 100] },
      ],
      isolationLevel: 'SERIALIZABLE',
    });
    // --- end of example ---
    expect(result.success).toBe(true);
    const results = (result as { data: { results: { rowCount: number; command: string; rows: unknown[] }[] } }).data.results;
    expect(results.map((r) => [r.command, r.rowCount])).toEqual([
      ['UPDATE', 1],
      ['UPDATE', 1],
      ['INSERT', 1],
    ]);
    expect(results[2]!.rows).toEqual([{ id: expect.any(Number) }]);
    expect(await balances()).toEqual([
      { id: 1, balance: '900.00' },
      { id: 2, balance: '1100.00' },
    ]);
  });

  test('Migration Example', async () => {
    // --- docs/plugin-api.md "Migration Example" ---
    const begin = await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'beginTransaction', { isolationLevel: 'READ COMMITTED' });
    if (!begin.success) throw new Error(begin.error.message);
    const { transactionId } = begin.data as { transactionId: string };
    try {
      for (const sql of [
        'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
        'CREATE TABLE orders (id bigserial PRIMARY KEY, account_id int NOT NULL REFERENCES accounts(id), total numeric(12,2) NOT NULL)',
        'CREATE INDEX orders_account_idx ON orders (account_id)',
      ]) {
        const step = await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'execute', { sql, transactionId });
        if (!step.success) throw new Error(step.error.message);
      }
      const mark = await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'execute', {
        sql: 'INSERT INTO schema_migrations (version) VALUES ($1)',
        params: ['2024_01_01_create_orders'],
        transactionId,
      });
      if (!mark.success) throw new Error(mark.error.message);
      const committed = await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'commit', { transactionId });
      if (!committed.success) throw new Error(committed.error.message);
    } catch (err) {
      await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'rollback', { transactionId });
      throw err;
    }
    // --- end of example ---
    expect((await db.admin.query('SELECT version FROM schema_migrations')).rows).toEqual([{ version: '2024_01_01_create_orders' }]);
    expect((await db.admin.query("SELECT to_regclass('orders_account_idx')::text AS i")).rows[0].i).toBe('orders_account_idx');
  });
});

describe('transaction: all or nothing', () => {
  test('a failing second statement leaves no trace of the first, and says which index failed', async () => {
    const e = await error('transaction', {
      operations: [
        { sql: 'UPDATE accounts SET balance = balance - 100 WHERE id = 1' },
        { sql: 'UPDATE accounts SET balance = balance - 5000 WHERE id = 2' },
        { sql: 'UPDATE accounts SET balance = 0' },
      ],
    });
    expect(e.code).toBe('POSTGRES_TRANSACTION_FAILED');
    expect(e.retryable).toBe(false);
    expect(e.details).toMatchObject({ operationIndex: 1, sqlState: '23514', constraint: 'accounts_balance_check', rolledBack: true });
    expect(await balances()).toEqual([
      { id: 1, balance: '1000.00' },
      { id: 2, balance: '1000.00' },
    ]);
  });

  test('isolation level words are accepted with underscores or spaces; others are refused by name', async () => {
    for (const isolationLevel of ['READ_UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE_READ', 'serializable']) {
      const r = await data('transaction', { operations: [{ sql: 'SELECT current_setting($1) AS level', params: ['transaction_isolation'] }], isolationLevel });
      expect(r.results[0].rows[0].level).toBe(isolationLevel.toLowerCase().replace('_', ' '));
    }
    const e = await error('transaction', { operations: [{ sql: 'SELECT 1' }], isolationLevel: 'SNAPSHOT' });
    expect(e.details.issues).toEqual([{ path: 'params.isolationLevel', message: expect.stringContaining('READ_COMMITTED') }]);
  });

  test('money transfers: 8 callers × 200 SERIALIZABLE transfers keep the sum, each acknowledged once', async () => {
    await db.admin.query('TRUNCATE accounts, transfers CASCADE');
    await db.admin.query("INSERT INTO accounts SELECT g, 'owner' || g, 1000 FROM generate_series(1, 10) g");
    const acknowledged: string[] = [];
    let retries = 0;
    const caller = async (c: number) => {
      for (let i = 0; i < 200; i++) {
        const from = 1 + ((c * 7 + i * 3) % 10);
        const to = 1 + ((from + 1 + (i % 8)) % 10);
        const amount = 1 + ((c + i) % 5);
        const ref = `c${c}-t${i}`;
        for (;;) {
          const res = await run('transaction', {
            isolationLevel: 'SERIALIZABLE',
            operations: [
              { sql: 'UPDATE accounts SET balance = balance - $1 WHERE id = $2', params: [amount, from] },
              { sql: 'UPDATE accounts SET balance = balance + $1 WHERE id = $2', params: [amount, to] },
              { sql: 'INSERT INTO transfers (from_id, to_id, amount, ref) VALUES ($1, $2, $3, $4)', params: [from, to, amount, ref] },
            ],
          });
          if (res.success) {
            acknowledged.push(ref);
            break;
          }
          // Only serialization failures and deadlocks are retried, as the contract says.
          expect(res.error.retryable).toBe(true);
          expect(['40001', '40P01']).toContain(res.error.details.sqlState);
          retries++;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, c) => caller(c)));
    expect(acknowledged).toHaveLength(1600);
    const total = await db.admin.query('SELECT sum(balance)::text AS s FROM accounts');
    expect(total.rows[0].s).toBe('10000.00');
    const refs = await db.admin.query('SELECT ref FROM transfers');
    expect(refs.rows.map((r) => r.ref).sort()).toEqual([...acknowledged].sort());
    // Every account's balance is exactly what its recorded transfers say.
    const drift = await db.admin.query(`
      SELECT count(*)::int AS n FROM accounts a
      WHERE a.balance <> 1000 - coalesce((SELECT sum(amount) FROM transfers WHERE from_id = a.id), 0)
                              + coalesce((SELECT sum(amount) FROM transfers WHERE to_id = a.id), 0)`);
    expect(drift.rows[0].n).toBe(0);
    console.log(`money transfers: 1600 acknowledged, ${retries} serialization retries`);
    // 1,600 SERIALIZABLE transactions plus their retries on 2 shared cores: bounded work, generous limit.
  }, 180_000);
});

describe('transaction handles', () => {
  test('statements join the handle; commit makes them visible, only then', async () => {
    const { transactionId } = await data('beginTransaction');
    expect(transactionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await data('execute', { sql: 'UPDATE accounts SET balance = 1 WHERE id = 1', transactionId });
    expect(await data('queryValue', { sql: 'SELECT balance FROM accounts WHERE id = 1', transactionId })).toBe('1.00');
    expect((await balances())[0].balance).toBe('1000.00');
    expect(await data('commit', { transactionId })).toBeNull();
    expect((await balances())[0].balance).toBe('1.00');
  });

  test("a handle's transaction id is learned by the plugin's prepared statement in the BEGIN round trip, and it is this transaction's id", async () => {
    const { transactionId } = await data('beginTransaction');
    await data('execute', { sql: 'UPDATE accounts SET balance = 2 WHERE id = 1', transactionId });
    // The same session: the id statement is prepared there, and the id it took is the one the UPDATE writes under.
    const prepared = await data('queryValue', { sql: "SELECT count(*)::int FROM pg_prepared_statements WHERE name = 'postgres_plugin_xid'", transactionId });
    const assigned = await data('queryValue', { sql: 'SELECT txid_current_if_assigned()::text', transactionId });
    expect(await data('commit', { transactionId })).toBeNull();
    expect(prepared).toBe(1);
    expect(assigned).toMatch(/^\d+$/);
    expect((await db.admin.query('SELECT txid_status($1::bigint) AS s', [assigned])).rows[0].s).toBe('committed');
  });

  test('reuse after commit, cross-instance use and use after rollback are NOT_FOUND with the reason, touching nothing', async () => {
    const { transactionId } = await data('beginTransaction');
    await data('execute', { sql: 'UPDATE accounts SET balance = 7 WHERE id = 1', transactionId });
    const other = await error('execute', { sql: 'UPDATE accounts SET balance = 0', transactionId }, 'tenant-b:tx');
    expect(other).toMatchObject({ code: 'POSTGRES_TRANSACTION_NOT_FOUND', details: { reason: 'unknown', transactionId } });
    await expect(error('rollback', { transactionId }, 'tenant-b:tx')).resolves.toMatchObject({ code: 'POSTGRES_TRANSACTION_NOT_FOUND' });
    await data('commit', { transactionId });
    const reused = await error('execute', { sql: 'UPDATE accounts SET balance = 0', transactionId });
    expect(reused).toMatchObject({ code: 'POSTGRES_TRANSACTION_NOT_FOUND', details: { reason: 'committed' } });
    expect((await error('commit', { transactionId })).details.reason).toBe('committed');
    const second = await data('beginTransaction');
    await data('rollback', second);
    expect((await error('query', { sql: 'SELECT 1', ...second })).details.reason).toBe('rolled-back');
    expect(await balances()).toEqual([
      { id: 1, balance: '7.00' },
      { id: 2, balance: '1000.00' },
    ]);
    const made = await error('query', { sql: 'SELECT 1', transactionId: 'made-up-id' });
    expect(made.details.reason).toBe('unknown');
  });

  test('idle timeout rolls back and releases; later use says idle-timeout', async () => {
    const { transactionId } = await data('beginTransaction', { idleTimeout: 300 });
    await data('execute', { sql: 'UPDATE accounts SET balance = 5 WHERE id = 2', transactionId });
    expect((await data('getStats')).openTransactions).toBe(1);
    await new Promise((r) => setTimeout(r, 700));
    const e = await error('execute', { sql: 'UPDATE accounts SET balance = 6 WHERE id = 2', transactionId });
    expect(e).toMatchObject({ code: 'POSTGRES_TRANSACTION_NOT_FOUND', details: { reason: 'idle-timeout' } });
    expect((await balances())[1].balance).toBe('1000.00');
    expect((await data('getStats')).openTransactions).toBe(0);
  });

  test('a statement error aborts the handle until rollback; commit of an aborted handle rolls back and says so', async () => {
    const { transactionId } = await data('beginTransaction');
    await data('execute', { sql: 'UPDATE accounts SET balance = 3 WHERE id = 1', transactionId });
    const failed = await error('execute', { sql: 'SELECT 1/0', transactionId });
    expect(failed).toMatchObject({ code: 'POSTGRES_TRANSACTION_FAILED', details: { sqlState: '22012', reason: 'aborted' } });
    const later = await error('query', { sql: 'SELECT 1', transactionId });
    expect(later).toMatchObject({ code: 'POSTGRES_TRANSACTION_FAILED', details: { reason: 'aborted' } });
    const commit = await error('commit', { transactionId });
    expect(commit).toMatchObject({ code: 'POSTGRES_TRANSACTION_FAILED', details: { reason: 'aborted', rolledBack: true } });
    expect((await balances())[0].balance).toBe('1000.00');
    expect((await error('rollback', { transactionId })).details.reason).toBe('aborted');
  });

  test('two requests on one handle at once run one after the other', async () => {
    const { transactionId } = await data('beginTransaction');
    const sql = 'SELECT clock_timestamp()::text AS started, pg_sleep(0.2)::text, clock_timestamp()::text AS ended';
    const [a, b] = await Promise.all([data('queryOne', { sql, transactionId }), data('queryOne', { sql, transactionId })]);
    const [first, second] = [a, b].sort((x, y) => (x.started < y.started ? -1 : 1));
    expect(second.started >= first.ended).toBe(true);
    await data('rollback', { transactionId });
  });

  test('30 handles on a pool of 5: the 6th waits then POOL_EXHAUSTED; after rollback the pool is back at its idle baseline', async () => {
    const small = { ...config, max: 5, connectionTimeoutMillis: 500 };
    const id = 'tenant-a:small-pool';
    await plugins.executePlugin('postgres-plugin', id, small, 'ping', {});
    const before = (await plugins.executePlugin<any>('postgres-plugin', id, small, 'getStats', {})) as { data: any };
    const started = Date.now();
    const attempts = await Promise.all(Array.from({ length: 30 }, () => plugins.executePlugin<any>('postgres-plugin', id, small, 'beginTransaction', {})));
    const opened = attempts.filter((a) => a.success).map((a) => (a as { data: { transactionId: string } }).data.transactionId);
    const refused = attempts.filter((a) => !a.success).map((a) => (a as { error: { code: string; retryable: boolean } }).error);
    expect(opened).toHaveLength(5);
    expect(refused).toHaveLength(25);
    expect(new Set(refused.map((e) => e.code))).toEqual(new Set(['POSTGRES_POOL_EXHAUSTED']));
    expect(refused.every((e) => e.retryable)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    const during = (await plugins.executePlugin<any>('postgres-plugin', id, small, 'getStats', {})) as { data: any };
    expect(during.data).toMatchObject({ total: 5, idle: 0, openTransactions: 5 });
    for (const transactionId of opened) await plugins.executePlugin('postgres-plugin', id, small, 'rollback', { transactionId });
    const after = (await plugins.executePlugin<any>('postgres-plugin', id, small, 'getStats', {})) as { data: any };
    expect(after.data).toMatchObject({ idle: after.data.total, waiting: 0, openTransactions: 0 });
    expect(after.data.total).toBeGreaterThanOrEqual(before.data.total);
    const sessions = await db.admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'", [db.name]);
    expect(sessions.rows[0].n).toBe(0);
  });

  test('disconnect rolls back open handles', async () => {
    const { transactionId } = await data('beginTransaction');
    await data('execute', { sql: 'UPDATE accounts SET balance = 9 WHERE id = 1', transactionId });
    await data('disconnect');
    expect((await error('commit', { transactionId })).details.reason).toBe('rolled-back');
    expect((await balances())[0].balance).toBe('1000.00');
  });
});

describe('read-only transactions cannot be escaped', () => {
  const escapes = [
    { sql: "COMMIT; INSERT INTO accounts VALUES (99, 'mallory', 1)" },
    { sql: 'COMMIT' },
    { sql: "/* hidden */ COMMIT" },
    { sql: 'SET TRANSACTION READ WRITE' },
    { sql: 'SET LOCAL transaction_read_only = off' },
    { sql: "INSERT INTO accounts VALUES (99, 'mallory', 1)" },
  ];

  test.each(escapes)('handle: %p is refused and nothing is written', async (attempt) => {
    const { transactionId } = await data('beginTransaction', { readOnly: true });
    expect((await run('execute', { ...attempt, transactionId })).success).toBe(false);
    // And a write on this id must not land afterwards either.
    await run('execute', { sql: "INSERT INTO accounts VALUES (98, 'mallory', 1)", transactionId });
    await run('commit', { transactionId });
    expect((await db.admin.query('SELECT count(*)::int AS n FROM accounts WHERE id IN (98, 99)')).rows[0].n).toBe(0);
  });

  test('handle: multiStatement is refused inside a readOnly transaction', async () => {
    const { transactionId } = await data('beginTransaction', { readOnly: true });
    const e = await error('execute', { sql: "COMMIT; INSERT INTO accounts VALUES (99, 'm', 1)", multiStatement: true, transactionId });
    expect(e).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.multiStatement' }] } });
    await data('rollback', { transactionId });
    expect((await db.admin.query('SELECT count(*)::int AS n FROM accounts WHERE id = 99')).rows[0].n).toBe(0);
  });

  test.each(escapes)('transaction op: %p then a write is refused and nothing is written', async (attempt) => {
    const res = await run('transaction', { readOnly: true, operations: [attempt, { sql: "INSERT INTO accounts VALUES (98, 'mallory', 1)" }] });
    expect(res.success).toBe(false);
    expect((await db.admin.query('SELECT count(*)::int AS n FROM accounts WHERE id IN (98, 99)')).rows[0].n).toBe(0);
  });
});
