import type { PluginManager, PluginResult } from '../../host';
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { rejection } from '../support/rejection';
import { quietManager } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

/**
 * Empty `in` / `notIn` lists in CRUD where objects: SQL semantics (a NULL
 * column never matches notIn, whatever the list), and an empty list never
 * counts as the condition that lets update/delete past the allowAll guard.
 */

let db: TestDatabase;
let plugins: PluginManager;
let plugin: PostgresPlugin;

beforeAll(async () => {
  ({ db, plugins, plugin } = await openSuite('empty_lists', { manager: () => quietManager('warn'), plugin: { max: 2 } }));
  await db.admin.query('CREATE TABLE items (id int PRIMARY KEY, tag text)');
});
afterAll(() => closeSuite({ plugin, plugins, db }));
beforeEach(async () => {
  await db.admin.query("TRUNCATE items; INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, NULL)");
});

const ids = async () => (await db.admin.query('SELECT id FROM items ORDER BY id')).rows.map((r: { id: number }) => r.id);

async function call(operation: string, params: Record<string, unknown>): Promise<PluginResult<any>> {
  return plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'lists', db.config, operation, params);
}

test('delete or update where only an empty notIn limits is refused without allowAll (it deleted every row)', async () => {
  for (const where of [{ id: { notIn: [] } }, { tag: { notIn: [] } }, { id: { notIn: [] }, tag: { notIn: [] } }]) {
    const del = await call('delete', { table: 'items', where });
    expect(del).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.where', message: expect.stringContaining('allowAll') }] } } });
    const upd = await call('update', { table: 'items', data: { tag: 'z' }, where });
    expect(upd).toMatchObject({ success: false, error: { code: 'POSTGRES_INVALID_PARAMS' } });
    expect((await rejection(plugin.delete('items', where))).code).toBe('POSTGRES_INVALID_PARAMS');
  }
  expect(await ids()).toEqual([1, 2, 3]);
  expect((await db.admin.query('SELECT count(*)::int AS n FROM items WHERE tag = $1', ['z'])).rows[0].n).toBe(0);
});

test('with allowAll, or beside a real condition, an empty notIn deletes what SQL says: rows whose column is not NULL', async () => {
  expect(await call('delete', { table: 'items', where: { tag: { notIn: [] }, id: { gt: 1 } } })).toMatchObject({ success: true, data: { rowCount: 1 } });
  expect(await ids()).toEqual([1, 3]);
  expect(await plugin.delete('items', { tag: { notIn: [] } }, undefined, { allowAll: true })).toEqual({ rowCount: 1 });
  expect(await ids()).toEqual([3]);
});

test('find and count: in [] matches nothing, notIn [] every row whose column is not NULL (as a non-empty notIn never matches NULL)', async () => {
  expect(await call('count', { table: 'items', where: { tag: { in: [] } } })).toMatchObject({ data: 0 });
  expect(await call('count', { table: 'items', where: { tag: { notIn: [] } } })).toMatchObject({ data: 2 });
  expect(await call('count', { table: 'items', where: { tag: { notIn: ['a'] } } })).toMatchObject({ data: 1 });
  expect(await plugin.count('items', { id: { notIn: [] } })).toBe(3);
  // An empty in is a condition that limits (to nothing): delete deletes nothing, without allowAll.
  expect(await call('delete', { table: 'items', where: { id: { in: [] } } })).toMatchObject({ success: true, data: { rowCount: 0 } });
  expect(await ids()).toEqual([1, 2, 3]);
});
