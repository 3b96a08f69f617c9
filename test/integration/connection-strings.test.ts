import pg from 'pg';
import { PluginManager } from '../../host';
import { PostgresPlugin } from '../../worker/postgres-plugin';
import { memoryLogger } from '../support/memory-logger';
import { startOwnServer, type OwnServer } from '../support/own-server';

/**
 * Both libpq forms of a connection string, the URL and key=value (with
 * '…' quoting and backslash escapes), against a server that checks passwords
 * (scram-sha-256). The password never shows in errors or logs.
 */

const ADMIN_PASSWORD = 'Admin-Pw-51c0-DO-NOT-LEAK';
// Quote, double quote, spaces, backslash, equals sign: everything key=value quoting has to carry.
const TRICKY_PASSWORD = `Tr1cky 'pw' = \\ "x" DO-NOT-LEAK`;
const ROLE = 'kv_tricky';

let server: OwnServer;
let plugins: PluginManager;
const log = memoryLogger('trace');
const logging = { level: 'trace', logQueries: true, logParameters: true, logConnections: true } as const;

/** libpq's quoting: single quotes around the value, backslash before ' and \. */
const quote = (value: string) => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
const keyValue = (password: string, user = ROLE) => `host=${server.host} port = ${server.port} user=${user} password=${quote(password)} dbname='postgres'`;

beforeAll(async () => {
  server = await startOwnServer(['--password', ADMIN_PASSWORD, '--auth', 'scram-sha-256']);
  const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, password: ADMIN_PASSWORD, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD ${admin.escapeLiteral(TRICKY_PASSWORD)}`);
  await admin.end();
  plugins = new PluginManager({ logger: log.logger });
}, 120_000);
afterAll(async () => {
  await plugins.shutdown();
  await server.stop();
});

test('a key=value connection string with quoting and escapes connects (it failed with getaddrinfo ENOTFOUND base)', async () => {
  const res = await plugins.executePlugin('postgres-plugin', 'kv', { connectionString: keyValue(TRICKY_PASSWORD), logging }, 'queryValue', { sql: 'SELECT current_user' });
  expect(res).toEqual({ success: true, data: ROLE });
  const plugin = new PostgresPlugin({ config: { connectionString: `user=${ROLE} password=${quote(TRICKY_PASSWORD)} host=${server.host} port=${server.port} dbname=postgres application_name='kv app'` } });
  try {
    expect(await plugin.queryValue('SELECT current_setting($1)', ['application_name'])).toBe('kv app');
  } finally {
    await plugin.disconnect();
  }
  // Unquoted values take backslash escapes too.
  const unquoted = `host=${server.host} port=${server.port} user=${server.user} password=${ADMIN_PASSWORD.replace(/-/g, '\\-')} dbname=postgres`;
  expect(await plugins.executePlugin('postgres-plugin', 'kv-unquoted', { connectionString: unquoted }, 'ping', {})).toEqual({ success: true, data: true });
});

test('a wrong password in a key=value string is POSTGRES_AUTH_FAILED, and neither password appears in the error or the logs', async () => {
  const wrong = `${TRICKY_PASSWORD}-wrong`;
  const res = await plugins.executePlugin('postgres-plugin', 'kv-bad', { connectionString: keyValue(wrong), logging }, 'query', { sql: 'SELECT 1' });
  expect(res).toMatchObject({ success: false, error: { code: 'POSTGRES_AUTH_FAILED', details: { host: server.host, port: server.port, user: ROLE } } });
  const everything = JSON.stringify(res) + log.lines.join('\n');
  for (const secret of [wrong, TRICKY_PASSWORD, quote(wrong), 'DO-NOT-LEAK']) expect(everything).not.toContain(secret);
});

test('a key=value string that is malformed or names an unknown keyword is refused naming connectionString, without echoing it', async () => {
  const cases: [string, string][] = [
    [`host=${server.host} password='unterminated DO-NOT-LEAK`, 'unterminated'],
    [`host=${server.host} password=DO-NOT-LEAK nonsense=1`, 'unknown keyword at character'],
    [`host=${server.host} password=DO-NOT LEAK=1`, 'unknown keyword at character'],
    [`host=${server.host} sslcert=/x password=DO-NOT-LEAK`, "keyword 'sslcert' is not supported"],
    [`host=${server.host} port=abc password=DO-NOT-LEAK`, 'port'],
    [`host=${server.host} dbname password=DO-NOT-LEAK`, "'='"],
  ];
  for (const [connectionString, message] of cases) {
    const res = await plugins.executePlugin('postgres-plugin', 'kv-malformed', { connectionString }, 'ping', {});
    expect(res).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'config.connectionString', message: expect.stringContaining(message) }] } } });
    expect(JSON.stringify(res)).not.toContain('DO-NOT-LEAK');
  }
  const both = await plugins.executePlugin('postgres-plugin', 'kv-both', { connectionString: `host=${server.host} user=a`, user: 'b' }, 'ping', {});
  expect(both).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'config.user' }] } } });
});

test('the URL form still works beside it', async () => {
  const url = `postgresql://${ROLE}:${encodeURIComponent(TRICKY_PASSWORD)}@${server.host}:${server.port}/postgres`;
  expect(await plugins.executePlugin('postgres-plugin', 'url', { connectionString: url }, 'queryValue', { sql: 'SELECT current_user' })).toEqual({ success: true, data: ROLE });
});
