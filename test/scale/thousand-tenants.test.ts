/**
 * A thousand tenants, each with its own login, on a server whose
 * max_connections is 200, 50 requests in flight: all succeed, the plugin's
 * connections never pass its budget (100 by default), idle pools close.
 * With isolation 'tenant', the thousand instances are 20 tenants here (20
 * workers through 16 slots); a worker for each of the thousand is
 * thousand-tenant-workers.test.ts beside this file.
 */
import { quietManager, waitFor } from '../support/managers';
import { sampleSessions } from '../../scripts/support/session-sampler';
import { BUDGET, TENANTS, TENANT_SESSIONS, WITH_MIN, openThousandTenants, type ThousandTenants } from '../support/thousand-tenants';

let tenants: ThousandTenants;
beforeAll(async () => {
  tenants = await openThousandTenants();
}, 60_000);
afterAll(() => tenants?.server.stop());

test('1,000 tenants with their own logins, 50 in flight, max_connections 200: all succeed within the budget, idle pools and instances close', async () => {
  const plugins = quietManager('error', { idleInstanceTimeoutMs: 4000 });
  const sessions = await sampleSessions(tenants.server, TENANT_SESSIONS);
  try {
    const { answers, failures } = await tenants.oneRequestEach(plugins, (i) => `tenant-${i}:db`);
    expect(failures).toEqual([]);
    expect(answers).toEqual(tenants.logins.map((l) => l.user));
    const stats = await plugins.connectionStats();
    expect(stats.servers).toHaveLength(1);
    expect(stats.servers[0]!.open).toBeLessThanOrEqual(BUDGET);
    expect(stats.instances.open + stats.instances.idleClosed).toBe(TENANTS);

    // After the pools' idle period: nothing beyond each pool's min.
    expect(await waitFor(async () => (await sessions.now()) <= WITH_MIN, 5000, 100)).toBe(true);
    // After the instances' idle period: pools ended, memory freed, only the configs kept.
    expect(await waitFor(async () => (await plugins.connectionStats()).instances.idleClosed === TENANTS, 10_000, 200)).toBe(true);
    expect(await waitFor(async () => (await sessions.now()) === 0, 3000, 50)).toBe(true);
    // A closed instance opens again on its next request, from the config the worker kept.
    const again = await plugins.executePlugin('postgres-plugin', 'tenant-7:db', undefined, 'queryValue', { sql: 'SELECT current_user' });
    expect(again).toEqual({ success: true, data: 'tenant_7' });
    expect((await plugins.connectionStats()).instances).toEqual({ open: 1, idleClosed: TENANTS - 1 });
  } finally {
    await plugins.shutdown();
    const peak = await sessions.stop();
    console.log(`1000 tenants, one worker: peak ${peak} server connections (budget ${BUDGET})`);
    expect(peak).toBeLessThanOrEqual(BUDGET);
  }
}, 90_000);

test("the same with isolation 'tenant' and maxWorkers 16: all succeed, never more than 16 workers, the budget holds across them", async () => {
  const plugins = quietManager('error', { isolation: 'tenant', maxWorkers: 16 });
  let live = 0;
  let peakWorkers = 0;
  plugins.on('worker', (e: { type: string }) => {
    if (e.type === 'start') peakWorkers = Math.max(peakWorkers, ++live);
    if (e.type === 'exit') live--;
  });
  const sessions = await sampleSessions(tenants.server, TENANT_SESSIONS);
  // 20 tenant groups (one worker each) of 50 tenants with their own logins, in group order: 20 workers
  // through 16 slots. (A thousand groups would be a thousand worker starts of ~0.25 s of CPU each.)
  const groupOf = (i: number) => Math.floor(i / 50);
  try {
    const { answers, failures } = await tenants.oneRequestEach(plugins, (i) => `group-${groupOf(i)}:tenant-${i}`);
    expect(failures).toEqual([]);
    expect(answers).toEqual(tenants.logins.map((l) => l.user));
    expect(plugins.workerCount).toBeLessThanOrEqual(16);
    const stats = await plugins.connectionStats();
    expect(stats.servers[0]!.maxConnections).toBeLessThanOrEqual(BUDGET);
  } finally {
    await plugins.shutdown();
    const peak = await sessions.stop();
    console.log(`1000 tenants in 20 tenant workers (at most 16 at once): peak ${peakWorkers} workers, ${peak} server connections (budget ${BUDGET})`);
    expect(peakWorkers).toBeLessThanOrEqual(16);
    expect(peakWorkers).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(BUDGET);
  }
}, 120_000);
