import 'reflect-metadata';
import path from 'node:path';
import { Test } from '@nestjs/testing';
import { PluginManager } from '../../host';
import { PluginManagerService, PluginsModule } from '../../nestjs';
import { memoryLogger } from '../support/memory-logger';

/** One good documentation-style plugin and four broken folders, one of each kind. */
const MIXED = path.join(__dirname, '..', 'fixtures', 'plugin-folders', 'mixed');
const at = (folder: string) => path.join(MIXED, folder);

const log = memoryLogger('info');
let plugins: PluginManager;
const directory = { calls: [] as string[], async find(key: string) { this.calls.push(key); return `value of ${key}`; } };

beforeAll(() => {
  plugins = new PluginManager({ logger: log.logger, pluginsDir: MIXED, services: { directory } });
});
afterAll(() => plugins.shutdown());

test('each broken plugin is reported at startup with its path and reason; the good one works', async () => {
  const report = await plugins.loadPlugins();
  expect(report.plugins.map((p) => [p.name, p.kind, p.path])).toEqual([['greeter', 'module', at('greeter')]]);
  expect(report.problems).toEqual(
    expect.arrayContaining([
      { path: at('no-manifest'), reason: 'no package.json' },
      { path: at('no-entry'), name: 'no-entry', reason: expect.stringMatching(/^no entry: .*no-entry\/dist\/missing\.js \(package\.json main\) does not exist$/) },
      { path: at('greeter-copy'), name: 'greeter', reason: `the name 'greeter' is used twice: also by ${at('greeter')}` },
      { path: at('initialize-throws'), name: 'initialize-throws', reason: expect.stringContaining('initialize(context) threw: the database of initialize-throws is not configured') },
    ]),
  );
  expect(report.problems).toHaveLength(4);
  // Each one is in the host's log as an error naming the plugin's folder and the reason.
  for (const problem of report.problems) {
    expect(log.lines.some((line) => line.includes('"level":50') && line.includes(problem.path) && line.includes(JSON.stringify(problem.reason).slice(1, -1)))).toBe(true);
  }
  expect(await plugins.executePlugin('greeter', 'g1', { greeting: 'hi' }, 'greet', { name: 'Ada' })).toEqual({ success: true, data: { message: 'hi, Ada', calls: 1 } });
});

test('a call of a broken plugin answers why, fast, without starting anything', async () => {
  const res = await plugins.executePlugin('initialize-throws', 'x', {}, 'anything', {});
  expect(res).toMatchObject({
    success: false,
    error: { code: 'PLUGIN_WORKER_UNAVAILABLE', details: { path: at('initialize-throws'), reason: expect.stringContaining('threw') } },
  });
  expect(plugins.workerPid('initialize-throws')).toBeUndefined();
  const missing = await plugins.executePlugin('no-entry', 'x', {}, 'anything', {});
  expect(missing).toMatchObject({ success: false, error: { details: { issues: [{ path: 'pluginName' }] } } });
});

test("the plugin's context: its logger writes to the host's log, its services are the host's", async () => {
  await plugins.executePlugin('greeter', 'g1', undefined, 'shout', { text: 'over the pipe' });
  const lookedUp = await plugins.executePlugin('greeter', 'g1', undefined, 'lookUp', { key: 'k-7' });
  expect(lookedUp).toEqual({ success: true, data: { found: true, value: 'value of k-7' } });
  expect(directory.calls).toEqual(['k-7']); // ran here, in the host, called from the plugin's process
  await new Promise((r) => setTimeout(r, 100));
  const shout = log.lines.find((line) => line.includes('greeter shouts: over the pipe'));
  expect(shout).toBeDefined();
  expect(JSON.parse(shout!)).toMatchObject({ level: 40, plugin: 'greeter', instanceId: 'g1', workerPid: plugins.workerPid('greeter') });
  // What the plugin prints with console.log is a log line too, never a frame on the worker's stdout.
  expect(log.lines.some((line) => line.includes('greeter printed this'))).toBe(true);
});

test('a deadline or an abort answers with the generic names; so do a new instance without config and an unknown plugin', async () => {
  const late = await plugins.executePlugin('greeter', 'g1', undefined, 'hang', { timeout: 200 });
  expect(late).toMatchObject({ success: false, error: { code: 'PLUGIN_TIMEOUT', message: expect.stringContaining('deadline of 200 ms') } });
  const controller = new AbortController();
  const aborted = plugins.executePlugin('greeter', 'g1', undefined, 'hang', {}, { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  expect(await aborted).toMatchObject({ success: false, error: { code: 'PLUGIN_CANCELLED' } });
  const fresh = await plugins.executePlugin('greeter', 'never-configured', undefined, 'greet', { name: 'x' });
  expect(fresh).toMatchObject({ success: false, error: { code: 'PLUGIN_INVALID_PARAMS', details: { issues: [{ path: 'config' }] } } });
  const unknown = await plugins.executePlugin('mysql-plugin', 'x', {}, 'query', {});
  expect(unknown).toMatchObject({ success: false, error: { code: 'PLUGIN_INVALID_PARAMS', details: { issues: [{ path: 'pluginName' }] } } });
});

test('PluginsModule reports the same problems when the application starts', async () => {
  const moduleRef = await Test.createTestingModule({ imports: [PluginsModule.forRoot(MIXED, { logger: memoryLogger('silent').logger })] }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  try {
    const service = app.get(PluginManagerService);
    expect(service.loadReport.problems.map((p) => path.basename(p.path)).sort()).toEqual(['greeter-copy', 'initialize-throws', 'no-entry', 'no-manifest']);
    expect(await service.executePlugin('greeter', 'g', { greeting: 'hey' }, 'greet', { name: 'Nest' })).toMatchObject({ success: true });
  } finally {
    await app.close();
  }
});

test('with sandbox: true a documentation-style plugin still runs (its worker is never sandboxed: it loads code from outside this package)', async () => {
  const sandboxed = new PluginManager({ logger: memoryLogger('silent').logger, pluginsDir: MIXED, sandbox: true });
  try {
    expect(await sandboxed.executePlugin('greeter', 's', { greeting: 'hi' }, 'greet', { name: 'Ada' })).toEqual({ success: true, data: { message: 'hi, Ada', calls: 1 } });
  } finally {
    await sandboxed.shutdown();
  }
});
