import type { PluginManager } from '../../host';
import { isAlive, quietManager, waitFor } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugins: PluginManager;
beforeAll(async () => {
  ({ db, plugins } = await openSuite('tenant_isolation', { manager: () => quietManager('fatal', { isolation: 'tenant', maxMemoryMb: 96 }) }));
});
afterAll(() => closeSuite({ plugins, db }));

/** Tenant B's steady stream of requests while tenant A misbehaves; every one must succeed. */
function tenantBLoad(untilMs: number): Promise<{ ok: number; failed: string[] }> {
  return (async () => {
    let ok = 0;
    const failed: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < untilMs) {
          const r = await plugins.executePlugin('postgres-plugin', 'tenant-b:db', db.config, 'queryValue', { sql: 'SELECT 1' });
          if (r.success) ok++;
          else failed.push(r.error.code);
        }
      }),
    );
    return { ok, failed };
  })();
}

test('each tenant gets its own worker', async () => {
  await plugins.executePlugin('postgres-plugin', 'tenant-a:db', db.config, 'ping', {});
  await plugins.executePlugin('postgres-plugin', 'tenant-b:db', db.config, 'ping', {});
  await plugins.executePlugin('postgres-plugin', 'tenant-b:other-db', db.config, 'ping', {});
  const a = plugins.workerPid('postgres-plugin', 'tenant-a:db');
  const b = plugins.workerPid('postgres-plugin', 'tenant-b:db');
  expect(a).toBeDefined();
  expect(b).toBeDefined();
  expect(a).not.toBe(b);
  expect(plugins.workerPid('postgres-plugin', 'tenant-b:other-db')).toBe(b);
});

test("tenant A's worker killed: tenant B's in-flight and later requests all succeed", async () => {
  const a = plugins.workerPid('postgres-plugin', 'tenant-a:db')!;
  const load = tenantBLoad(Date.now() + 1500);
  await new Promise((r) => setTimeout(r, 300));
  process.kill(a, 'SIGKILL');
  const { ok, failed } = await load;
  expect(failed).toEqual([]);
  expect(ok).toBeGreaterThan(20);
});

test("tenant A over its memory cap (a multi-million-row query) dies alone; tenant B is untouched", async () => {
  // The result budget at its largest (1 GiB), so the worker's memory cap is what the query passes.
  const unbudgeted = { ...db.config, options: { maxResultBytes: 1024 * 1024 * 1024 } };
  await plugins.executePlugin('postgres-plugin', 'tenant-a:db', unbudgeted, 'ping', {});
  const a = plugins.workerPid('postgres-plugin', 'tenant-a:db')!;
  const b = plugins.workerPid('postgres-plugin', 'tenant-b:db')!;
  const load = tenantBLoad(Date.now() + 6000);
  const huge = await plugins.executePlugin('postgres-plugin', 'tenant-a:db', unbudgeted, 'query', {
    sql: "SELECT g, repeat('x', 200) AS filler FROM generate_series(1, 5000000) g",
    timeout: 60_000,
  });
  expect(huge.success === false && huge.error.code).toBe('POSTGRES_WORKER_CRASHED');
  expect(await waitFor(() => !isAlive(a), 2000)).toBe(true);
  const { ok, failed } = await load;
  expect(failed).toEqual([]);
  expect(ok).toBeGreaterThan(20);
  expect(plugins.workerPid('postgres-plugin', 'tenant-b:db')).toBe(b);
  const again = await plugins.executePlugin('postgres-plugin', 'tenant-a:db', db.config, 'queryValue', { sql: 'SELECT 4' });
  expect(again).toEqual({ success: true, data: 4 });
}, 90_000);

test('a row limit refuses an oversized result without killing anything', async () => {
  const config = { ...db.config, options: { maxResultRows: 1000 } };
  const res = await plugins.executePlugin('postgres-plugin', 'tenant-c:db', config, 'query', { sql: 'SELECT generate_series(1, 1001)' });
  expect(res.success === false && res.error).toMatchObject({ code: 'POSTGRES_RESULT_TOO_LARGE', details: { rows: 1001, maxRows: 1000 } });
  expect((await plugins.executePlugin('postgres-plugin', 'tenant-c:db', config, 'query', { sql: 'SELECT generate_series(1, 1000)' })).success).toBe(true);
});
