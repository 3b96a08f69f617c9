/**
 * Calls that must NOT compile: each line below carries `@ts-expect-error`, so
 * `tsc` (in `npm run typecheck`) fails the run if any of them starts to
 * compile. Each differs from a compiling call of documented-examples.ts in
 * one thing only, the mistake its comment names.
 */
import { PluginManager } from '../../host';
import { PostgresPlugin } from '../../index';
import { expectType } from './type-assertions';

const config = { host: 'localhost', port: 5432, database: 'app', user: 'app', password: 'secret' };

export async function misspelt(plugins: PluginManager): Promise<void> {
  // An operation name typo.
  // @ts-expect-error 'qeury' is not an operation of the postgres plugin
  await plugins.executePlugin('postgres-plugin', 'i', config, 'qeury', { sql: 'SELECT 1' });
  // A params key typo.
  // @ts-expect-error 'sqll' is not a param of query
  await plugins.executePlugin('postgres-plugin', 'i', config, 'query', { sqll: 'SELECT 1' });
  // A config key typo.
  // @ts-expect-error 'hots' is not a config key
  await plugins.executePlugin('postgres-plugin', 'i', { hots: 'localhost' }, 'query', { sql: 'SELECT 1' });
  // A required param left out.
  // @ts-expect-error query needs sql
  await plugins.executePlugin('postgres-plugin', 'i', config, 'query', {});
  // A param of the wrong type.
  // @ts-expect-error timeout is a number of ms
  await plugins.executePlugin('postgres-plugin', 'i', config, 'query', { sql: 'SELECT 1', timeout: '5s' });
  // A param of another operation.
  // @ts-expect-error query takes no limit
  await plugins.executePlugin('postgres-plugin', 'i', config, 'query', { sql: 'SELECT 1', limit: 5 });
  // A nested config typo.
  // @ts-expect-error pool has no maxx
  await plugins.executePlugin('postgres-plugin', 'i', { ...config, pool: { maxx: 5 } }, 'ping');
  // A cursor operation without its cursorId.
  // @ts-expect-error fetch needs cursorId
  await plugins.executePlugin('postgres-plugin', 'i', config, 'fetch', { count: 10 });
  // The explicit data type does not lift the checks of the name.
  // @ts-expect-error 'qeury' is not an operation, whatever the data type
  await plugins.executePlugin<{ n: number }>('postgres-plugin', 'i', config, 'qeury', { sql: 'SELECT 1' });

  const res = await plugins.executePlugin('postgres-plugin', 'i', config, 'query', { sql: 'SELECT 1' });
  if (res.success) {
    // @ts-expect-error data of query is a QueryResult, not an array of rows
    expectType<unknown[]>()(res.data);
    // @ts-expect-error a QueryResult has no row
    void res.data.row;
  }
  // @ts-expect-error data exists only on success
  void res.data;
  const count = await plugins.executePlugin('postgres-plugin', 'i', config, 'count', { table: 'users' });
  // @ts-expect-error count answers a number
  if (count.success) expectType<string>()(count.data);
}

export async function inProcessMistakes(plugin: PostgresPlugin): Promise<void> {
  // @ts-expect-error find's options have no limitt
  await plugin.find('users', { where: { name: 'Ada' }, limitt: 1 });
  // @ts-expect-error limit is a number
  await plugin.find('users', { where: { name: 'Ada' }, limit: '1' });
  // @ts-expect-error a config key typo in the context
  new PostgresPlugin({ config: { hots: 'localhost' } });
  // @ts-expect-error beginTransaction resolves to the id string
  expectType<{ transactionId: string }>()(await plugin.beginTransaction());
}
