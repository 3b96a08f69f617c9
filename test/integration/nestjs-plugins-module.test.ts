import 'reflect-metadata';
import path from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { PluginManagerService, PluginsModule } from '../../nestjs';
import { isAlive, waitFor } from '../support/managers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The plugin documentation's integration-test setup, as written, against an
 * application folder whose plugins/ holds the postgres plugin and a
 * documentation-style plugin (greeter: only `initialize(context)`).
 */
const APP_DIR = path.join(__dirname, '..', 'fixtures', 'nest-app');

let db: TestDatabase;
let config: TestDatabase['config'];
let cwd: string;
let moduleRef: TestingModule;
let pluginManager: PluginManagerService;
const workerPids: number[] = [];

beforeAll(async () => {
  db = await createTestDatabase('nest_plugins');
  config = db.config;
  cwd = process.cwd();
  process.chdir(APP_DIR); // './plugins' is relative to the application's working directory
  moduleRef = await Test.createTestingModule({
    imports: [PluginsModule.forRoot('./plugins')],
  }).compile();
  pluginManager = moduleRef.get<PluginManagerService>(PluginManagerService);
  pluginManager.on('worker', (e: { type: string; pid?: number }) => e.type === 'start' && e.pid !== undefined && workerPids.push(e.pid));
});

afterAll(async () => {
  await moduleRef?.close();
  process.chdir(cwd);
  // The module's destroy hook stopped every worker it started.
  expect(await waitFor(() => workerPids.every((pid) => !isAlive(pid)), 3000)).toBe(true);
  await db?.drop();
});

describe('PostgreSQL Plugin Integration', () => {
  test("executePlugin('postgres-plugin', 'user-123:production-db', config, 'query', …) answers from the real server", async () => {
    await db.admin.query('CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL)');
    await db.admin.query("INSERT INTO users VALUES (123, 'Ada'), (124, 'Linus')");
    const result = await pluginManager.executePlugin('postgres-plugin', 'user-123:production-db', config, 'query', {
      sql: 'SELECT * FROM users WHERE id = $1',
      params: [123],
      timeout: 5000,
    });
    expect(result).toMatchObject({ success: true, data: { rows: [{ id: 123, name: 'Ada' }], rowCount: 1, command: 'SELECT' } });
    // Out of process: the folder's postgres plugin runs its own optimised worker.
    const pid = pluginManager.workerPid('postgres-plugin');
    expect(pid).toBeDefined();
    expect(pid).not.toBe(process.pid);
    const backend = await pluginManager.executePlugin('postgres-plugin', 'user-123:production-db', config, 'queryValue', { sql: 'SELECT current_database()' });
    expect(backend).toEqual({ success: true, data: db.name });
  });

  test('a failure is the documented envelope, never thrown', async () => {
    const result = await pluginManager.executePlugin('postgres-plugin', 'user-123:production-db', config, 'query', { sql: 'SELECT * FROM missing_table' });
    expect(result).toMatchObject({ success: false, error: { code: 'POSTGRES_QUERY_FAILED', details: { sqlState: '42P01' }, timestamp: expect.any(String) } });
  });
});

describe('a documentation-style plugin in the same folder', () => {
  test('its methods answer through executePlugin, from a process of its own', async () => {
    const greeting = await pluginManager.executePlugin('greeter', 'user-123:greeter', { greeting: 'hello' }, 'greet', { name: 'Ada' });
    expect(greeting).toEqual({ success: true, data: { message: 'hello, Ada', calls: 1 } });
    const who = await pluginManager.executePlugin<'greeter', { pid: number }>('greeter', 'user-123:greeter', undefined, 'whoami', {});
    expect(who.success && who.data.pid).toBe(pluginManager.workerPid('greeter'));
    expect(who.success && who.data.pid).not.toBe(process.pid);
  });

  test('killing its worker: the call in flight gets PLUGIN_WORKER_CRASHED, and the worker is restarted', async () => {
    const before = pluginManager.workerPid('greeter')!;
    const restarted = new Promise<number>((resolve) =>
      pluginManager.on('worker', (e: { type: string; pid?: number; pluginName: string }) => e.pluginName === 'greeter' && e.type === 'start' && resolve(e.pid!)),
    );
    const hanging = pluginManager.executePlugin('greeter', 'user-123:greeter', undefined, 'hang', {});
    await new Promise((r) => setTimeout(r, 100));
    process.kill(before, 'SIGKILL');
    const crashed = await hanging;
    expect(crashed).toMatchObject({ success: false, error: { code: 'PLUGIN_WORKER_CRASHED', retryable: false } });
    const after = await restarted;
    expect(after).not.toBe(before);
    // The new worker lacks the instance: the config travels again and the instance starts afresh.
    const again = await pluginManager.executePlugin('greeter', 'user-123:greeter', { greeting: 'hello' }, 'greet', { name: 'Linus' });
    expect(again).toEqual({ success: true, data: { message: 'hello, Linus', calls: 1 } });
    expect(pluginManager.workerPid('greeter')).toBe(after);
  });

  test("its own errors keep its own code; an unknown method is PLUGIN_UNKNOWN_OPERATION", async () => {
    const failed = await pluginManager.executePlugin('greeter', 'user-123:greeter', { greeting: 'hello' }, 'fail', {});
    expect(failed).toMatchObject({ success: false, error: { code: 'GREETER_REFUSED', message: 'no greeting for you', details: { why: 'asked to fail' } } });
    const unknown = await pluginManager.executePlugin('greeter', 'user-123:greeter', undefined, 'toString', {});
    expect(unknown).toMatchObject({ success: false, error: { code: 'PLUGIN_UNKNOWN_OPERATION', details: { operations: expect.arrayContaining(['greet', 'whoami']) } } });
  });
});
