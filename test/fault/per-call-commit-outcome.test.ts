import type { PluginManager } from '../../host';
import { quietManager, waitFor } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

// A call's own `commitOutcome` (ExecuteOptions) overrides the manager's, both ways.
// The server's own check of the client (14+) would end the dying session's COMMIT: off, so it commits.
const config = () => ({ ...db.config, options: { connectionCheckInterval: 0 } });
let db: TestDatabase;
let learning: PluginManager;
let notLearning: PluginManager;
beforeAll(async () => {
  ({ db } = await openSuite('per_call_outcome'));
  learning = quietManager('warn', { commitOutcome: true });
  notLearning = quietManager('warn', { commitOutcome: false });
  await db.admin.query('CREATE TABLE marks (id int PRIMARY KEY)');
  // COMMIT takes about a second (a deferred trigger that sleeps, even through a cancel), so a
  // worker can be killed while its COMMIT runs on the server and the transaction still commits.
  await db.admin.query(`CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      BEGIN PERFORM pg_sleep(1); EXCEPTION WHEN query_canceled THEN NULL; END;
      RETURN NULL;
    END $$`);
  await db.admin.query('CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON marks DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()');
});
afterAll(async () => {
  await learning?.shutdown();
  await closeSuite({ plugins: notLearning, db });
});

/** Runs a `transaction` inserting `id`, SIGKILLs the worker once its COMMIT is running, and answers what the call got. */
async function killedDuringCommit(plugins: PluginManager, id: number, commitOutcome: boolean) {
  // This suite's database only: another suite's COMMIT on the shared server must not count.
  const committing = async () => (await db.admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = 'COMMIT' AND state = 'active'`)).rowCount === 1;
  // The COMMIT of an earlier test's killed worker runs on to its end first.
  expect(await waitFor(async () => !(await committing()), 5000)).toBe(true);
  const call = plugins.executePlugin('postgres-plugin', 'marks', config(), 'transaction', { operations: [{ sql: 'INSERT INTO marks VALUES ($1)', params: [id] }] }, { commitOutcome });
  expect(await waitFor(committing, 5000, 5)).toBe(true);
  process.kill(plugins.workerPid()!, 'SIGKILL');
  return call;
}

test('a transaction call with commitOutcome true on a manager that has it off learns its id: a crash mid-COMMIT answers committed, and the row is there', async () => {
  const r = await killedDuringCommit(notLearning, 1, true);
  expect(r).toMatchObject({ success: false, error: { code: 'POSTGRES_WORKER_CRASHED', details: { outcome: 'committed' } } });
  expect((await db.admin.query('SELECT id FROM marks WHERE id = 1')).rowCount).toBe(1);
});

test('a transaction call with commitOutcome false answers a crash mid-COMMIT without an outcome, where the manager would give one', async () => {
  const r = await killedDuringCommit(learning, 2, false);
  expect(r.success).toBe(false);
  if (r.success) return;
  expect(r.error.code).toBe('POSTGRES_WORKER_CRASHED');
  expect(r.error.details).not.toHaveProperty('outcome');
  // The same call with the manager's default does answer it.
  const withDefault = await killedDuringCommit(learning, 3, true);
  expect(withDefault).toMatchObject({ success: false, error: { details: { outcome: 'committed' } } });
});

test('a call option of the wrong type is refused, naming the option, before anything is sent', async () => {
  const r = await learning.executePlugin('postgres-plugin', 'marks', db.config, 'query', { sql: 'SELECT 1' }, { commitOutcome: 'yes' as unknown as boolean });
  expect(r).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS' } });
  expect(JSON.stringify(r)).toContain('options.commitOutcome');
});
