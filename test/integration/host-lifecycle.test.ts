/**
 * The host's bookkeeping follows the worker, and the host's process life is
 * the application's: handles the worker ended on its own stop counting, an
 * application that forgets shutdown() still exits, and every shutdown() call
 * resolves when the stop is complete.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { PluginManager } from '../../host';
import { isAlive, quietManager, waitFor } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('host_lifecycle'));
});
afterAll(() => closeSuite({ db }));

describe('with one worker per tenant and room for one', () => {
  let plugins: PluginManager;
  beforeEach(() => {
    plugins = quietManager('fatal', { isolation: 'tenant', maxWorkers: 1 });
  });
  afterEach(() => plugins.shutdown());

  const next = async (): Promise<string> => {
    const res = await plugins.executePlugin('postgres-plugin', 'tenant-b:db', db.config, 'queryValue', { sql: 'SELECT 1' });
    return res.success ? 'ok' : res.error.code;
  };

  test('a handle the worker rolled back for idling no longer keeps the worker: the next tenant is served', async () => {
    const begun = await plugins.executePlugin('postgres-plugin', 'tenant-a:db', db.config, 'beginTransaction', { idleTimeout: 200 });
    expect(begun.success).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await next()).toBe('ok');
  });

  test('handles ended by closeAllConnections or a config change no longer count either', async () => {
    for (const end of ['closeAllConnections', 'config change'] as const) {
      const begun = await plugins.executePlugin('postgres-plugin', 'tenant-a:db', db.config, 'beginTransaction', {});
      expect(begun.success).toBe(true);
      const ended =
        end === 'closeAllConnections'
          ? await plugins.executePlugin('postgres-plugin', 'tenant-a:db', db.config, 'closeAllConnections', {})
          : await plugins.executePlugin('postgres-plugin', 'tenant-a:db', { ...db.config, max: 3 }, 'ping', {});
      expect(ended.success).toBe(true);
      expect([end, await next()]).toEqual([end, 'ok']);
    }
  });
});

/**
 * Runs a fixture script that forgets to clean up, with the suite's config; its exit code
 * (-1 when it was still running after 15 s and was killed) and what it printed.
 */
async function runForgetful(fixtureName: string): Promise<{ code: number | null; out: string }> {
  const fixture = path.join(__dirname, '..', 'fixtures', fixtureName);
  const script = spawn(process.execPath, [fixture, JSON.stringify({ config: db.config })], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  script.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      script.kill('SIGKILL');
      resolve(-1);
    }, 15_000);
    script.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, out };
}

test('an application that never calls shutdown() still exits, and its worker with it', async () => {
  const { code, out } = await runForgetful('forgetful-host.js');
  expect(code).toBe(0);
  const { value, workerPid } = JSON.parse(out) as { value: unknown; workerPid: number };
  expect(value).toBe(42);
  expect(await waitFor(() => !isAlive(workerPid), 5_000)).toBe(true);
});

test('a script using the plugin in process that forgets disconnect() still exits (idle pooled connections do not hold it)', async () => {
  // 15 s is far below the pool's 600 s idle timeout the fixture sets: only an empty event loop ends it in time.
  const { code, out } = await runForgetful('forgetful-plugin.js');
  expect(code).toBe(0);
  expect(JSON.parse(out)).toEqual({ value: 42 });
});

test('a second concurrent shutdown() resolves only when the stop is complete', async () => {
  const plugins = quietManager('fatal');
  expect((await plugins.executePlugin('postgres-plugin', 'a:db', db.config, 'ping', {})).success).toBe(true);
  const pid = plugins.workerPid()!;
  const first = plugins.shutdown();
  await plugins.shutdown();
  expect(isAlive(pid)).toBe(false);
  await first;
});
