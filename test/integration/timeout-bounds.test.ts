import { PluginManager } from '../../host';
import { memoryLogger } from '../support/memory-logger';
import { RawWorker } from '../support/raw-worker';
import { quietManager } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

/**
 * Every timeout is bounded so that what the code adds to it (the host's
 * deadline grace, the worker's statement_timeout margin) still fits both
 * setTimeout and PostgreSQL (2^31 − 1 ms); past the bound it is refused
 * naming the field.
 */

const NEAR_2_31 = 2_147_483_647;
let db: TestDatabase;
let plugins: PluginManager;

beforeAll(async () => {
  ({ db, plugins } = await openSuite('timeout_bounds', { manager: () => quietManager('warn') }));
  await db.admin.query('CREATE TABLE items (id int PRIMARY KEY)');
});
afterAll(() => closeSuite({ plugins, db }));

test('a request timeout near 2^31 ms is refused naming params.timeout (the host deadline overflowed: the call timed out at once)', async () => {
  for (const [operation, params] of [
    ['query', { sql: 'SELECT 1', timeout: NEAR_2_31 }],
    ['batchInsert', { table: 'items', records: [{ id: 1 }], timeout: NEAR_2_31 }],
    ['transaction', { operations: [{ sql: 'SELECT 1' }], timeout: NEAR_2_31 }],
    ['find', { table: 'items', timeout: NEAR_2_31 - 1_000 }],
  ] as const) {
    const res = await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'bounds', db.config, operation, params);
    expect({ operation, res }).toMatchObject({
      operation,
      res: { success: false, error: { code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.timeout', message: expect.stringContaining('at most') }] } } },
    });
  }
});

test('options.queryTimeout and transactionIdleTimeout near 2^31 ms are refused naming the config field', async () => {
  const queryTimeout = await plugins.executePlugin('postgres-plugin', 'bounds-config', { ...db.config, options: { queryTimeout: NEAR_2_31 } }, 'ping', {});
  expect(queryTimeout).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'config.options.queryTimeout' }] } } });
  const idle = await plugins.executePlugin('postgres-plugin', 'bounds-idle', { ...db.config, options: { transactionIdleTimeout: NEAR_2_31 } }, 'ping', {});
  expect(idle).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'config.options.transactionIdleTimeout' }] } } });
  const handle = await plugins.executePlugin('postgres-plugin', 'bounds', db.config, 'beginTransaction', { idleTimeout: NEAR_2_31 });
  expect(handle).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.idleTimeout' }] } } });
});

test('a long timeout within the bound works end to end (deadline and statement_timeout margin included)', async () => {
  const long = 2_000_000_000;
  const res = await plugins.executePlugin('postgres-plugin', 'bounds-long', { ...db.config, options: { queryTimeout: long } }, 'query', { sql: 'SELECT current_setting($1) AS s', params: ['statement_timeout'] });
  expect(res).toMatchObject({ success: true, data: { rows: [{ s: `${long / 1000}s` }] } });
  const own = await plugins.executePlugin('postgres-plugin', 'bounds', db.config, 'queryValue', { sql: 'SELECT 1', timeout: long });
  expect(own).toEqual({ success: true, data: 1 });
  expect(await plugins.executePlugin('postgres-plugin', 'bounds', db.config, 'batchInsert', { table: 'items', records: [{ id: 1 }], timeout: long })).toMatchObject({ success: true });
});

test('on the raw worker a timeout of 2147483647 is POSTGRES_INVALID_PARAMS, not the server\'s "invalid value for parameter statement_timeout"', async () => {
  const worker = new RawWorker();
  try {
    await worker.initialize();
    const base = { instanceId: 'raw', config: db.config };
    const query = await worker.request(1, 'execute', { ...base, operation: 'queryValue', params: { sql: 'SELECT 1', timeout: NEAR_2_31 } });
    expect(query.error?.data).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.timeout' }] } });
    const batch = await worker.request(2, 'execute', { ...base, operation: 'batchInsert', params: { table: 'items', records: [{ id: 2 }], timeout: NEAR_2_31 } });
    expect(batch.error?.data).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.timeout' }] } });
  } finally {
    await worker.close();
  }
});

test('PluginManager options past what setTimeout takes are refused at construction, naming the option', () => {
  const refused = (options: ConstructorParameters<typeof PluginManager>[0], path: string) => {
    let error: unknown;
    try {
      new PluginManager({ logger: memoryLogger('warn').logger, ...options });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path }] } });
  };
  refused({ deadlineGraceMs: NEAR_2_31 }, 'options.deadlineGraceMs');
  refused({ heartbeatIntervalMs: 2 ** 31 }, 'options.heartbeatIntervalMs');
  refused({ heartbeatTimeoutMs: Number.POSITIVE_INFINITY }, 'options.heartbeatTimeoutMs');
  refused({ startTimeoutMs: NEAR_2_31 + 1 }, 'options.startTimeoutMs');
  refused({ stopTimeoutMs: -1 }, 'options.stopTimeoutMs');
  refused({ workerIdleTimeoutMs: 2 ** 40 }, 'options.workerIdleTimeoutMs');
  refused({ restart: { maxDelayMs: 2 ** 31 } }, 'options.restart.maxDelayMs');
});
