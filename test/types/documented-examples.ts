/**
 * The README's and docs/plugin-api.md's examples, as a TypeScript user writes
 * them: they must compile with no casts, and `res.data` must have the
 * operation's type. Never run (the integration suites run the same calls);
 * `tsc -p tsconfig.test.json` in `npm test` checks it. Its counterpart,
 * misspelt-calls.ts, holds the calls that must not compile.
 */
import { PluginManager, type ConnectionStats, type PluginConfig, type QueryResult, type TransactionResult, type WriteResult } from '../../host';
import { initialize, PostgresPlugin } from '../../index';
import type { OpenCursorResult, FetchResult } from '../../host';
import { expectType } from './type-assertions';

const config = { host: 'localhost', port: 5432, database: 'app', user: 'app', password: process.env.PGPASSWORD };

interface User {
  id: number;
  name: string;
}

export async function readmeFirstExample(): Promise<void> {
  const plugins = new PluginManager();
  const res = await plugins.executePlugin('postgres-plugin', 'user-123:production-db', config, 'query', {
    sql: 'SELECT * FROM users WHERE id = $1',
    params: [123],
    timeout: 5000,
  });
  if (res.success) {
    expectType<QueryResult>()(res.data);
    expectType<Record<string, unknown>[]>()(res.data.rows);
  } else {
    expectType<string>()(res.error.code);
    expectType<boolean>()(res.error.retryable);
  }
  await plugins.shutdown();
}

export async function everyOperationAnswersItsType(plugins: PluginManager, nested: PluginConfig): Promise<void> {
  const id = 'tenant-a:db';
  const pg = 'postgres-plugin';
  const users = await plugins.executePlugin<'query', User>(pg, id, nested, 'query', { sql: 'SELECT id, name FROM users' });
  if (users.success) expectType<User[]>()(users.data.rows);
  const one = await plugins.executePlugin(pg, id, config, 'queryOne', { sql: 'SELECT 1 AS n' });
  if (one.success) expectType<Record<string, unknown> | null>()(one.data);
  const value = await plugins.executePlugin(pg, id, config, 'queryValue', { sql: 'SELECT 1' });
  if (value.success) expectType<unknown>()(value.data);
  const ping = await plugins.executePlugin(pg, id, config, 'ping');
  if (ping.success) expectType<boolean>()(ping.data);
  const stats = await plugins.executePlugin(pg, id, undefined, 'getStats', {});
  if (stats.success) expectType<ConnectionStats>()(stats.data);
  const count = await plugins.executePlugin(pg, id, config, 'count', { table: 'users', where: { active: true } });
  if (count.success) expectType<number>()(count.data);
  const found = await plugins.executePlugin<'find', User>(pg, id, config, 'find', { table: 'users', where: { name: { ilike: 'a%' } }, orderBy: [{ column: 'id', direction: 'desc' }], limit: 10 });
  if (found.success) expectType<User[]>()(found.data);
  const inserted = await plugins.executePlugin<User>(pg, id, config, 'insert', { table: 'users', data: { name: 'Ada', avatar: Buffer.from('png') }, returning: true });
  if (inserted.success) expectType<User>()(inserted.data);
  const counted = await plugins.executePlugin(pg, id, config, 'insert', { table: 'users', data: { name: 'Bob' } });
  if (counted.success) expectType<{ rowCount: number | null }>()(counted.data);
  const updated = await plugins.executePlugin(pg, id, config, 'update', { table: 'users', data: { name: 'Cy' }, where: { id: 3 }, returning: ['id'] });
  if (updated.success) expectType<WriteResult>()(updated.data);
  const batch = await plugins.executePlugin(pg, id, config, 'batchInsert', { table: 'users', records: [{ name: 'Dee' }], conflictStrategy: 'ignore' });
  if (batch.success) expectType<{ inserted: number; updated: number; skipped: number }>()(batch.data);
  const tables = await plugins.executePlugin(pg, id, config, 'listTables', { schema: 'public' });
  if (tables.success) expectType<string[]>()(tables.data);
  const created = await plugins.executePlugin(pg, id, config, 'createTable', { table: 'blobs', schema: { columns: [{ name: 'b', type: 'bytea' }], ifNotExists: true } });
  if (created.success) expectType<null>()(created.data);
  const opened = await plugins.executePlugin(pg, id, config, 'openCursor', { sql: 'SELECT * FROM events', batchSize: 500 });
  if (!opened.success) return;
  expectType<OpenCursorResult>()(opened.data);
  const batchOfRows = await plugins.executePlugin(pg, id, config, 'fetch', { cursorId: opened.data.cursorId, count: 100 });
  if (batchOfRows.success) expectType<FetchResult>()(batchOfRows.data);
  await plugins.executePlugin(pg, id, config, 'closeCursor', { cursorId: opened.data.cursorId });
}

export async function transactions(plugins: PluginManager): Promise<void> {
  const result = await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'transaction', {
    operations: [
      { sql: 'UPDATE accounts SET balance = balance - $1 WHERE id = $2', params: [100, 1] },
      { sql: 'INSERT INTO transfers (from_id, to_id, amount) VALUES ($1, $2, $3) RETURNING id', params: [1, 2, 100] },
    ],
    isolationLevel: 'SERIALIZABLE',
  });
  if (result.success) expectType<TransactionResult>()(result.data);

  const begin = await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'beginTransaction', { isolationLevel: 'READ COMMITTED' });
  if (!begin.success) throw new Error(begin.error.message);
  const { transactionId } = begin.data;
  expectType<string>()(transactionId);
  await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'execute', { sql: 'UPDATE t SET x = 1', transactionId });
  const committed = await plugins.executePlugin('postgres-plugin', 'tenant-a:tx', config, 'commit', { transactionId });
  if (committed.success) expectType<null>()(committed.data);
}

export async function otherPluginsAndRunTimeNames(plugins: PluginManager, name: string): Promise<void> {
  const greeting = await plugins.executePlugin<'greeter', { text: string }>('greeter', 'user-1:greeter', undefined, 'greet', { who: 'Ada' });
  if (greeting.success) expectType<{ text: string }>()(greeting.data);
  const anything = await plugins.executePlugin(name, 'i', undefined, 'whatever', {});
  if (anything.success) expectType<unknown>()(anything.data);
  for await (const rows of plugins.stream<User>('postgres-plugin', 'tenant:db', config, { sql: 'SELECT * FROM users', batchSize: 2000 })) {
    expectType<User[]>()(rows);
  }
}

export async function inProcess(): Promise<void> {
  // docs/plugin-api.md's unit-test example, with the documented console logger in the context.
  const context = { config: { host: 'localhost', database: 'test', user: 'test', password: 'test' }, logger: console };
  const plugin = new PostgresPlugin(context);
  await plugin.initialize(context);
  const result = await plugin.queryValue('SELECT 1 as test');
  expectType<unknown>()(result);
  const same = await initialize({ config: { connection: { host: 'localhost' }, pool: { max: 5 } } });
  expectType<PostgresPlugin>()(same);

  const users = await plugin.find<User>('users', { where: { name: 'Ada' }, limit: 1, orderBy: ['id'], select: ['id', 'name'] });
  expectType<User[]>()(users);
  const all = await plugin.find('users');
  expectType<Record<string, unknown>[]>()(all);
  const legacy = await plugin.find('users', { active: true }, { limit: 2 });
  expectType<Record<string, unknown>[]>()(legacy);
  const row = await plugin.insert<User>('users', { name: 'Ada', born: new Date(), avatar: new Uint8Array([1, 2]) }, true);
  expectType<User>()(row);
  const plain = await plugin.insert('users', { name: 'Bob' });
  expectType<{ rowCount: number | null }>()(plain);
  const one = await plugin.findOne<User>('users', { id: 1 });
  expectType<User | null>()(one);
  const rows = await plugin.query<User>({ sql: 'SELECT id, name FROM users WHERE id = $1', params: [1] });
  expectType<User[]>()(rows.rows);
  const transactionId = await plugin.beginTransaction({ isolationLevel: 'SERIALIZABLE' });
  expectType<string>()(transactionId);
  await plugin.commit(transactionId);
  await plugin.disconnect();
}
