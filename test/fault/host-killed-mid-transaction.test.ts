import { startHangingHost } from '../support/hanging-host';
import { isAlive, waitFor } from '../support/managers';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('host_killed_tx'));
  await db.admin.query('CREATE TABLE ledger (id int PRIMARY KEY, note text)');
});
afterAll(() => closeSuite({ db }));

test('host killed mid-handle: the open transaction leaves no writes and its session is gone within 2 s', async () => {
  const config = { ...db.config, applicationName: 'killed-mid-tx' };
  const { host, workerPid, transactionId } = await startHangingHost({
    config,
    instanceId: 'tx-victim',
    inHandle: ["INSERT INTO ledger VALUES (1, 'uncommitted')", "INSERT INTO ledger VALUES (2, 'uncommitted')"],
  });
  expect(transactionId).toMatch(/^[0-9a-f-]{36}$/);
  const inTx = await db.admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'killed-mid-tx' AND state = 'idle in transaction'");
  expect(inTx.rows[0].n).toBe(1);

  host.kill('SIGKILL');
  await waitFor(async () => !isAlive(workerPid) && (await sessions()) === 0, 2000);
  expect(isAlive(workerPid)).toBe(false);
  expect(await sessions()).toBe(0);
  expect((await db.admin.query('SELECT count(*)::int AS n FROM ledger')).rows[0].n).toBe(0);
});

function sessions(): Promise<number> {
  return countSessions(db.admin, { applicationName: 'killed-mid-tx' });
}

