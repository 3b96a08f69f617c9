import { startHangingHost } from '../support/hanging-host';
import { isAlive, waitFor } from '../support/managers';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('host_killed'));
});
afterAll(() => closeSuite({ db }));

test('host killed with SIGKILL: the worker exits within 2 s and its server sessions are gone', async () => {
  const config = { ...db.config, applicationName: 'killed-host' };
  const { host, workerPid } = await startHangingHost({ config, instanceId: 'victim', background: 'SELECT pg_sleep(60)' });
  await waitFor(async () => (await activeSleeps()) === 1, 5000);
  expect(await activeSleeps()).toBe(1);

  host.kill('SIGKILL');
  const killedAt = Date.now();
  await waitFor(async () => !isAlive(workerPid), 3000);
  expect(isAlive(workerPid)).toBe(false);
  expect(Date.now() - killedAt).toBeLessThan(2000);

  await waitFor(async () => (await sessions()) === 0, 2000);
  expect(await sessions()).toBe(0);
});

function sessions(): Promise<number> {
  return countSessions(db.admin, { applicationName: 'killed-host' });
}

function activeSleeps(): Promise<number> {
  return countSessions(db.admin, { applicationName: 'killed-host', state: 'active', queryLike: 'SELECT pg_sleep%' });
}
