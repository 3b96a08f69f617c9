import type { PluginManager } from '../../host';
import { faultyManager, waitFor } from '../support/managers';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

let db: TestDatabase;
let plugins: PluginManager;

beforeAll(async () => {
  ({ db, plugins } = await openSuite('worker_crash', { manager: () => faultyManager({ heartbeatIntervalMs: 200, heartbeatTimeoutMs: 600 }) }));
  await db.admin.query('CREATE TABLE writes (id int PRIMARY KEY)');
});
afterAll(() => closeSuite({ plugins, db }));

/**
 * How fast a worker comes back is measured by `npm run bench -- supervision` (recovery: SIGKILL →
 * next query answered, 230 ms median on a quiet machine, 618 ms on a slower day of the same kind,
 * within the 1 s of the contract), not asserted here, where the suites beside this one share two
 * cores: the 3 s bound only says the restart is eager, with no backoff after a first crash.
 */
const RESTARTED_WITHIN_MS = 3000;

test('SIGKILL with 20 requests in flight: each gets WORKER_CRASHED, the next succeeds at once (no backoff), open transactions left nothing', async () => {
  const config = { ...db.config, max: 20 };
  const begun = await plugins.executePlugin<{ transactionId: string }>('postgres-plugin', 'crash', config, 'beginTransaction', {});
  if (!begun.success) throw new Error(begun.error.message);
  const { transactionId } = begun.data;
  await plugins.executePlugin('postgres-plugin', 'crash', config, 'execute', { sql: 'INSERT INTO writes VALUES (1)', transactionId });
  const pid = plugins.workerPid()!;

  const inFlight = Array.from({ length: 20 }, (_, i) =>
    plugins.executePlugin('postgres-plugin', 'crash', config, 'query', { sql: `SELECT pg_sleep(5), ${i}` }),
  );
  await waitFor(async () => (await countSessions(db.admin, { queryLike: 'SELECT pg_sleep(5)%', state: 'active' })) >= 19, 5000);
  process.kill(pid, 'SIGKILL');
  const killedAt = Date.now();
  const results = await Promise.all(inFlight);
  expect(results.map((r) => (r.success ? 'ok' : r.error.code))).toEqual(Array(20).fill('POSTGRES_WORKER_CRASHED'));
  expect(results.every((r) => !r.success && r.error.retryable === false)).toBe(true);

  const next = await plugins.executePlugin('postgres-plugin', 'crash', config, 'queryValue', { sql: 'SELECT 1' });
  expect(next).toEqual({ success: true, data: 1 });
  expect(Date.now() - killedAt).toBeLessThan(RESTARTED_WITHIN_MS);
  expect(plugins.workerPid()).not.toBe(pid);

  const stale = await plugins.executePlugin('postgres-plugin', 'crash', config, 'commit', { transactionId });
  expect(stale.success === false && stale.error).toMatchObject({ code: 'POSTGRES_TRANSACTION_NOT_FOUND', details: { reason: 'worker-restarted' } });
  await waitFor(async () => (await countSessions(db.admin, { queryLike: 'SELECT pg_sleep(5)%' })) === 0, 2000);
  expect((await db.admin.query('SELECT count(*)::int AS n FROM writes')).rows[0].n).toBe(0);
});

test('a stuck event loop is detected by the heartbeat, killed and restarted; its in-flight requests are answered', async () => {
  const config = db.config;
  await plugins.executePlugin('postgres-plugin', 'stuck', config, 'ping', {});
  const pid = plugins.workerPid()!;
  const events: unknown[] = [];
  const onWorker = (e: unknown) => events.push(e);
  plugins.on('worker', onWorker);
  const started = Date.now();
  const victims = [
    plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'stuck', config, '__faultBusyLoop', {}),
    plugins.executePlugin('postgres-plugin', 'stuck', config, 'queryValue', { sql: 'SELECT 1' }),
  ];
  const answers = await Promise.all(victims);
  const elapsed = Date.now() - started;
  plugins.off('worker', onWorker);
  // Heartbeat every 200 ms, 600 ms to answer: detection is bounded by ~800 ms plus the kill.
  expect(elapsed).toBeLessThan(2000);
  expect(answers.map((a) => (a.success ? 'ok' : a.error.code))).toEqual(['POSTGRES_WORKER_CRASHED', expect.stringMatching(/POSTGRES_WORKER_CRASHED|ok/)]);
  expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'unresponsive', pid })]));
  const after = await plugins.executePlugin('postgres-plugin', 'stuck', config, 'queryValue', { sql: 'SELECT 2' });
  expect(after).toEqual({ success: true, data: 2 });
  expect(plugins.workerPid()).not.toBe(pid);
});
