import pg from 'pg';
import type { PluginManager } from '../../host';
import { quietManager } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugins: PluginManager;
const tenantB = { user: `tenant_b_${process.pid}`, password: 'tenant-b-password' };

beforeAll(async () => {
  ({ db, plugins } = await openSuite('tenant_boundaries', { manager: quietManager }));
  await db.admin.query(`CREATE ROLE ${tenantB.user} LOGIN PASSWORD '${tenantB.password}'`);
  await db.admin.query(`GRANT CONNECT ON DATABASE ${db.name} TO ${tenantB.user}`);
  await db.admin.query('CREATE TABLE secrets (v text)');
});
afterAll(async () => {
  await closeSuite({ plugins, db });
  const c = new pg.Client({ connectionString: process.env.PG_TEST_SERVER_URL });
  await c.connect();
  await c.query(`DROP ROLE IF EXISTS ${tenantB.user}`);
  await c.end();
});

async function sessions(instanceId: string, config: Record<string, unknown>, n: number): Promise<{ user: string; pid: number }[]> {
  const out = await Promise.all(
    Array.from({ length: n }, () =>
      plugins.executePlugin<{ user: string; pid: number }>('postgres-plugin', instanceId, config, 'queryOne', {
        sql: 'SELECT current_user AS user, pg_backend_pid() AS pid, pg_sleep(0.01)::text',
      }),
    ),
  );
  return out.map((r) => {
    if (!r.success) throw new Error(r.error.message);
    return r.data;
  });
}

test('instances with other credentials never share a connection', async () => {
  const a = { ...db.config, max: 4 };
  const b = { ...db.config, ...tenantB, max: 4 };
  const [fromA, fromB] = await Promise.all([sessions('tenant-a:db', a, 40), sessions('tenant-b:db', b, 40)]);
  expect(new Set(fromA.map((s) => s.user))).toEqual(new Set([db.config.user]));
  expect(new Set(fromB.map((s) => s.user))).toEqual(new Set([tenantB.user]));
  const pidsA = new Set(fromA.map((s) => s.pid));
  expect(fromB.filter((s) => pidsA.has(s.pid))).toEqual([]);
});

test('new credentials on the same instanceId get a new pool, not the old connections', async () => {
  const before = await sessions('switch', { ...db.config, max: 1 }, 3);
  const after = await sessions('switch', { ...db.config, ...tenantB, max: 1 }, 3);
  expect(new Set(after.map((s) => s.user))).toEqual(new Set([tenantB.user]));
  expect(after.some((s) => s.pid === before[0]!.pid)).toBe(false);
});

test("an instance can't see, use or end another instance's transaction", async () => {
  const begun = await plugins.executePlugin<{ transactionId: string }>('postgres-plugin', 'tenant-a:db', db.config, 'beginTransaction', {});
  if (!begun.success) throw new Error(begun.error.message);
  const { transactionId } = begun.data;
  await plugins.executePlugin('postgres-plugin', 'tenant-a:db', db.config, 'execute', { sql: "INSERT INTO secrets VALUES ('a-only')", transactionId });
  const b = { ...db.config, ...tenantB };
  for (const [operation, params] of [
    ['query', { sql: 'SELECT * FROM secrets', transactionId }],
    ['commit', { transactionId }],
    ['rollback', { transactionId }],
  ] as const) {
    const r = await plugins.executePlugin('postgres-plugin', 'tenant-b:db', b, operation, params);
    expect(r.success === false && r.error).toMatchObject({ code: 'POSTGRES_TRANSACTION_NOT_FOUND', details: { reason: 'unknown' } });
  }
  // Still A's, still open, still uncommitted.
  const inside = await plugins.executePlugin('postgres-plugin', 'tenant-a:db', undefined, 'queryValue', { sql: 'SELECT count(*)::int FROM secrets', transactionId });
  expect(inside).toEqual({ success: true, data: 1 });
  expect((await db.admin.query('SELECT count(*)::int AS n FROM secrets')).rows[0].n).toBe(0);
  expect((await plugins.executePlugin('postgres-plugin', 'tenant-a:db', undefined, 'rollback', { transactionId })).success).toBe(true);
});
