/**
 * Fair turns under a full budget: one tenant keeps 200 requests in flight
 * while 20 others run one request at a time. Every quiet tenant keeps
 * completing requests, none waits long; the noisy one gets its turns while
 * it holds connections too (it grows to what it can use, never past its
 * pool.max) and none of its requests fails.
 */
import type { PluginManager } from '../../host';
import { quietManager } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import { sampleSessions } from '../../scripts/support/session-sampler';
import type { TestDatabase } from '../support/test-database';

const BUDGET = 12;
const NOISY_POOL_MAX = 10;
const QUIET = 20;
const RUN_MS = 8000;
/**
 * The bound on a quiet tenant's wait, stated loosely: every quiet request
 * needs a new connection here (21 busy tenants share 12 connections); the
 * slowest one measured 0.6–1.4 s with the suite alone, up to 2.6 s within the
 * full run on a machine loaded five times over, and 2.2 s alone on a day this
 * machine ran 2.6× slower. A starved tenant would wait the whole run (8 s), or
 * fail after connectionTimeoutMillis (5 s): the bound sits below both.
 */
const QUIET_BOUND_MS = 4000;

let db: TestDatabase;
let plugins: PluginManager;
beforeAll(async () => {
  ({ db, plugins } = await openSuite('fair_turns', { manager: () => quietManager('error', { maxServerConnections: BUDGET }) }));
});
afterAll(() => closeSuite({ plugins, db }));

test('one tenant with 200 in flight, 20 with one at a time, budget 12: every quiet tenant completes requests throughout, the noisy one gets its share within its pool.max and never fails', async () => {
  const noisyConfig = { ...db.config, applicationName: 'fair-noisy', pool: { max: NOISY_POOL_MAX } };
  const quietConfig = (k: number) => ({ ...db.config, applicationName: `fair-quiet-${k}` });
  const inDb = `datname = '${db.name}'`;
  const noisySessions = await sampleSessions(db.config, `${inDb} AND application_name = 'fair-noisy'`);
  const allSessions = await sampleSessions(db.config, `${inDb} AND application_name LIKE 'fair-%'`);
  const started = Date.now();
  const until = started + RUN_MS;
  let noisyDone = 0;
  const failures: string[] = [];
  const noisy = Array.from({ length: 200 }, async () => {
    while (Date.now() < until) {
      const r = await plugins.executePlugin('postgres-plugin', 'noisy:db', noisyConfig, 'query', { sql: 'SELECT pg_sleep(0.01)' });
      if (r.success) noisyDone++;
      else failures.push(`noisy: ${r.error.code} ${JSON.stringify(r.error.details)} at ${Date.now() - started} ms`);
    }
  });
  const quiet = Array.from({ length: QUIET }, async (_, k) => {
    const completions: number[] = [];
    let slowest = 0;
    while (Date.now() < until) {
      const t = Date.now();
      const r = await plugins.executePlugin('postgres-plugin', `quiet-${k}:db`, quietConfig(k), 'queryValue', { sql: 'SELECT 1' });
      slowest = Math.max(slowest, Date.now() - t);
      if (r.success) completions.push(Date.now() - started);
      else failures.push(`quiet-${k}: ${r.error.code}`);
    }
    return { completions, slowest };
  });
  const quietResults = await Promise.all(quiet);
  await Promise.all(noisy);
  const noisyPeak = await noisySessions.stop();
  const peak = await allSessions.stop();
  const slowest = Math.max(...quietResults.map((q) => q.slowest));
  const counts = quietResults.map((q) => q.completions.length);
  console.log(`fair turns: noisy ${noisyDone} requests (peak ${noisyPeak} connections), quiet ${Math.min(...counts)}–${Math.max(...counts)} requests each, slowest quiet ${slowest} ms, peak ${peak} of budget ${BUDGET}`);
  expect(failures).toEqual([]);
  expect(noisyDone).toBeGreaterThan(100);
  expect(noisyPeak).toBeLessThanOrEqual(NOISY_POOL_MAX);
  // Its turns come while it holds connections too: it grows to what its lanes can use (half its pool), taken from idle quiet ones.
  expect(noisyPeak).toBeGreaterThanOrEqual(NOISY_POOL_MAX / 2);
  expect(peak).toBeLessThanOrEqual(BUDGET);
  expect(slowest).toBeLessThan(QUIET_BOUND_MS);
  // Throughout: no quiet tenant ever went longer than the bound without completing a request.
  for (const { completions } of quietResults) {
    const gaps = [...completions, RUN_MS].map((at, i) => at - (i === 0 ? 0 : completions[i - 1]!));
    expect(Math.max(...gaps)).toBeLessThan(QUIET_BOUND_MS);
  }
}, 30_000);
