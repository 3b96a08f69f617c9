import type { PluginManager } from '../../host';
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { quietManager } from '../support/managers';
import { pluginCalls } from '../support/plugin-calls';
import { rejection } from '../support/rejection';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugins: PluginManager;
let plugin: PostgresPlugin;
let config: TestDatabase['config'];

beforeAll(async () => {
  ({ db, plugins, plugin } = await openSuite('crud_batch', { manager: quietManager, plugin: { max: 3 } }));
  config = db.config;
  await db.admin.query(`CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE, name text NOT NULL, score int DEFAULT 7, tags jsonb, created_at timestamptz DEFAULT now())`);
  await db.admin.query('CREATE TABLE sentinel (id int PRIMARY KEY)');
  await db.admin.query('INSERT INTO sentinel VALUES (1)');
});
afterAll(() => closeSuite({ plugin, plugins, db }));
beforeEach(async () => {
  await db.admin.query('TRUNCATE users');
});

const { data, refused: failure } = pluginCalls('crud', () => ({ plugins, config }));

describe('CRUD', () => {
  beforeEach(async () => {
    for (const [id, name, score] of [[1, 'ada', 10], [2, 'bob', 20], [3, 'cy', 30], [4, 'di', null]] as const) {
      await data('insert', { table: 'users', data: { id, email: `${name}@x.io`, name, score } });
    }
  });

  test('insert returns the row with returning, else the count', async () => {
    expect(await data('insert', { table: 'users', data: { id: 9, name: 'zed', tags: { a: [1, 2] } }, returning: ['id', 'score', 'tags'] })).toEqual({ id: 9, score: 7, tags: { a: [1, 2] } });
    expect(await data('insert', { table: 'public.users', data: { id: 10, name: 'yo' } })).toEqual({ rowCount: 1 });
  });

  test('the where language: equality, null, and every operator', async () => {
    const ids = async (where: Record<string, unknown>) => (await data<{ id: number }[]>('find', { table: 'users', where, select: ['id'], orderBy: 'id' })).map((r) => r.id);
    expect(await ids({ name: 'bob' })).toEqual([2]);
    expect(await ids({ score: null })).toEqual([4]);
    expect(await ids({ score: { gt: 10 } })).toEqual([2, 3]);
    expect(await ids({ score: { gte: 10, lt: 30 } })).toEqual([1, 2]);
    expect(await ids({ score: { lte: 10 } })).toEqual([1]);
    expect(await ids({ score: { ne: 20 } })).toEqual([1, 3, 4]);
    expect(await ids({ id: { in: [1, 3, 99] } })).toEqual([1, 3]);
    expect(await ids({ id: { notIn: [1, 3] } })).toEqual([2, 4]);
    expect(await ids({ id: { in: [] } })).toEqual([]);
    expect(await ids({ email: { like: 'b%' } })).toEqual([2]);
    expect(await ids({ name: { ilike: 'A%' } })).toEqual([1]);
    expect(await ids({ score: { isNull: false }, name: { ne: 'ada' } })).toEqual([2, 3]);
  });

  test('find with orderBy, limit, offset; findOne; count', async () => {
    expect(await data('find', { table: 'users', select: ['name'], orderBy: [{ column: 'score', direction: 'desc' }, 'id'], limit: 2, offset: 1 })).toEqual([{ name: 'cy' }, { name: 'bob' }]); // DESC puts NULL first, as PostgreSQL does
    expect(await data('findOne', { table: 'users', where: { id: 3 }, select: ['name'] })).toEqual({ name: 'cy' });
    expect(await data('findOne', { table: 'users', where: { id: 99 } })).toBeNull();
    expect(await data('count', { table: 'users' })).toBe(4);
    expect(await data('count', { table: 'users', where: { score: { gte: 20 } } })).toBe(2);
  });

  test('update and delete with where, returning', async () => {
    expect(await data('update', { table: 'users', data: { score: 99 }, where: { id: { in: [1, 2] } }, returning: ['id', 'score'] })).toEqual({
      rowCount: 2,
      rows: expect.arrayContaining([{ id: 1, score: 99 }, { id: 2, score: 99 }]),
    });
    expect(await data('delete', { table: 'users', where: { id: 4 } })).toEqual({ rowCount: 1 });
  });

  test('update/delete without where are refused; allowAll makes them work', async () => {
    for (const [op, params] of [
      ['update', { table: 'users', data: { score: 0 }, where: {} }],
      ['delete', { table: 'users', where: {} }],
    ] as const) {
      const e = await failure(op, params);
      expect(e).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.where' }] } });
    }
    expect(await data('count', { table: 'users' })).toBe(4);
    expect(await data('update', { table: 'users', data: { score: 0 }, where: {}, allowAll: true })).toEqual({ rowCount: 4 });
    expect(await data('delete', { table: 'users', where: {}, allowAll: true })).toEqual({ rowCount: 4 });
  });

  test('unknown operators and bad values are precise validation errors', async () => {
    expect((await failure('find', { table: 'users', where: { score: { between: [1, 2] } } })).details.issues[0]).toEqual({ path: 'params.where.score.between', message: "unknown key 'between'" });
    expect((await failure('insert', { table: 'users', data: {} })).details.issues[0].path).toBe('params.data');
    expect((await failure('find', { table: 'a.b.c' })).details.issues[0].path).toBe('params.table');
  });

  test('CRUD joins a transaction handle', async () => {
    const { transactionId } = await data('beginTransaction', {});
    await data('insert', { table: 'users', data: { id: 50, name: 'tx' }, transactionId });
    expect(await data('count', { table: 'users', where: { id: 50 }, transactionId })).toBe(1);
    expect(await data('count', { table: 'users', where: { id: 50 } })).toBe(0);
    await data('rollback', { transactionId });
    expect(await data('count', { table: 'users', where: { id: 50 } })).toBe(0);
  });

  test('the in-process class has the positional signatures', async () => {
    expect(await plugin.insert('users', { id: 60, name: 'pos' }, ['id'])).toEqual({ id: 60 });
    expect(await plugin.findOne('users', { id: 60 }, ['name'])).toEqual({ name: 'pos' });
    expect(await plugin.count('users', { name: 'pos' })).toBe(1);
    expect(await plugin.update('users', { name: 'pos2' }, { id: 60 })).toEqual({ rowCount: 1 });
    expect(await plugin.find('users', { id: 60 }, { select: ['name'] })).toEqual([{ name: 'pos2' }]);
    expect(await plugin.delete('users', { id: 60 }, true)).toMatchObject({ rowCount: 1, rows: [{ id: 60, name: 'pos2' }] });
    expect((await rejection(plugin.delete('users', {}))).code).toBe('POSTGRES_INVALID_PARAMS');
  });
});

describe('hostile names and values', () => {
  const names = ['users; DROP TABLE users; --', '"quoted"', 'ünï©ødé 表', "it's", 'back\\slash'];

  test.each(names)('table and column named %p are quoted and stored exactly', async (name) => {
    await plugin.createTable(name, { columns: [{ name, type: 'text' }, { name: 'id', type: 'int', primaryKey: true }] });
    const value = `va'l"ue\\ ${name}`;
    await data('insert', { table: name, data: { id: 1, [name]: value } });
    expect(await data('findOne', { table: name, where: { [name]: value } })).toEqual({ id: 1, [name]: value });
    expect(await data('batchInsert', { table: name, records: [{ id: 2, [name]: value }] })).toEqual({ inserted: 1, updated: 0, skipped: 0 });
    expect(await data('count', { table: name, where: { [name]: value } })).toBe(2);
    await plugin.dropTable(name);
  });

  test('empty and over-long names, and dotted triples, are refused', async () => {
    for (const table of ['', 'a.b.c', 'x'.repeat(64)]) {
      expect((await failure('insert', { table, data: { id: 1 } })).code).toBe('POSTGRES_INVALID_PARAMS');
    }
    expect((await failure('insert', { table: 'users', data: { '': 1 } })).code).toBe('POSTGRES_INVALID_PARAMS');
  });

  afterAll(async () => {
    // No other table was touched by any of it.
    expect((await db.admin.query('SELECT count(*)::int AS n FROM sentinel')).rows[0].n).toBe(1);
    const tables = await db.admin.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    expect(tables.rows.map((r) => r.tablename)).toEqual(['sentinel', 'users']);
  });
});

describe('batchInsert', () => {
  test('Batch Operations example as written: ignore, then update; re-runs skip or update everything', async () => {
    // --- docs/plugin-api.md "Batch Operations" ---
    const records = [
      { id: 1, email: 'ada@example.com', name: 'Ada', score: 10 },
      { id: 2, email: 'bob@example.com', name: 'Bob', score: 20 },
      { id: 3, email: 'cy@example.com', name: 'Cy', score: 30 },
    ];
    const ignored = await plugins.executePlugin('postgres-plugin', 'crud', config, 'batchInsert', {
      table: 'users',
      records,
      conflictStrategy: 'ignore',
    });
    const upserted = await plugins.executePlugin('postgres-plugin', 'crud', config, 'batchInsert', {
      table: 'users',
      records: records.map((r) => ({ ...r, score: r.score + 1 })),
      conflictStrategy: 'update',
      conflictTarget: ['id'],
      updateColumns: ['score'],
    });
    // --- end of example ---
    expect(ignored).toEqual({ success: true, data: { inserted: 3, updated: 0, skipped: 0 } });
    expect(upserted).toEqual({ success: true, data: { inserted: 0, updated: 3, skipped: 0 } });
    expect(await data('batchInsert', { table: 'users', records, conflictStrategy: 'ignore' })).toEqual({ inserted: 0, updated: 0, skipped: 3 });
    expect(await data('batchInsert', { table: 'users', records, conflictStrategy: 'update' })).toEqual({ inserted: 0, updated: 3, skipped: 0 });
    expect((await db.admin.query('SELECT score FROM users ORDER BY id')).rows.map((r) => r.score)).toEqual([10, 20, 30]);
  });

  test('records with differing keys: a missing column gets its DEFAULT', async () => {
    expect(await data('batchInsert', { table: 'users', records: [{ id: 1, name: 'a' }, { id: 2, name: 'b', score: 5 }, { id: 3, name: 'c', tags: ['x'] }] })).toEqual({
      inserted: 3,
      updated: 0,
      skipped: 0,
    });
    expect((await db.admin.query('SELECT id, score, tags FROM users ORDER BY id')).rows).toEqual([
      { id: 1, score: 7, tags: null },
      { id: 2, score: 5, tags: null },
      { id: 3, score: 7, tags: ['x'] },
    ]);
  });

  test('200,000 records in one call, with progress at least every 10,000 rows', async () => {
    const records = Array.from({ length: 200_000 }, (_, i) => ({ id: i + 1, name: `n${i}`, score: i % 1000, tags: { i } }));
    const reports: [number, number][] = [];
    const res = await plugins.executePlugin('postgres-plugin', 'crud', config, 'batchInsert', { table: 'users', records, timeout: 120_000 }, { onProgress: (done, total) => reports.push([done, total]) });
    expect(res).toEqual({ success: true, data: { inserted: 200_000, updated: 0, skipped: 0 } });
    expect((await db.admin.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(200_000);
    expect(reports.at(-1)).toEqual([200_000, 200_000]);
    let previous = 0;
    for (const [done] of reports) {
      expect(done - previous).toBeLessThanOrEqual(10_000);
      previous = done;
    }
  }, 120_000);

  test('a failure in the last chunk leaves none of the batch behind', async () => {
    const records = Array.from({ length: 35_000 }, (_, i) => ({ id: i + 1, name: `n${i}` }));
    records[34_999] = { id: 34_999, name: 'duplicate id in the last chunk' };
    const e = await failure('batchInsert', { table: 'users', records });
    expect(e).toMatchObject({ code: 'POSTGRES_QUERY_FAILED', details: { sqlState: '23505' } });
    expect((await db.admin.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(0);
  });

  test('bad records are refused with their path; unknown columns by name', async () => {
    expect((await failure('batchInsert', { table: 'users', records: [{ id: 1, name: 'a' }, 7] })).details.issues[0].path).toBe('params.records[1]');
    expect((await failure('batchInsert', { table: 'users', records: [{ id: 1, nope: 'a' }] })).details.issues[0].message).toContain("'nope'");
  });
});

describe('batchInsert inside a transaction handle', () => {
  test('joins the handle; a bad record mid-batch leaves the handle clean and usable', async () => {
    const { transactionId } = await data('beginTransaction', {});
    await data('insert', { table: 'users', data: { id: 1, name: 'before' }, transactionId });
    const records: unknown[] = Array.from({ length: 25_000 }, (_, i) => ({ id: i + 10, name: `n${i}` }));
    records[24_000] = { id: 99_999, name: 'NUL \u0000 inside' };
    const bad = await failure('batchInsert', { table: 'users', records, transactionId });
    expect(bad.details.issues[0].path).toBe('params.records[24000].name');
    expect(await data('count', { table: 'users', transactionId })).toBe(1);
    expect(await data('batchInsert', { table: 'users', records: [{ id: 2, name: 'in tx' }], transactionId })).toEqual({ inserted: 1, updated: 0, skipped: 0 });
    await data('commit', { transactionId });
    expect((await db.admin.query('SELECT id FROM users ORDER BY id')).rows.map((r) => r.id)).toEqual([1, 2]);
  });
});

test.each([12_000, 24_000])('a large batch inside the caller\'s transaction: a bad record at %i undoes the requests before and after it', async (at) => {
  const { transactionId } = await data('beginTransaction', {});
  await data('insert', { table: 'users', data: { id: 1, name: 'before' }, transactionId });
  const records: unknown[] = Array.from({ length: 25_000 }, (_, i) => ({ id: i + 10, name: `n${i}` }));
  records[at] = { id: 99_999, name: 'NUL \u0000 inside' };
  // More than 5,000 records: the host splits the batch into requests, two in flight at a time.
  const bad = await failure('batchInsert', { table: 'users', records, transactionId });
  expect(bad.details.issues[0].path).toBe(`params.records[${at}].name`);
  expect(await data('count', { table: 'users', transactionId })).toBe(1);
  await data('commit', { transactionId });
  expect((await db.admin.query('SELECT id FROM users')).rows).toEqual([{ id: 1 }]);
});
