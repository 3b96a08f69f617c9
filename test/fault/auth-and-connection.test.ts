import { PluginManager } from '../../host';
import { memoryLogger } from '../support/memory-logger';
import { ownServerConfig, startOwnServer, type OwnServer } from '../support/own-server';
import { freePortSync } from '../support/free-port';
import { closeSuite } from '../support/suite-setup';

// A password that must never show up anywhere: not in errors, not in logs.
const CANARY = 'Canary-Pw-7f3a9d-DO-NOT-LEAK';

let server: OwnServer;
let plugins: PluginManager;
const log = memoryLogger('trace');

beforeAll(async () => {
  // Its own server with scram-sha-256 auth, so a wrong password is really refused.
  server = await startOwnServer(['--password', CANARY, '--auth', 'scram-sha-256']);
  plugins = new PluginManager({ logger: log.logger });
});
afterAll(() => closeSuite({ plugins, server }));

const debugLogging = { level: 'trace', logQueries: true, logParameters: true, logConnections: true } as const;

test('the right password works (the canary is the real password)', async () => {
  const config = ownServerConfig(server, { password: CANARY, logging: debugLogging });
  const res = await plugins.executePlugin('postgres-plugin', 'good', config, 'queryValue', { sql: 'SELECT $1::text', params: ['hello'] });
  expect(res).toEqual({ success: true, data: 'hello' });
});

test('a wrong password gives POSTGRES_AUTH_FAILED', async () => {
  const config = ownServerConfig(server, { password: CANARY + '-wrong', logging: debugLogging });
  const res = await plugins.executePlugin('postgres-plugin', 'bad', config, 'query', { sql: 'SELECT 1' });
  expect(res.success).toBe(false);
  if (res.success) return;
  expect(res.error.code).toBe('POSTGRES_AUTH_FAILED');
  expect(res.error.retryable).toBe(false);
  expect(res.error.details).toMatchObject({ sqlState: '28P01', host: server.host, port: server.port, user: server.user });
  expect(JSON.stringify(res)).not.toContain(CANARY);
});

test("nothing listening gives POSTGRES_CONNECTION_FAILED with the documented details: host, port, originalError (the driver's message)", async () => {
  const port = freePortSync();
  const config = { host: '127.0.0.1', port, user: 'postgres', password: CANARY, database: 'postgres', logging: debugLogging, connectionTimeoutMillis: 1000 };
  const res = await plugins.executePlugin('postgres-plugin', 'nowhere', config, 'query', { sql: 'SELECT 1' });
  expect(res.success).toBe(false);
  if (res.success) return;
  expect(res.error.code).toBe('POSTGRES_CONNECTION_FAILED');
  expect(res.error.retryable).toBe(true);
  expect(res.error.details).toMatchObject({ host: '127.0.0.1', port, originalError: expect.stringContaining('ECONNREFUSED') });
  expect(res.error.details.reason).toBe(res.error.details.originalError); // the field it had before stays
  expect(JSON.stringify(res)).not.toContain(CANARY);
});

test('a connection string with the canary: works, and fails without leaking it', async () => {
  const url = `postgres://${server.user}:${encodeURIComponent(CANARY)}@${server.host}:${server.port}/postgres`;
  const good = await plugins.executePlugin('postgres-plugin', 'url', { connectionString: url, logging: debugLogging }, 'ping', {});
  expect(good).toEqual({ success: true, data: true });
  const res = await plugins.executePlugin('postgres-plugin', 'url-bad', { connectionString: url.replace(/\/postgres$/, '/missing_db'), logging: debugLogging }, 'query', {
    sql: 'SELECT 1',
  });
  expect(res.success === false && res.error).toMatchObject({
    code: 'POSTGRES_CONNECTION_FAILED',
    details: { sqlState: '3D000', host: server.host, port: server.port, originalError: 'database "missing_db" does not exist' },
  });
  expect(JSON.stringify(res)).not.toContain(CANARY);
  expect(JSON.stringify(res)).not.toContain(encodeURIComponent(CANARY));
});

test('the canary appears in no log line of host or worker', async () => {
  await new Promise((r) => setTimeout(r, 200)); // let the worker's last stderr lines arrive
  expect(log.lines.length).toBeGreaterThan(0);
  const leaks = log.lines.filter((line) => line.includes(CANARY) || line.includes(encodeURIComponent(CANARY)));
  expect(leaks).toEqual([]);
});
