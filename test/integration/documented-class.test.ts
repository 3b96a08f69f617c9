import { ErrorCodes, PostgresPlugin, initialize, type ConnectionStats, type ExecuteResult, type PluginContext, type QueryResult } from '../../index';
import { PluginError } from '../../shared/plugin-error';
import { freePortSync } from '../support/free-port';
import { rejection } from '../support/rejection';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The plugin documentation's class, method by method, with its positional
 * arguments and result types (the annotations are checked by `npm test`'s
 * type-check), in the documentation's context shape.
 */
let db: TestDatabase;
let plugin: PostgresPlugin;
const logged: { method: string; text: string }[] = [];
const logger = {
  log: (text: string) => logged.push({ method: 'log', text }),
  info: (text: string) => logged.push({ method: 'info', text }),
  warn: (text: string) => logged.push({ method: 'warn', text }),
  error: (text: string) => logged.push({ method: 'error', text }),
  debug: (text: string) => logged.push({ method: 'debug', text }),
};
const registry = new Map<string, unknown>([['clock', { now: () => 0 }]]);
const services = { getService: <T>(name: string) => registry.get(name) as T | undefined, hasService: (name: string) => registry.has(name) };

beforeAll(async () => {
  db = await createTestDatabase('documented_class');
  const context: PluginContext = { config: { ...db.config, logging: { level: 'debug', logConnections: true } }, services, logger };
  plugin = new PostgresPlugin(context);
  await plugin.initialize(context);
});
afterAll(async () => {
  await plugin?.disconnect();
  await db?.drop();
});

test('context { config, services, logger }: services kept, the console-like logger receives the log, redacted', async () => {
  await plugin.connect();
  expect(plugin.services?.hasService('clock')).toBe(true);
  expect(logged.some((l) => l.method === 'info' && l.text === 'pool opened a connection')).toBe(true);
  expect(JSON.stringify(logged)).not.toContain(db.config.password);
});

test('connection: connect(), isConnected(), ping(), getStats(), closeAllConnections(), disconnect()', async () => {
  const connected: void = await plugin.connect();
  expect(connected).toBeUndefined();
  const isConnected: boolean = await plugin.isConnected();
  expect(isConnected).toBe(true);
  const alive: boolean = await plugin.ping();
  expect(alive).toBe(true);
  const stats: ConnectionStats = await plugin.getStats();
  expect(stats).toMatchObject({ total: expect.any(Number), idle: expect.any(Number), max: 10, queryCount: expect.any(Number) });
  await plugin.closeAllConnections();
  await plugin.disconnect();
  expect(await plugin.isConnected()).toBe(false);
  await plugin.connect(); // a later call opens a new pool
});

test('queries: query(sql, params), queryOne, queryValue, execute', async () => {
  const created: ExecuteResult = await plugin.execute('CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text, active boolean NOT NULL DEFAULT true)');
  expect(created.command).toBe('CREATE');
  const inserted: ExecuteResult = await plugin.execute('INSERT INTO users (email, name) VALUES ($1, $2), ($3, $4)', ['ada@example.com', 'Ada', 'bob@example.com', 'Bob']);
  expect(inserted).toEqual({ rowCount: 2, command: 'INSERT' });
  const result: QueryResult = await plugin.query('SELECT * FROM users WHERE email = $1', ['ada@example.com']);
  expect(result).toMatchObject({ rows: [{ id: 1, email: 'ada@example.com', name: 'Ada' }], rowCount: 1, command: 'SELECT' });
  const one = await plugin.queryOne<{ name: string }>('SELECT name FROM users WHERE id = $1', [2]);
  expect(one).toEqual({ name: 'Bob' });
  expect(await plugin.queryValue<string>('SELECT count(*) FROM users')).toBe('2');
  expect(await plugin.queryValue('SELECT 1 as test')).toBe(1);
});

test('transactions: transaction(operations, options), beginTransaction(): Promise<string>, commit(id), rollback(id)', async () => {
  const { results } = await plugin.transaction(
    [
      { sql: 'UPDATE users SET name = $1 WHERE id = $2', params: ['Ada L.', 1] },
      { sql: 'INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id', params: ['cy@example.com', 'Cy'] },
    ],
    { isolationLevel: 'SERIALIZABLE' },
  );
  expect(results.map((r) => r.rowCount)).toEqual([1, 1]);

  const transactionId: string = await plugin.beginTransaction({ isolationLevel: 'READ_COMMITTED' });
  expect(transactionId).toMatch(/^[0-9a-f-]{36}$/);
  await plugin.query({ sql: 'DELETE FROM users WHERE id = $1', params: [3], transactionId });
  await plugin.rollback(transactionId);
  expect(await plugin.count('users')).toBe(3);

  const second = await plugin.beginTransaction();
  await plugin.query({ sql: 'UPDATE users SET active = false WHERE id = $1', params: [3], transactionId: second });
  expect(await plugin.commit(second)).toBeNull();
  expect(await plugin.findOne('users', { id: 3 }, ['active'])).toEqual({ active: false });
});

test('CRUD: insert(table, data, returning), update(table, data, where, returning), delete(table, where, returning), find, findOne, count, batchInsert', async () => {
  const row = await plugin.insert('users', { email: 'dee@example.com', name: 'Dee' }, ['id', 'email']);
  expect(row).toEqual({ id: 4, email: 'dee@example.com' });
  const updated = await plugin.update('users', { name: 'Dee D.' }, { id: 4 }, ['name']);
  expect(updated).toEqual({ rowCount: 1, rows: [{ name: 'Dee D.' }] });
  const found = await plugin.find('users', { active: true }, { select: ['id'], orderBy: ['id'], limit: 2 });
  expect(found).toEqual([{ id: 1 }, { id: 2 }]);
  expect(await plugin.findOne('users', { email: 'nobody@example.com' })).toBeNull();
  expect(await plugin.count('users', { active: false })).toBe(1);
  const batch = await plugin.batchInsert('users', [{ email: 'e1@example.com' }, { email: 'ada@example.com' }], { conflictStrategy: 'ignore' });
  expect(batch).toEqual({ inserted: 1, updated: 0, skipped: 1 });
  const deleted = await plugin.delete('users', { email: 'e1@example.com' }, true);
  expect(deleted).toMatchObject({ rowCount: 1, rows: [{ email: 'e1@example.com' }] });
});

test('schema: createTable(table, schema), alterTable(table, alterations), listTables(schema), describeTable(table), dropTable(table, options)', async () => {
  expect(await plugin.createTable('orders', { columns: [{ name: 'id', type: 'bigserial', primaryKey: true }, { name: 'user_id', type: 'int', references: { table: 'users', column: 'id' } }] })).toBeNull();
  expect(await plugin.alterTable('orders', [{ action: 'addColumn', column: { name: 'total', type: 'numeric(12,2)', nullable: false, default: 0 } }])).toBeNull();
  const tables: string[] = await plugin.listTables('public');
  expect(tables).toEqual(['orders', 'users']);
  const described = await plugin.describeTable('orders');
  expect(described.columns.map((c) => c.name)).toEqual(['id', 'user_id', 'total']);
  expect(await plugin.dropTable('orders', { ifExists: true })).toBeNull();
  expect(await plugin.listTables()).toEqual(['users']);
});

test('errors carry the documented ErrorCodes', async () => {
  expect(ErrorCodes).toMatchObject({ CONNECTION_FAILED: 'POSTGRES_CONNECTION_FAILED', QUERY_TIMEOUT: 'POSTGRES_QUERY_TIMEOUT', QUERY_FAILED: 'POSTGRES_QUERY_FAILED' });
  const timeout = await rejection(plugin.query({ sql: 'SELECT pg_sleep(5)', timeout: 100 }));
  expect(timeout).toBeInstanceOf(PluginError);
  expect((timeout as PluginError).code).toBe(ErrorCodes.QUERY_TIMEOUT);
});

test("a connection failure has the documented details { host, port, originalError } and no secret", async () => {
  const port = freePortSync();
  const canary = 'Doc-Canary-Pw-51c2';
  const nowhere = await initialize({ config: { host: '127.0.0.1', port, user: 'app', password: canary, database: 'app', options: { autoReconnect: false } }, logger });
  const error = (await rejection(nowhere.connect())) as PluginError;
  expect(error.code).toBe(ErrorCodes.CONNECTION_FAILED);
  expect(error.details).toMatchObject({ host: '127.0.0.1', port, originalError: expect.stringContaining('ECONNREFUSED') });
  expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(canary);
  expect(JSON.stringify(logged)).not.toContain(canary);
  await nowhere.disconnect();
});
