import { PluginManager } from '../../host';
import { WorkerProcess } from '../../host/worker-process';
import { memoryLogger } from '../support/memory-logger';
import { isAlive, waitFor } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

let db: TestDatabase;
let plugins: PluginManager;
const log = memoryLogger('debug');

beforeAll(async () => {
  ({ db, plugins } = await openSuite('plugin_manager', { manager: () => new PluginManager({ logger: log.logger }) }));
});
afterAll(() => closeSuite({ plugins, db }));

test('the documented call returns the success envelope', async () => {
  await plugins.executePlugin('postgres-plugin', 'user-123:production-db', db.config, 'execute', {
    sql: 'CREATE TABLE users (id int PRIMARY KEY, name text)',
  });
  await plugins.executePlugin('postgres-plugin', 'user-123:production-db', db.config, 'execute', {
    sql: 'INSERT INTO users VALUES ($1, $2)',
    params: [123, 'Grace'],
  });
  const res = await plugins.executePlugin('postgres-plugin', 'user-123:production-db', db.config, 'query', {
    sql: 'SELECT * FROM users WHERE id = $1',
    params: [123],
    timeout: 5000,
  });
  expect(res).toEqual({
    success: true,
    data: { rows: [{ id: 123, name: 'Grace' }], rowCount: 1, command: 'SELECT', fields: [{ name: 'id', dataTypeID: 23 }, { name: 'name', dataTypeID: 25 }] },
  });
});

test('plugin errors come back as the error envelope, never thrown', async () => {
  const sqlError = await plugins.executePlugin('postgres-plugin', 'i1', db.config, 'query', { sql: 'SELECT * FROM missing_table' });
  expect(sqlError).toEqual({
    success: false,
    error: {
      code: 'POSTGRES_QUERY_FAILED',
      message: 'relation "missing_table" does not exist',
      details: expect.objectContaining({ sqlState: '42P01', position: '15' }),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      retryable: false,
    },
  });
  const unknownOp = await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'i1', db.config, 'fly', {});
  expect(unknownOp.success === false && unknownOp.error.code).toBe('POSTGRES_UNKNOWN_OPERATION');
  const unknownPlugin = await plugins.executePlugin('mysql-plugin', 'i1', db.config, 'query', { sql: 'SELECT 1' });
  expect(unknownPlugin.success === false && unknownPlugin.error.details).toMatchObject({ issues: [{ path: 'pluginName' }] });
  const badConfig = await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'i2', { ...db.config, port: 'five' }, 'ping', {});
  expect(badConfig.success === false && badConfig.error.details).toMatchObject({ issues: [{ path: 'config.port' }] });
});

test('config is sent only when the worker lacks it or it changed', async () => {
  const request = jest.spyOn(WorkerProcess.prototype, 'request');
  try {
    const config = { ...db.config, max: 1 };
    const pid = async (cfg: Record<string, unknown>) => {
      const res = await plugins.executePlugin<number>('postgres-plugin', 'cfg:test', cfg, 'queryValue', { sql: 'SELECT pg_backend_pid()' });
      if (!res.success) throw new Error(res.error.message);
      return res.data;
    };
    const first = await pid(config);
    const second = await pid({ ...config });
    const sent = request.mock.calls.filter(([method]) => method === 'execute').map(([, params]) => 'config' in (params as object));
    expect(sent).toEqual([true, false]);
    // Same settings: the same pool, so the same single backend.
    expect(second).toBe(first);
    // Changed settings: a new pool, so a new backend.
    const third = await pid({ ...config, applicationName: 'changed' });
    expect(third).not.toBe(first);
    const appName = await plugins.executePlugin('postgres-plugin', 'cfg:test', undefined, 'queryValue', { sql: "SELECT current_setting('application_name')" });
    expect(appName).toEqual({ success: true, data: 'changed' });
  } finally {
    request.mockRestore();
  }
});

test('worker logs reach the host logger with the worker pid', async () => {
  const config = { ...db.config, logging: { slowQueryThreshold: 0 } };
  await plugins.executePlugin('postgres-plugin', 'logs', config, 'query', { sql: 'SELECT 7 AS seven' });
  await waitFor(() => log.lines.some((l) => l.includes('SELECT 7 AS seven')), 3000);
  const line = JSON.parse(log.lines.find((l) => l.includes('SELECT 7 AS seven'))!);
  expect(line).toMatchObject({ msg: 'slow query', instanceId: 'logs', workerPid: plugins.workerPid(), level: 40 });
});

test('shutdown stops the worker process', async () => {
  const own = new PluginManager({ logger: log.logger });
  await own.executePlugin('postgres-plugin', 'x', db.config, 'ping', {});
  const pid = own.workerPid()!;
  expect(isAlive(pid)).toBe(true);
  await own.shutdown();
  expect(isAlive(pid)).toBe(false);
  const after = await own.executePlugin('postgres-plugin', 'x', db.config, 'ping', {});
  expect(after.success === false && after.error.code).toBe('POSTGRES_WORKER_UNAVAILABLE');
});


test('logQueries logs statements; parameters only with logParameters', async () => {
  const base = { ...db.config, logging: { level: 'debug', logQueries: true, logParameters: false } };
  await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'qlog', base, 'query', { sql: 'SELECT $1::text AS hidden_param', params: ['param-value-7781'] });
  await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'qlog2', { ...base, logging: { ...base.logging, logParameters: true } }, 'query', {
    sql: 'SELECT $1::text AS shown_param',
    params: ['param-value-9902'],
  });
  await waitFor(() => log.lines.some((l) => l.includes('shown_param')), 3000);
  const hidden = log.lines.filter((l) => l.includes('hidden_param'));
  expect(hidden.length).toBeGreaterThan(0);
  expect(hidden.some((l) => l.includes('param-value-7781'))).toBe(false);
  expect(log.lines.some((l) => l.includes('shown_param') && l.includes('param-value-9902'))).toBe(true);
});
