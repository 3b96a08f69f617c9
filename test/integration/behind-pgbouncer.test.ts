import type { PluginManager } from '../../host';
import { quietManager, waitFor } from '../support/managers';
import { startPgBouncer, type PgBouncer } from '../support/pgbouncer';
import { pluginCalls } from '../support/plugin-calls';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

/**
 * The plugin's defaults behind PgBouncer (Debian's 1.18): transaction mode
 * with PgBouncer's own defaults (it refuses the session settings the pool sends
 * at connect) and as commonly configured (`ignore_startup_parameters`), and
 * statement mode; PgBouncer's pool (4) smaller than the plugin's (10). Every
 * answer must be the right one: no 42P05/26000 from the plugin's statement
 * names, nothing session-bound answered wrong.
 */
const PLUGIN_POOL = 10;
const BOUNCER_POOL = 4;
const IGNORED = 'ignore_startup_parameters = statement_timeout,lock_timeout,idle_in_transaction_session_timeout';

let db: TestDatabase;
let plugins: PluginManager;
const bouncers: PgBouncer[] = [];

beforeAll(async () => {
  ({ db, plugins } = await openSuite('behind_pgbouncer', { manager: () => quietManager('error') }));
  await db.admin.query("CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g");
  await db.admin.query('CREATE SEQUENCE tickets');
});

afterAll(async () => {
  await closeSuite({ plugins });
  for (const bouncer of bouncers) await bouncer.stop();
  await closeSuite({ db });
});

/** Calls through a PgBouncer of `mode` (with `settings`) under instance `id`, the plugin's defaults otherwise. */
async function behind(id: string, poolMode: 'transaction' | 'statement', settings: string[] = [], options: Record<string, unknown> = {}) {
  const bouncer = await startPgBouncer(db.config, { poolMode, poolSize: BOUNCER_POOL, settings });
  bouncers.push(bouncer);
  const config = { ...db.config, host: bouncer.host, port: bouncer.port, max: PLUGIN_POOL, ...(Object.keys(options).length ? { options } : {}) };
  return { bouncer, config, ...pluginCalls(id, () => ({ plugins, config })) };
}

/** `bursts` × `size` concurrent primary-key lookups; every answer is checked against its own key. */
async function lookups(data: (op: string, p: Record<string, unknown>) => Promise<any>, bursts = 3, size = 400): Promise<{ wrong: number; failed: string[] }> {
  let wrong = 0;
  const failed: string[] = [];
  for (let b = 0; b < bursts; b++) {
    const answers = await Promise.allSettled(
      Array.from({ length: size }, (_, i) => data('queryValue', { sql: 'SELECT label FROM items WHERE id = $1', params: [((i * 7 + b) % 1000) + 1] })),
    );
    answers.forEach((a, i) => {
      if (a.status === 'rejected') failed.push(String(a.reason.message));
      else if (a.value !== `item ${((i * 7 + b) % 1000) + 1}`) wrong++;
    });
  }
  return { wrong, failed };
}

describe.each([
  ['PgBouncer defaults (startup settings refused)', 'tx-defaults', [] as string[]],
  ['ignore_startup_parameters', 'tx-ignoring', [IGNORED]],
])('transaction mode, %s, plugin defaults', (_name, id, settings) => {
  let calls: Awaited<ReturnType<typeof behind>>;
  beforeAll(async () => {
    calls = await behind(id, 'transaction', settings);
  });

  test('1,200 concurrent lookups all answer their own row', async () => {
    const { wrong, failed } = await lookups(calls.data);
    expect({ wrong, failed: [...new Set(failed)] }).toEqual({ wrong: 0, failed: [] });
  });

  test('transaction handles commit and roll back; batchInsert (COPY, conflict stage) and count agree', async () => {
    const table = `moves_${id.replace('-', '_')}`;
    await calls.data('execute', { sql: `CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)` });
    const handles = await Promise.all([1, 2, 3].map(() => calls.data('beginTransaction')));
    await Promise.all(handles.map((h, i) => calls.data('insert', { table, data: { id: i + 1, n: 1 }, transactionId: h.transactionId })));
    // Each handle sees its own row only: its statements stay on its server session.
    const seen = await Promise.all(handles.map((h) => calls.data('count', { table, transactionId: h.transactionId })));
    expect(seen).toEqual([1, 1, 1]);
    await calls.data('commit', { transactionId: handles[0].transactionId });
    await calls.data('commit', { transactionId: handles[1].transactionId });
    await calls.data('rollback', { transactionId: handles[2].transactionId });
    expect(await calls.data('count', { table })).toBe(2);

    const records = Array.from({ length: 5_000 }, (_, i) => ({ id: i + 1, n: 10 }));
    const progress: number[] = [];
    const res = await plugins.executePlugin('postgres-plugin', id, calls.config, 'batchInsert', { table, records, conflictStrategy: 'update', conflictTarget: ['id'] }, {
      onProgress: (done) => progress.push(done),
    });
    expect(res).toMatchObject({ success: true, data: { inserted: 4_998, updated: 2, skipped: 0 } });
    expect(progress.at(-1)).toBe(5_000);
    // Again: the temp stage of the first batch is gone from whatever server session it used.
    expect(await calls.data('batchInsert', { table, records: records.slice(0, 10), conflictStrategy: 'ignore' })).toEqual({ inserted: 0, updated: 0, skipped: 10 });
    expect(await calls.data('queryValue', { sql: `SELECT sum(n)::int FROM ${table}` })).toBe(50_000);
  });

  test('a cursor reads in batches on one server session; PluginManager.stream reads a result to its end', async () => {
    const { cursorId } = await calls.data('openCursor', { sql: 'SELECT id FROM items ORDER BY id', batchSize: 300 });
    const seen: number[] = [];
    for (;;) {
      const batch = await calls.data('fetch', { cursorId });
      seen.push(...batch.rows.map((r: { id: number }) => r.id));
      if (batch.done) break;
    }
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const refused = await calls.refused('openCursor', { sql: "SELECT currval('tickets')" });
    expect(refused.details.reason).toBe('transaction-pooler');
    let total = 0;
    for await (const rows of plugins.stream('postgres-plugin', id, calls.config, { sql: 'SELECT g FROM generate_series(1, 25000) g', batchSize: 1000 })) total += rows.length;
    expect(total).toBe(25_000);
  });

  test('session-bound statements are refused with the reason; their transaction-scoped forms work', async () => {
    for (const sql of [
      'SET search_path = elsewhere',
      'SELECT set_config($1, $2, false)',
      'SELECT pg_advisory_lock(42)',
      'LISTEN plugin_events',
      'PREPARE mine AS SELECT 1',
      'CREATE TEMP TABLE scratch (a int)',
      "SELECT currval('tickets')",
    ]) {
      const params = sql.includes('$1') ? ['search_path', 'elsewhere'] : undefined;
      const error = await calls.refused('query', { sql, ...(params ? { params } : {}) });
      expect({ sql, code: error.code, reason: error.details.reason }).toEqual({ sql, code: 'POSTGRES_INVALID_PARAMS', reason: 'transaction-pooler' });
    }
    const { transactionId } = await calls.data('beginTransaction');
    await calls.data('execute', { sql: 'SET LOCAL search_path = public, pg_catalog', transactionId });
    expect(await calls.data('queryValue', { sql: 'SHOW search_path', transactionId })).toBe('public, pg_catalog');
    expect(await calls.data('queryValue', { sql: 'SELECT pg_advisory_xact_lock(42)::text', transactionId })).toBe('');
    const ticket = await calls.data('queryValue', { sql: "SELECT nextval('tickets')", transactionId });
    expect(await calls.data('queryValue', { sql: "SELECT currval('tickets')", transactionId })).toBe(ticket);
    await calls.data('execute', { sql: 'CREATE TEMP TABLE scratch (a int) ON COMMIT DROP', transactionId });
    await calls.data('commit', { transactionId });
    // Nothing of it stuck to a server session: every session answers the default again.
    const paths = await Promise.all(Array.from({ length: 20 }, () => calls.data('queryValue', { sql: 'SHOW search_path' })));
    expect(new Set(paths)).toEqual(new Set(['"$user", public']));
    const locks = await db.admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
    expect(locks.rows[0].n).toBe(0);
  });

  test('the statement timeout holds without session settings: the worker cancels at options.queryTimeout', async () => {
    const started = Date.now();
    const quick = { ...calls.config, options: { queryTimeout: 400 } };
    const res = await plugins.executePlugin('postgres-plugin', `${id}-timeout`, quick, 'query', { sql: 'SELECT pg_sleep(5)' });
    expect(res).toMatchObject({ success: false, error: { code: 'POSTGRES_QUERY_TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(3_000);
    const perCall = await calls.refused('query', { sql: 'SELECT pg_sleep(5)', timeout: 300 });
    expect(perCall.code).toBe('POSTGRES_QUERY_TIMEOUT');
    // The cancelled statements really stopped on the server (PgBouncer forwards the cancel: allow it a moment).
    // This suite's database only: other suites on the shared server run the same statement.
    const sleeping = () => countSessions(db.admin, { database: db.config.database, query: 'SELECT pg_sleep(5)', state: 'active' });
    expect(await waitFor(async () => (await sleeping()) === 0, 2_000)).toBe(true);
    expect(await calls.data('queryValue', { sql: 'SELECT 1' })).toBe(1);
  });
});

describe('statement mode, plugin defaults', () => {
  let calls: Awaited<ReturnType<typeof behind>>;
  beforeAll(async () => {
    calls = await behind('stmt', 'statement', [IGNORED]);
  });

  test('lookups answer right; a transaction handle fails with an error instead of running outside a transaction, and the next statement still answers', async () => {
    const { wrong, failed } = await lookups(calls.data, 1);
    expect({ wrong, failed: [...new Set(failed)] }).toEqual({ wrong: 0, failed: [] });
    // PgBouncer refuses BEGIN with a FATAL error and closes that connection; the session
    // must not be lent to the next statement before its socket has closed.
    for (let i = 0; i < 10; i++) {
      const begin = await calls.run('beginTransaction');
      expect(begin).toMatchObject({ success: false, error: { details: { sqlState: '08P01', severity: 'FATAL' } } });
      expect(await calls.data('queryValue', { sql: 'SELECT $1::int', params: [i] })).toBe(i);
    }
  });
});

test("options.pooler: 'none' behind PgBouncer: the first name collision switches the instance and the statement runs again unnamed", async () => {
  const calls = await behind('declared-none', 'transaction', [IGNORED], { pooler: 'none' });
  const { wrong, failed } = await lookups(calls.data, 2);
  expect({ wrong, failed: [...new Set(failed)] }).toEqual({ wrong: 0, failed: [] });
});

test("options.pooler: 'none' behind PgBouncer: transaction calls whose id statement's name collides begin again with the simple protocol, and every one commits", async () => {
  const calls = await behind('declared-none-tx', 'transaction', [IGNORED], { pooler: 'none' });
  await db.admin.query('CREATE TABLE IF NOT EXISTS tx_marks (n int PRIMARY KEY)');
  // Concurrent calls spread the plugin's 10 sessions over PgBouncer's 4 server connections: the
  // prepared id statement meets servers that lack it (26000) or already have it (42P05).
  const answers = await Promise.allSettled(
    Array.from({ length: 60 }, (_, n) => calls.data('transaction', { operations: [{ sql: 'INSERT INTO tx_marks (n) VALUES ($1)', params: [n] }] })),
  );
  const failed = answers.flatMap((a) => (a.status === 'rejected' ? [String(a.reason.message)] : []));
  expect([...new Set(failed)]).toEqual([]);
  expect((await db.admin.query('SELECT count(*)::int AS n FROM tx_marks')).rows[0].n).toBe(60);
});
