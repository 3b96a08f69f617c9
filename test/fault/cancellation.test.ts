import type { PluginManager } from '../../host';
import { faultyManager, waitFor } from '../support/managers';
import { countSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugins: PluginManager;
beforeAll(async () => {
  ({ db, plugins } = await openSuite('cancellation', { manager: () => faultyManager({ deadlineGraceMs: 200 }) }));
});
afterAll(() => closeSuite({ plugins, db }));

const sleeping = () => countSessions(db.admin, { query: 'SELECT pg_sleep(30)', state: 'active' });

test('the host deadline answers POSTGRES_QUERY_TIMEOUT and pg_sleep(30) is gone within 1 s', async () => {
  const config = { ...db.config, options: { queryTimeout: 400 } };
  const started = Date.now();
  const res = await plugins.executePlugin('postgres-plugin', 'deadline', config, 'query', { sql: 'SELECT pg_sleep(30)' });
  expect(res.success === false && res.error.code).toBe('POSTGRES_QUERY_TIMEOUT');
  expect(Date.now() - started).toBeLessThan(1500);
  expect(await waitFor(async () => (await sleeping()) === 0, 1000)).toBe(true);
});

test('an AbortSignal answers POSTGRES_QUERY_CANCELLED and pg_sleep(30) is gone within 1 s', async () => {
  const controller = new AbortController();
  const pending = plugins.executePlugin('postgres-plugin', 'abort', db.config, 'query', { sql: 'SELECT pg_sleep(30)' }, { signal: controller.signal });
  expect(await waitFor(async () => (await sleeping()) === 1, 5000)).toBe(true);
  controller.abort();
  const abortedAt = Date.now();
  const res = await pending;
  expect(res.success === false && res.error.code).toBe('POSTGRES_QUERY_CANCELLED');
  expect(await waitFor(async () => (await sleeping()) === 0, 1000)).toBe(true);
  expect(Date.now() - abortedAt).toBeLessThan(1000);
  const after = await plugins.executePlugin('postgres-plugin', 'abort', db.config, 'queryValue', { sql: 'SELECT 3' });
  expect(after).toEqual({ success: true, data: 3 });
});
