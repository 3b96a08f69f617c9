import type { PluginManager } from '../../host';
import type { FetchResult, OpenCursorResult } from '../../shared/cursor-params';
import { quietManager, waitFor } from '../support/managers';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

/**
 * Cursors (openCursor, fetch, closeCursor) are leases like transaction
 * handles: each holds a session until it is read to its end, closed, idle
 * past its timeout or its worker or transaction ends; a stale id answers
 * POSTGRES_CURSOR_NOT_FOUND with the reason, and nothing stays on the server.
 */

let db: TestDatabase;
let plugins: PluginManager;
const APP = 'cursor-suite';

beforeAll(async () => {
  ({ db, plugins } = await openSuite('cursors', { manager: () => quietManager('warn') }));
  await db.admin.query('CREATE TABLE items (id int PRIMARY KEY, label text)');
  await db.admin.query(`INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 2500) i`);
});
afterAll(() => closeSuite({ plugins, db }));

const config = (extra: Record<string, unknown> = {}) => ({ ...db.config, applicationName: APP, ...extra });
const call = <T>(instanceId: string, operation: string, params: Record<string, unknown>, extra?: Record<string, unknown>) =>
  plugins.executePlugin<string, T>(UNTYPED_POSTGRES_PLUGIN, instanceId, config(extra), operation, params);

async function open(instanceId: string, params: Record<string, unknown>, extra?: Record<string, unknown>): Promise<OpenCursorResult> {
  const res = await call<OpenCursorResult>(instanceId, 'openCursor', params, extra);
  if (!res.success) throw new Error(`${res.error.code}: ${res.error.message}`);
  return res.data;
}

/** Sessions of this suite's plugin that hold something: a statement, a transaction or an open portal. */
const busySessions = () => countSessions(db.admin, { database: db.name, applicationName: APP, state: ['active', 'idle in transaction', 'idle in transaction (aborted)'] });

test('fetch reads the rows in batches, in order, each once; done at the end, and then the id is not found', async () => {
  const { cursorId, fields } = await open('c:db', { sql: 'SELECT id, label FROM items ORDER BY id', batchSize: 1000 });
  expect(fields).toEqual([
    { name: 'id', dataTypeID: 23 },
    { name: 'label', dataTypeID: 25 },
  ]);
  const ids: number[] = [];
  let done = false;
  const sizes: number[] = [];
  while (!done) {
    const res = await call<FetchResult<{ id: number; label: string }>>('c:db', 'fetch', { cursorId });
    if (!res.success) throw new Error(res.error.message);
    sizes.push(res.data.rows.length);
    ids.push(...res.data.rows.map((r) => r.id));
    done = res.data.done;
  }
  expect(sizes).toEqual([1000, 1000, 500]);
  expect(ids).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  expect(await call('c:db', 'fetch', { cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND', details: { cursorId, reason: 'done' } } });
  expect(await busySessions()).toBe(0);
});

test('count overrides the batch size; rowMode array gives arrays; a statement error fails openCursor and holds nothing', async () => {
  const { cursorId } = await open('c:db', { sql: 'SELECT id FROM items ORDER BY id', rowMode: 'array' });
  const res = await call<FetchResult<unknown[]>>('c:db', 'fetch', { cursorId, count: 3 });
  // The first batch (batchSize, default 1000) was read when the cursor opened.
  expect(res.success && res.data.rows.length).toBe(1000);
  const next = await call<FetchResult<unknown[]>>('c:db', 'fetch', { cursorId, count: 3 });
  expect(next).toEqual({ success: true, data: { rows: [[1001], [1002], [1003]], done: false } });
  expect(await call('c:db', 'closeCursor', { cursorId })).toEqual({ success: true, data: null });
  const bad = await call('c:db', 'openCursor', { sql: 'SELECT nope FROM items' });
  expect(bad).toMatchObject({ success: false, error: { code: 'POSTGRES_QUERY_FAILED', details: { sqlState: '42703' } } });
  expect(await busySessions()).toBe(0);
});

test('a cursor holds an open snapshot on the server until it is closed, and closeCursor ends it', async () => {
  const { cursorId } = await open('c:db', { sql: 'SELECT id FROM items ORDER BY id', batchSize: 10 });
  expect(await busySessions()).toBe(1);
  expect(await call('c:db', 'closeCursor', { cursorId })).toEqual({ success: true, data: null });
  expect(await busySessions()).toBe(0);
  expect(await call('c:db', 'fetch', { cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND', details: { reason: 'closed' } } });
  expect(await call('c:db', 'closeCursor', { cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND' } });
});

test('a cursor left open past its idle timeout is closed on the server and answers idle-timeout', async () => {
  const { cursorId } = await open('c-idle:db', { sql: 'SELECT id FROM items ORDER BY id', batchSize: 10, idleTimeout: 300 });
  expect(await busySessions()).toBe(1);
  expect(await waitFor(async () => (await busySessions()) === 0, 5_000)).toBe(true);
  expect(await call('c-idle:db', 'fetch', { cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND', details: { reason: 'idle-timeout' } } });
  // options.cursorIdleTimeout is the default of the instance.
  const idle = { options: { cursorIdleTimeout: 300 } };
  const other = await open('c-idle-config:db', { sql: 'SELECT 1 FROM items', batchSize: 1 }, idle);
  expect(await waitFor(async () => (await busySessions()) === 0, 5_000)).toBe(true);
  expect(await call('c-idle-config:db', 'fetch', { cursorId: other.cursorId }, idle)).toMatchObject({ success: false, error: { details: { reason: 'idle-timeout' } } });
});

test("another instance's cursor id is not found there, and stays readable by its own instance", async () => {
  const { cursorId } = await open('owner:db', { sql: 'SELECT id FROM items ORDER BY id', batchSize: 5 });
  expect(await call('intruder:db', 'fetch', { cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND', details: { reason: 'unknown' } } });
  expect(await call('intruder:db', 'closeCursor', { cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND' } });
  const res = await call<FetchResult<{ id: number }>>('owner:db', 'fetch', { cursorId });
  expect(res.success && res.data.rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
  await call('owner:db', 'closeCursor', { cursorId });
});

test('inside a transaction handle the cursor reads its snapshot; statements beside it are refused naming it; commit closes it', async () => {
  const begun = await call<{ transactionId: string }>('c-tx:db', 'beginTransaction', {});
  if (!begun.success) throw new Error(begun.error.message);
  const { transactionId } = begun.data;
  await call('c-tx:db', 'execute', { sql: "INSERT INTO items VALUES (9001, 'uncommitted'), (9003, 'uncommitted')", transactionId });
  const { cursorId } = await open('c-tx:db', { sql: 'SELECT id FROM items WHERE id > 9000 ORDER BY id', transactionId, batchSize: 1 });
  const busy = await call('c-tx:db', 'query', { sql: 'SELECT 1', transactionId });
  expect(busy).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS', message: expect.stringContaining(cursorId) } });
  expect(await call('c-tx:db', 'fetch', { cursorId })).toEqual({ success: true, data: { rows: [{ id: 9001 }], done: false } });
  expect(await call('c-tx:db', 'fetch', { cursorId })).toEqual({ success: true, data: { rows: [{ id: 9003 }], done: false } });
  expect(await call('c-tx:db', 'fetch', { cursorId })).toEqual({ success: true, data: { rows: [], done: true } });
  // Outside the transaction the rows are not there.
  expect(await call('c-tx:db', 'queryValue', { sql: 'SELECT count(*) FROM items WHERE id > 9000' })).toEqual({ success: true, data: '0' });
  // The cursor was read to its end: the transaction takes statements again.
  expect(await call('c-tx:db', 'queryValue', { sql: 'SELECT count(*) FROM items WHERE id > 9000', transactionId })).toEqual({ success: true, data: '2' });
  const second = await open('c-tx:db', { sql: 'SELECT id FROM items ORDER BY id', batchSize: 10, transactionId });
  expect(await call('c-tx:db', 'rollback', { transactionId })).toEqual({ success: true, data: null });
  expect(await call('c-tx:db', 'fetch', { cursorId: second.cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND', details: { reason: 'transaction-ended' } } });
  expect(await call('c-tx:db', 'queryValue', { sql: 'SELECT count(*) FROM items WHERE id > 9000' })).toEqual({ success: true, data: '0' });
  expect(await busySessions()).toBe(0);
});

test('a cursor of a transaction handle is closed by commit, which then commits', async () => {
  const begun = await call<{ transactionId: string }>('c-tx2:db', 'beginTransaction', {});
  if (!begun.success) throw new Error(begun.error.message);
  const { transactionId } = begun.data;
  await call('c-tx2:db', 'execute', { sql: "INSERT INTO items VALUES (9002, 'committed')", transactionId });
  const { cursorId } = await open('c-tx2:db', { sql: 'SELECT id FROM items ORDER BY id', batchSize: 10, transactionId });
  expect(await call('c-tx2:db', 'commit', { transactionId })).toEqual({ success: true, data: null });
  expect(await call('c-tx2:db', 'fetch', { cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND', details: { reason: 'transaction-ended' } } });
  expect(await call('c-tx2:db', 'queryValue', { sql: 'SELECT label FROM items WHERE id = 9002' })).toEqual({ success: true, data: 'committed' });
  expect(await busySessions()).toBe(0);
});

test('transaction control is refused, and an instance holds at most options.maxCursors cursors (retryable)', async () => {
  expect(await call('c:db', 'openCursor', { sql: 'COMMIT' })).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.sql' }] } } });
  const extra = { options: { maxCursors: 2 } };
  const a = await open('c-max:db', { sql: 'SELECT id FROM items', batchSize: 1 }, extra);
  const b = await open('c-max:db', { sql: 'SELECT id FROM items', batchSize: 1 }, extra);
  const third = await call('c-max:db', 'openCursor', { sql: 'SELECT id FROM items', batchSize: 1 }, extra);
  expect(third).toMatchObject({ success: false, error: { code: 'POSTGRES_POOL_EXHAUSTED', retryable: true, details: { maxCursors: 2 } } });
  await call('c-max:db', 'closeCursor', { cursorId: a.cursorId }, extra);
  await call('c-max:db', 'closeCursor', { cursorId: b.cursorId }, extra);
  expect(await busySessions()).toBe(0);
});

test('closeAllConnections and getStats: cursors are counted, and closed with the connections', async () => {
  const { cursorId } = await open('c-stats:db', { sql: 'SELECT id FROM items', batchSize: 1 });
  expect(await call('c-stats:db', 'getStats', {})).toMatchObject({ success: true, data: { openCursors: 1 } });
  expect(await call('c-stats:db', 'closeAllConnections', {})).toEqual({ success: true, data: null });
  expect(await call('c-stats:db', 'fetch', { cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND', details: { reason: 'closed' } } });
  expect(await busySessions()).toBe(0);
});

test('a fetch cancelled by the host stops the batch on the server and ends the cursor', async () => {
  const { cursorId } = await open('c-cancel:db', { sql: 'SELECT pg_sleep(CASE WHEN i > 1 THEN 30 ELSE 0 END), i FROM generate_series(1, 3) i', batchSize: 1 });
  const controller = new AbortController();
  const fetching = plugins.executePlugin('postgres-plugin', 'c-cancel:db', config(), 'fetch', { cursorId }, { signal: controller.signal });
  // The first batch was read at open; this fetch is the one that sleeps.
  const first = await fetching;
  expect(first).toMatchObject({ success: true, data: { done: false } });
  const sleeping = plugins.executePlugin('postgres-plugin', 'c-cancel:db', config(), 'fetch', { cursorId }, { signal: controller.signal });
  // An open cursor's session shows as active all along: what shows the batch running is the sleep itself.
  const sleepers = async () => (await db.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'PgSleep'", [db.name])).rows[0]!.n;
  expect(await waitFor(async () => (await sleepers()) === 1, 5_000)).toBe(true);
  const started = Date.now();
  controller.abort();
  expect(await sleeping).toMatchObject({ success: false, error: { code: 'POSTGRES_QUERY_CANCELLED' } });
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(await waitFor(async () => (await sleepers()) === 0, 1_000)).toBe(true);
  expect(await call('c-cancel:db', 'fetch', { cursorId })).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND', details: { reason: 'failed' } } });
  expect(await busySessions()).toBe(0);
});

test('a cursor after a worker restart answers POSTGRES_CURSOR_NOT_FOUND, and its session is gone from the server', async () => {
  const { cursorId } = await open('c-restart:db', { sql: 'SELECT id FROM items ORDER BY id', batchSize: 10 });
  expect(await busySessions()).toBe(1);
  const pid = plugins.workerPid()!;
  process.kill(pid, 'SIGKILL');
  // The host has seen the worker die (a request sent before that would answer POSTGRES_WORKER_CRASHED).
  expect(await waitFor(() => plugins.workerPid() !== pid, 5_000)).toBe(true);
  expect(await waitFor(async () => (await busySessions()) === 0, 5_000)).toBe(true);
  const after = await call('c-restart:db', 'fetch', { cursorId });
  expect(after).toMatchObject({ success: false, error: { code: 'POSTGRES_CURSOR_NOT_FOUND', message: expect.stringContaining('end with their worker') } });
  expect(plugins.workerPid()).not.toBe(pid);
  expect(await busySessions()).toBe(0);
});

test("a cursor may live longer than the statement timeout (the server counts a portal's whole life), while each batch stays bounded", async () => {
  // Before: statement_timeout ran from the first message to the final Sync, idle time between
  // fetches included, so a cursor older than options.queryTimeout failed with "timeout of 0 ms".
  const short = { options: { queryTimeout: 1_000 } };
  for (const transactionId of [undefined, await beginOn('c-long:db', short)]) {
    const { cursorId } = await open('c-long:db', { sql: 'SELECT id FROM items ORDER BY id', batchSize: 10, ...(transactionId ? { transactionId } : {}) }, short);
    for (let batch = 0; batch < 3; batch++) {
      await new Promise((resolve) => setTimeout(resolve, 600));
      const res = await call<FetchResult<{ id: number }>>('c-long:db', 'fetch', { cursorId }, short);
      expect(res.success && res.data.rows[0]!.id).toBe(batch * 10 + 1);
    }
    await call('c-long:db', 'closeCursor', { cursorId }, short);
    if (transactionId) {
      // The rest of the transaction has its statement_timeout again.
      const slow = await call('c-long:db', 'query', { sql: 'SELECT pg_sleep(2)', transactionId }, short);
      expect(slow).toMatchObject({ success: false, error: { code: 'POSTGRES_QUERY_TIMEOUT' } });
      await call('c-long:db', 'rollback', { transactionId }, short);
    }
  }
  const { cursorId } = await open('c-long:db', { sql: 'SELECT pg_sleep(CASE WHEN i > 1 THEN 5 ELSE 0 END), i FROM generate_series(1, 3) i', batchSize: 1 }, short);
  await call('c-long:db', 'fetch', { cursorId }, short);
  expect(await call('c-long:db', 'fetch', { cursorId }, short)).toMatchObject({ success: false, error: { code: 'POSTGRES_QUERY_TIMEOUT' } });
  // The session went back to the pool with its own statement_timeout.
  expect(await call('c-long:db', 'queryValue', { sql: 'SHOW statement_timeout' }, short)).toEqual({ success: true, data: '1s' });
  expect(await busySessions()).toBe(0);
});

async function beginOn(instanceId: string, extra: Record<string, unknown>): Promise<string> {
  const begun = await call<{ transactionId: string }>(instanceId, 'beginTransaction', {}, extra);
  if (!begun.success) throw new Error(begun.error.message);
  return begun.data.transactionId;
}
