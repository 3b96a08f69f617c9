/**
 * A thousand tenants with their own logins, each its own tenant worker
 * (isolation 'tenant', instance ids `tenant-N:db`), 50 calls in flight through
 * maxWorkers 16: a thousand workers started and retired through 16 slots. All
 * succeed; the real worker processes (counted from /proc) never pass 16 and the
 * server connections never pass the budget. About 200 s of two cores: it runs in
 * `npm run test:scale`, alone, not beside the other suites (it loads the machine).
 */
import { quietManager } from '../support/managers';
import { sampleSessions } from '../../scripts/support/session-sampler';
import { sampleChildProcesses } from '../support/child-processes';
import { BUDGET, TENANTS, TENANT_SESSIONS, openThousandTenants, type ThousandTenants } from '../support/thousand-tenants';

const MAX_WORKERS = 16;

let tenants: ThousandTenants;
beforeAll(async () => {
  tenants = await openThousandTenants();
}, 60_000);
afterAll(() => tenants?.server.stop());

test("1,000 tenants, each its own worker (isolation 'tenant', maxWorkers 16): all succeed, never more than 16 worker processes, the budget holds across them", async () => {
  const plugins = quietManager('error', { isolation: 'tenant', maxWorkers: MAX_WORKERS });
  let starts = 0;
  plugins.on('worker', (e: { type: string }) => void (e.type === 'start' && starts++));
  const sessions = await sampleSessions(tenants.server, TENANT_SESSIONS);
  // Every tenant its own worker: a thousand workers started and retired through 16 slots.
  const workers = sampleChildProcesses(/worker\/main\.js/);
  const started = Date.now();
  let outcome: Awaited<ReturnType<ThousandTenants['oneRequestEach']>>;
  let shares: number;
  try {
    // 50 calls queue for 16 workers, each a start of its own: a call's deadline (its queryTimeout, 30 s by
    // default) includes the wait for a slot, ~20–30 s when other builds load the machine, so it is 120 s here.
    outcome = await tenants.oneRequestEach(plugins, (i) => `tenant-${i}:db`, { queryTimeout: 120_000 });
    shares = (await plugins.connectionStats()).servers[0]?.maxConnections ?? 0;
  } finally {
    await plugins.shutdown();
  }
  const seconds = (Date.now() - started) / 1000;
  const peakWorkers = workers.stop();
  const peak = await sessions.stop();
  console.log(
    `1000 tenants, one worker each (isolation 'tenant', maxWorkers ${MAX_WORKERS}): ${TENANTS - outcome.failures.length}/${TENANTS} succeeded in ${seconds.toFixed(1)} s, ` +
      `${starts} worker starts, peak ${peakWorkers} worker processes, ${peak} server connections (budget ${BUDGET})`,
  );
  expect(outcome.failures.slice(0, 5)).toEqual([]);
  expect(outcome.answers).toEqual(tenants.logins.map((l) => l.user));
  expect(starts).toBeGreaterThanOrEqual(TENANTS);
  expect(peakWorkers).toBeLessThanOrEqual(MAX_WORKERS);
  expect(peakWorkers).toBeGreaterThan(1);
  expect(shares).toBeLessThanOrEqual(BUDGET);
  expect(peak).toBeLessThanOrEqual(BUDGET);
}, 900_000);
