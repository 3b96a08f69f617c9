import { PluginManager } from '../../host';
import { PostgresPlugin } from '../../worker/postgres-plugin';
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

describe('a config that can never authenticate fails at once, not retryable, saying what to set', () => {
  const noPassword = () => {
    const { password: _password, ...rest } = ownServerConfig(server, { logging: debugLogging, options: { reconnectInterval: 1_000, maxReconnectAttempts: 5 } });
    return rest;
  };

  test('a missing password against a scram server: POSTGRES_AUTH_FAILED (password-missing) with no reconnect attempt, through the host', async () => {
    const states: string[] = [];
    const onState = (e: { instanceId: string; state: string }) => e.instanceId === 'no-password' && states.push(e.state);
    plugins.on('instanceState', onState);
    const started = performance.now();
    const res = await plugins.executePlugin('postgres-plugin', 'no-password', noPassword(), 'query', { sql: 'SELECT 1' });
    const elapsed = performance.now() - started;
    plugins.off('instanceState', onState);
    expect(res.success === false && res.error).toMatchObject({
      code: 'POSTGRES_AUTH_FAILED',
      retryable: false,
      message: expect.stringMatching(/the server asks for a password and the config gives none: set password/),
      details: { reason: 'password-missing', host: server.host, port: server.port, originalError: expect.stringContaining('client password must be a string') },
    });
    // Not one reconnect: with reconnectInterval 1 s, a retry would have shown as `reconnecting`.
    expect(states).not.toContain('reconnecting');
    console.log(`missing password answered in ${elapsed.toFixed(0)} ms`);
  });

  test('an empty password, in process: the same error', async () => {
    const plugin = new PostgresPlugin({ config: { ...noPassword(), password: '' } });
    try {
      const error = await plugin.query('SELECT 1').then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'POSTGRES_AUTH_FAILED', retryable: false, message: expect.stringMatching(/the config gives (none|an empty one): set password/), details: { reason: 'password-missing' } });
    } finally {
      await plugin.disconnect();
    }
  });

  test('ssl: true against a server without SSL: POSTGRES_SSL_REQUIRED worded for that direction', async () => {
    const res = await plugins.executePlugin('postgres-plugin', 'ssl-on-plain', ownServerConfig(server, { password: CANARY, ssl: true }), 'query', { sql: 'SELECT 1' });
    expect(res.success === false && res.error).toMatchObject({
      code: 'POSTGRES_SSL_REQUIRED',
      retryable: false,
      message: expect.stringMatching(/^The config asks for SSL but the server does not support SSL connections: set ssl: false/),
      details: { reason: 'ssl-not-supported' },
    });
  });
});
