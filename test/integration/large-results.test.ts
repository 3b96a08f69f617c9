import type { PluginManager } from '../../host';
import { PostgresPlugin } from '../../worker/postgres-plugin';
import { quietManager } from '../support/managers';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

/**
 * A plain (not streamed) result has a byte budget, options.maxResultBytes
 * (32 MiB by default): past it the statement is cancelled on the server while
 * the rows arrive and the call answers POSTGRES_RESULT_TOO_LARGE, saying to
 * stream. Before, a million-row select kept the worker's event loop busy past
 * the heartbeat and the host killed the worker (POSTGRES_WORKER_CRASHED).
 */

/** About 100 bytes a row, as pgbench_accounts: 1,000,000 rows ≈ 100 MB. */
const MILLION_ACCOUNTS = `SELECT i AS aid, (i % 10) + 1 AS bid, 0 AS abalance, repeat(' ', 84) AS filler FROM generate_series(1, 1000000) AS i`;

let db: TestDatabase;
let plugins: PluginManager;

beforeAll(async () => {
  ({ db, plugins } = await openSuite('large_results', { manager: () => quietManager('warn') }));
});
afterAll(() => closeSuite({ plugins, db }));

test('a 1,000,000-row select with the defaults answers POSTGRES_RESULT_TOO_LARGE, the worker keeps its pid, and pings of another instance every 10 ms all answer', async () => {
  await plugins.executePlugin('postgres-plugin', 'big:db', db.config, 'ping', {});
  await plugins.executePlugin('postgres-plugin', 'other:db', db.config, 'ping', {});
  const pid = plugins.workerPid();
  const pings: Promise<{ ok: boolean; ms: number }>[] = [];
  const timer = setInterval(() => {
    const started = Date.now();
    pings.push(plugins.executePlugin('postgres-plugin', 'other:db', db.config, 'ping', {}).then((res) => ({ ok: res.success && res.data === true, ms: Date.now() - started })));
  }, 10);
  let res;
  try {
    res = await plugins.executePlugin('postgres-plugin', 'big:db', db.config, 'query', { sql: MILLION_ACCOUNTS });
  } finally {
    clearInterval(timer);
  }
  const answered = await Promise.all(pings);
  expect(res).toMatchObject({ success: false, error: { code: 'POSTGRES_RESULT_TOO_LARGE', details: { maxBytes: 32 * 1024 * 1024 }, message: expect.stringContaining('cursor') } });
  expect(plugins.workerPid()).toBe(pid);
  expect(answered.length).toBeGreaterThan(5);
  expect(answered.filter((p) => !p.ok)).toEqual([]);
  // The statement was cancelled, not read to its end: nothing of it still runs.
  expect(await countSessions(db.admin, { database: db.name, state: 'active', queryLike: '%generate_series(1, 1000000)%' })).toBe(0);
  // The instance is usable at once.
  expect(await plugins.executePlugin('postgres-plugin', 'big:db', db.config, 'queryValue', { sql: 'SELECT count(*) FROM generate_series(1, 1000)' })).toEqual({ success: true, data: '1000' });
});

test('options.maxResultBytes is the budget: a result past it fails, one within it answers in full, and the session stays usable', async () => {
  const config = { ...db.config, options: { maxResultBytes: 10_000 } };
  const within = await plugins.executePlugin<{ rows: unknown[] }>('postgres-plugin', 'budget:db', config, 'query', { sql: 'SELECT i, md5(i::text) FROM generate_series(1, 100) i' });
  expect(within.success && within.data.rows.length).toBe(100);
  const past = await plugins.executePlugin('postgres-plugin', 'budget:db', config, 'query', { sql: 'SELECT i, md5(i::text) FROM generate_series(1, 100000) i' });
  expect(past).toMatchObject({ success: false, error: { code: 'POSTGRES_RESULT_TOO_LARGE', details: { maxBytes: 10_000 } } });
  expect(await plugins.executePlugin('postgres-plugin', 'budget:db', config, 'queryValue', { sql: 'SELECT 41 + 1' })).toEqual({ success: true, data: 42 });
});

test('rows of NULLs count against the budget too (each NULL costs its JSON text)', async () => {
  const config = { ...db.config, options: { maxResultBytes: 100_000 } };
  const res = await plugins.executePlugin('postgres-plugin', 'budget-nulls:db', config, 'query', { sql: 'SELECT NULL AS a, NULL AS b FROM generate_series(1, 1000000)' });
  expect(res).toMatchObject({ success: false, error: { code: 'POSTGRES_RESULT_TOO_LARGE' } });
});

test('the budget holds for pipelined statements side by side: the large one fails, the small ones beside it answer', async () => {
  const config = { ...db.config, options: { maxResultBytes: 50_000 } };
  const calls = Array.from({ length: 12 }, (_, i) =>
    plugins.executePlugin<{ rows: unknown[] }>('postgres-plugin', 'budget-lanes:db', config, 'query', {
      sql: i === 5 ? 'SELECT i, md5(i::text) FROM generate_series(1, 200000) i' : 'SELECT i FROM generate_series(1, 10) i',
    }),
  );
  const answers = await Promise.all(calls);
  answers.forEach((res, i) => {
    if (i === 5) expect(res).toMatchObject({ success: false, error: { code: 'POSTGRES_RESULT_TOO_LARGE' } });
    else expect(res.success && res.data.rows.length).toBe(10);
  });
});

test('inside a transaction handle a result past the budget fails and the transaction is aborted, not left half-read', async () => {
  const config = { ...db.config, options: { maxResultBytes: 20_000 } };
  const begun = await plugins.executePlugin<{ transactionId: string }>('postgres-plugin', 'budget-tx:db', config, 'beginTransaction', {});
  if (!begun.success) throw new Error(begun.error.message);
  const { transactionId } = begun.data;
  const past = await plugins.executePlugin('postgres-plugin', 'budget-tx:db', config, 'query', { sql: 'SELECT i, md5(i::text) FROM generate_series(1, 100000) i', transactionId });
  expect(past).toMatchObject({ success: false, error: { code: 'POSTGRES_RESULT_TOO_LARGE' } });
  expect(await plugins.executePlugin('postgres-plugin', 'budget-tx:db', config, 'rollback', { transactionId })).toEqual({ success: true, data: null });
});

test('the in-process class has the same budget', async () => {
  const plugin = new PostgresPlugin({ config: { ...db.config, options: { maxResultBytes: 10_000 } } });
  try {
    await expect(plugin.query({ sql: 'SELECT i, md5(i::text) FROM generate_series(1, 100000) i' })).rejects.toMatchObject({ code: 'POSTGRES_RESULT_TOO_LARGE' });
    await expect(plugin.queryValue({ sql: 'SELECT 7' })).resolves.toBe(7);
  } finally {
    await plugin.disconnect();
  }
});

test('object rows rebuilt by the host from array rows equal the in-process rows: repeated names, __proto__, every kind of value', async () => {
  const sql = `SELECT 1 AS a, 2 AS a, 'x' AS "__proto__", NULL::int AS n, 12345678901234567890::numeric AS big, '{"k":[1,2]}'::jsonb AS doc,
                      '\\x00ff'::bytea AS bin, timestamptz '2024-01-02 03:04:05.123456+00' AS at, ARRAY[1.5, 'NaN']::float8[] AS floats, 'Infinity'::float8 AS inf`;
  const plugin = new PostgresPlugin({ config: db.config });
  try {
    const inProcess = await plugin.query({ sql });
    const viaHost = await plugins.executePlugin<{ rows: Record<string, unknown>[]; fields: unknown[] }>('postgres-plugin', 'rows:db', db.config, 'query', { sql });
    if (!viaHost.success) throw new Error(viaHost.error.message);
    const row = viaHost.data.rows[0]!;
    expect(Object.keys(row)).toEqual(Object.keys(inProcess.rows[0]!));
    expect(JSON.stringify(viaHost.data.rows)).toEqual(JSON.stringify(inProcess.rows));
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('x');
    expect(row.a).toBe(2);
    expect(viaHost.data.fields).toEqual(inProcess.fields);
    // Asked for arrays, the caller gets the arrays as they came.
    const arrays = await plugins.executePlugin<{ rows: unknown[][] }>('postgres-plugin', 'rows:db', db.config, 'query', { sql, rowMode: 'array' });
    expect(arrays.success && arrays.data.rows[0]!.slice(0, 3)).toEqual([1, 2, 'x']);
  } finally {
    await plugin.disconnect();
  }
});
