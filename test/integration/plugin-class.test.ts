import { PostgresPlugin, initialize } from '../../worker/postgres-plugin';
import { rejection } from '../support/rejection';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugin: PostgresPlugin;

beforeAll(async () => {
  ({ db, plugin } = await openSuite('plugin_class', { plugin: {} }));
  await plugin.initialize();
});

afterAll(() => closeSuite({ plugin, db }));


describe('the documentation examples', () => {
  test('unit-test example: SELECT 1 as test gives 1', async () => {
    const context = { config: db.config };
    const p = new PostgresPlugin(context);
    await p.initialize(context);
    const result = await p.queryValue('SELECT 1 as test');
    expect(result).toBe(1);
    await p.disconnect();
  });

  test('initialize(context) creates a ready plugin', async () => {
    const p = await initialize({ config: { connection: db.config, pool: { max: 2 } } });
    await p.connect();
    expect(await p.isConnected()).toBe(true);
    expect(await p.ping()).toBe(true);
    await p.disconnect();
    expect(await p.isConnected()).toBe(false);
  });
});

describe('query operations', () => {
  beforeAll(async () => {
    await plugin.execute('CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL)');
    await plugin.execute({ sql: 'INSERT INTO people VALUES ($1, $2), ($3, $4)', params: [1, 'Ada', 2, 'Linus'] });
  });

  test('query returns rows, rowCount, command and fields', async () => {
    const result = await plugin.query({ sql: 'SELECT id, name FROM people ORDER BY id' });
    expect(result.rows).toEqual([
      { id: 1, name: 'Ada' },
      { id: 2, name: 'Linus' },
    ]);
    expect(result.rowCount).toBe(2);
    expect(result.command).toBe('SELECT');
    expect(result.fields).toEqual([
      { name: 'id', dataTypeID: 23 },
      { name: 'name', dataTypeID: 25 },
    ]);
  });

  test('rowMode array returns positional rows', async () => {
    const result = await plugin.query({ sql: 'SELECT id, name FROM people WHERE id = $1', params: [2], rowMode: 'array' });
    expect(result.rows).toEqual([[2, 'Linus']]);
  });

  test('queryOne gives the first row or null; queryValue the first column or null', async () => {
    expect(await plugin.queryOne('SELECT name FROM people WHERE id = $1', [1])).toEqual({ name: 'Ada' });
    expect(await plugin.queryOne('SELECT name FROM people WHERE id = $1', [99])).toBeNull();
    expect(await plugin.queryValue('SELECT count(*) FROM people')).toBe('2');
    expect(await plugin.queryValue('SELECT name FROM people WHERE id = 99')).toBeNull();
  });

  test('execute gives rowCount and command', async () => {
    expect(await plugin.execute('UPDATE people SET name = upper(name)')).toEqual({ rowCount: 2, command: 'UPDATE' });
  });

  test('values are JSON-safe and lossless', async () => {
    const row = await plugin.queryOne(`SELECT
        9007199254740993::int8 AS big,
        '12345678901234567890.123456789'::numeric AS num,
        '2024-02-29 13:14:15.123456+05:30'::timestamptz AS tstz,
        '2024-02-29 13:14:15.5'::timestamp AS ts,
        '2024-02-29'::date AS d,
        '\\x00ff10'::bytea AS bin,
        '{"a":[1,2,{"b":null}]}'::jsonb AS doc,
        ARRAY['2024-01-01 00:00:00+00'::timestamptz] AS tss,
        '1 day 02:00'::interval AS iv`);
    expect(row).toEqual({
      big: '9007199254740993',
      num: '12345678901234567890.123456789',
      tstz: '2024-02-29T07:44:15.123456+00:00',
      ts: '2024-02-29T13:14:15.5',
      d: '2024-02-29',
      bin: Buffer.from([0, 255, 16]).toString('base64'),
      doc: { a: [1, 2, { b: null }] },
      tss: ['2024-01-01T00:00:00+00:00'],
      iv: '1 day 02:00:00',
    });
  });

  test('SQL errors keep the database detail', async () => {
    const error = await rejection(plugin.query('SELECT nope FROM people'));
    expect(error.code).toBe('POSTGRES_QUERY_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ sqlState: '42703', position: '8' });
    const dup = await rejection(plugin.execute({ sql: 'INSERT INTO people VALUES ($1, $2)', params: [1, 'again'] }));
    expect(dup.details).toMatchObject({ sqlState: '23505', constraint: 'people_pkey', table: 'people' });
    expect(String(dup.details.detail)).toContain('(id)=(1)');
  });

  test('invalid params name the field', async () => {
    const error = await rejection(plugin.query({ sql: '' }));
    expect(error.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(error.details.issues).toEqual([{ path: 'params.sql', message: expect.stringContaining('non-empty') }]);
  });
});

describe('one statement per sql', () => {
  beforeAll(async () => {
    await plugin.execute('CREATE TABLE t (x int)');
  });

  test('a stacked statement is refused and nothing runs', async () => {
    const error = await rejection(plugin.query('SELECT 1; DROP TABLE t'));
    expect(error.code).toBe('POSTGRES_QUERY_FAILED');
    expect(error.details.sqlState).toBe('42601');
    expect(await plugin.queryValue("SELECT to_regclass('public.t')::text")).toBe('t');
  });

  test("a stacked statement's error names multiStatement, in the message and as the hint", async () => {
    const error = await rejection(plugin.query('SELECT 1; SELECT 2'));
    expect(error.message).toMatch(/cannot insert multiple commands into a prepared statement \(one statement per sql: .*multiStatement: true and no params\)/);
    expect(error.details.hint).toMatch(/multiStatement: true/);
    expect(error.retryable).toBe(false);
  });

  test('multiStatement: true runs a script on the simple protocol', async () => {
    const result = await plugin.query({ sql: 'INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); SELECT count(*)::int AS n FROM t', multiStatement: true });
    expect(result.rows).toEqual([{ n: 2 }]);
  });

  test('multiStatement refuses params', async () => {
    const error = await rejection(plugin.query({ sql: 'SELECT $1', params: [1], multiStatement: true }));
    expect(error.details.issues).toEqual([{ path: 'params.params', message: expect.stringContaining('take no params') }]);
  });
});

describe('timeouts', () => {
  test('a statement past its timeout is cancelled on the server, fast, and the client is reusable', async () => {
    const p = new PostgresPlugin({ config: { ...db.config, max: 1, options: { preparedStatements: true } } });
    await p.initialize();
    const started = Date.now();
    const error = await rejection(p.query({ sql: 'SELECT pg_sleep(10)', timeout: 300 }));
    const elapsed = Date.now() - started;
    expect(error.code).toBe('POSTGRES_QUERY_TIMEOUT');
    expect(error.retryable).toBe(false);
    expect(elapsed).toBeLessThan(1000);
    // This suite's database only: other suites on the shared server run the same statement.
    expect(await countSessions(db.admin, { database: db.config.database, queryLike: 'SELECT pg_sleep(10)%', state: 'active' })).toBe(0);
    // max: 1, so this runs on the very client that timed out.
    expect(await p.queryValue('SELECT 42')).toBe(42);
    expect((await p.getStats()).total).toBe(1);
    await p.disconnect();
  });

  test('the session statement_timeout (options.queryTimeout) is enforced by the server', async () => {
    const p = new PostgresPlugin({ config: { ...db.config, options: { queryTimeout: 200 } } });
    const error = await rejection(p.query('SELECT pg_sleep(5)'));
    expect(error.code).toBe('POSTGRES_QUERY_TIMEOUT');
    expect(await p.queryValue("SELECT current_setting('lock_timeout')")).toBe('10s');
    await p.disconnect();
  });

  test('a timeout longer than the session default lifts it for that statement only', async () => {
    const p = new PostgresPlugin({ config: { ...db.config, max: 1, options: { queryTimeout: 100 } } });
    expect(await p.queryValue({ sql: 'SELECT pg_sleep(0.3)::text', timeout: 2000 })).toBe('');
    expect(await p.queryValue('SHOW statement_timeout')).toBe('100ms');
    await p.disconnect();
  });

  test('an AbortSignal cancels the statement on the server', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await rejection(plugin.query({ sql: 'SELECT pg_sleep(10)', signal: controller.signal }));
    expect(error.code).toBe('POSTGRES_QUERY_CANCELLED');
  });
});

describe('pool and stats', () => {
  test('getStats counts queries and errors and carries no secret', async () => {
    const p = new PostgresPlugin({ config: { ...db.config, max: 3, min: 0 } });
    await p.query('SELECT 1');
    await p.query('SELECT 1/0').catch(() => undefined);
    const stats = await p.getStats();
    expect(stats).toMatchObject({ max: 3, min: 0, queryCount: 2, errorCount: 1, waiting: 0 });
    expect(stats.total).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(stats)).not.toContain(db.config.password);
    await p.closeAllConnections();
    expect((await p.getStats()).total).toBe(0);
    await p.disconnect();
  });

  test('a full pool answers POSTGRES_POOL_EXHAUSTED (retryable) after connectionTimeoutMillis', async () => {
    const p = new PostgresPlugin({ config: { ...db.config, max: 1, connectionTimeoutMillis: 300 } });
    const sleeper = p.query('SELECT pg_sleep(1)');
    await new Promise((r) => setTimeout(r, 100));
    const error = await rejection(p.query('SELECT 1'));
    expect(error.code).toBe('POSTGRES_POOL_EXHAUSTED');
    expect(error.retryable).toBe(true);
    await sleeper;
    expect(await p.queryValue('SELECT 1')).toBe(1);
    await p.disconnect();
  });

  test('prepared statements survive a result-type change after DDL', async () => {
    const p = new PostgresPlugin({ config: { ...db.config, max: 1 } });
    await p.execute('CREATE TABLE shifting (a int)');
    await p.execute('INSERT INTO shifting VALUES (1)');
    expect(await p.queryOne('SELECT * FROM shifting')).toEqual({ a: 1 });
    await p.execute('ALTER TABLE shifting ADD COLUMN b text');
    expect(await p.queryOne('SELECT * FROM shifting')).toEqual({ a: 1, b: null });
    await p.disconnect();
  });
});

describe('configuration', () => {
  test('unknown keys are refused by name', async () => {
    expect(() => new PostgresPlugin({ config: { ...db.config, pool: { maxx: 3 } } as never })).toThrow(/config\.pool\.maxx: unknown key 'maxx'/);
  });

  test('connectionString works and its password never shows in errors', async () => {
    const url = new URL(db.url);
    const p = new PostgresPlugin({ config: { connectionString: url.toString() } });
    expect(await p.queryValue('SELECT current_database()')).toBe(db.name);
    await p.disconnect();
    url.pathname = '/no_such_database_here';
    const bad = new PostgresPlugin({ config: { connectionString: url.toString() } });
    const error = await rejection(bad.query('SELECT 1'));
    expect(error.code).toBe('POSTGRES_CONNECTION_FAILED');
    expect(JSON.stringify(error.toData())).not.toContain(db.config.password);
    await bad.disconnect();
  });
});

test('a stale prepared plan inside a transaction fails cleanly (no retry into an aborted transaction)', async () => {
  const p = new PostgresPlugin({ config: { ...db.config, max: 1 } });
  await p.execute('CREATE TABLE shifting_tx (a int)');
  expect(await p.query('SELECT * FROM shifting_tx')).toMatchObject({ rowCount: 0 });
  const transactionId = await p.beginTransaction();
  await p.execute({ sql: 'ALTER TABLE shifting_tx ADD COLUMN b text', transactionId });
  const error = await rejection(p.query({ sql: 'SELECT * FROM shifting_tx', transactionId }));
  expect(error.code).toBe('POSTGRES_TRANSACTION_FAILED');
  expect(error.details).toMatchObject({ sqlState: '0A000', reason: 'aborted' });
  await p.rollback(transactionId);
  // Outside a transaction the same statement re-prepares and works.
  expect((await p.query('SELECT * FROM shifting_tx')).fields.map((f) => f.name)).toEqual(['a']);
  await p.disconnect();
});
