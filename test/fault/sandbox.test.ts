import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { faultyManager, quietManager } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('sandbox'));
});
afterAll(() => closeSuite({ db }));

test('a sandboxed worker runs queries but may not write files, spawn processes or see host secrets', async () => {
  process.env.HOST_ONLY_SECRET = 'do-not-inherit';
  const plugins = quietManager('warn', { sandbox: { env: { POSTGRES_PLUGIN_FAULT_HOOKS: '1' } } });
  try {
    const query = await plugins.executePlugin('postgres-plugin', 'sandboxed', db.config, 'queryValue', { sql: 'SELECT 40 + 2' });
    expect(query).toEqual({ success: true, data: 42 });

    const write = await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'sandboxed', db.config, '__faultWriteFile', {});
    expect(write).toEqual({ success: true, data: { attempted: 'write-file', allowed: false, code: 'ERR_ACCESS_DENIED' } });
    expect(fs.existsSync(path.join(os.tmpdir(), `sandbox-probe-${plugins.workerPid()}`))).toBe(false);

    const spawn = await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'sandboxed', db.config, '__faultSpawn', {});
    expect(spawn).toEqual({ success: true, data: { attempted: 'spawn', allowed: false, code: 'ERR_ACCESS_DENIED' } });

    const environ = fs.readFileSync(`/proc/${plugins.workerPid()}/environ`, 'utf8').split('\0');
    expect(environ.some((e) => e.startsWith('HOST_ONLY_SECRET='))).toBe(false);

    // Still fully working after the refused attempts.
    const after = await plugins.executePlugin('postgres-plugin', 'sandboxed', db.config, 'query', { sql: 'SELECT $1::text AS v', params: ['ok'] });
    expect(after.success && after.data).toMatchObject({ rows: [{ v: 'ok' }] });
  } finally {
    delete process.env.HOST_ONLY_SECRET;
    await plugins.shutdown();
  }
});

test('without the sandbox the same probe can write (the test above is not vacuous)', async () => {
  const plugins = faultyManager();
  try {
    const write = await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'open', db.config, '__faultWriteFile', {});
    expect(write).toEqual({ success: true, data: { attempted: 'write-file', allowed: true } });
    fs.rmSync(path.join(os.tmpdir(), `sandbox-probe-${plugins.workerPid()}`), { force: true });
  } finally {
    await plugins.shutdown();
  }
});
