import type { PluginManager } from '../../host';
import { quietManager } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugins: PluginManager;
let serverVersion: number;
beforeAll(async () => {
  ({ db, plugins } = await openSuite('check_interval', { manager: () => quietManager() }));
  serverVersion = Number((await db.admin.query('SHOW server_version_num')).rows[0].server_version_num);
});
afterAll(() => closeSuite({ plugins, db }));

const SHOW = { sql: "SELECT current_setting('client_connection_check_interval', true) AS v" };
const PID = { sql: 'SELECT pg_backend_pid()' };

test('pooled sessions get client_connection_check_interval where the server has it (14+), also after DISCARD ALL; older servers connect without it', async () => {
  // One session, so the statements below all run in it.
  const config = { ...db.config, max: 1 };
  const run = (params: Record<string, unknown>) => plugins.executePlugin<string | null>('postgres-plugin', 'check', config, 'queryValue', params);
  const expected = serverVersion >= 140_000 ? '1s' : null;
  expect(await run(SHOW)).toEqual({ success: true, data: expected });
  const session = await run(PID);
  // A session-changing statement makes the session reset (DISCARD ALL) before it is pooled again.
  expect((await run({ sql: "SELECT set_config('search_path', 'public', false)" })).success).toBe(true);
  expect(await run(SHOW)).toEqual({ success: true, data: expected });
  expect(await run(PID)).toEqual(session); // reset and reused, not replaced
});

test('options.connectionCheckInterval sets the interval, 0 leaves the server default', async () => {
  const run = (instanceId: string, interval: number) =>
    plugins.executePlugin<string | null>('postgres-plugin', instanceId, { ...db.config, options: { connectionCheckInterval: interval } }, 'queryValue', SHOW);
  expect(await run('check-250', 250)).toEqual({ success: true, data: serverVersion >= 140_000 ? '250ms' : null });
  expect(await run('check-off', 0)).toEqual({ success: true, data: serverVersion >= 140_000 ? '0' : null });
});
