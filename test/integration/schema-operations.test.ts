import pg from 'pg';
import type { TableDescription } from '../../shared/schema-params';
import { parseOrThrow } from '../../shared/validation';
import { Instance } from '../../worker/instance/instance';
import { operations } from '../../worker/operations';
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { rejection } from '../support/rejection';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugin: PostgresPlugin;
/** The same database as the worker's operations table sees it. */
let instance: Instance;

beforeAll(async () => {
  ({ db, plugin } = await openSuite('schema_ops', { plugin: { max: 2 } }));
  instance = new Instance({ config: { ...db.config, max: 2 } });
  await plugin.execute('CREATE TABLE sentinel (id int PRIMARY KEY, note text)');
  await plugin.execute("INSERT INTO sentinel VALUES (1, 'still here')");
});

afterAll(async () => {
  await instance.closeConnections();
  await closeSuite({ plugin, db });
});


/** Counts the statements `fn` sends: each `client.query` is one round trip to the server. */
async function roundTrips<T>(fn: () => Promise<T>): Promise<{ result: T; trips: number; ms: number }> {
  const spy = jest.spyOn(pg.Client.prototype, 'query');
  const started = performance.now();
  try {
    const result = await fn();
    return { result, trips: spy.mock.calls.length, ms: performance.now() - started };
  } finally {
    spy.mockRestore();
  }
}

const column = (name: string, type: string, ordinal: number, more: Partial<TableDescription['columns'][number]> = {}) => ({
  name, type, ordinal, nullable: true, default: null, primaryKey: false, ...more,
});

describe('createTable → describeTable round trip', () => {
  test('every column feature, key, index and constraint comes back from the catalog', async () => {
    await plugin.execute('CREATE SCHEMA shop');
    await plugin.execute("CREATE TYPE shop.mood AS ENUM ('happy', 'sad')");
    await plugin.createTable('authors', { columns: [{ name: 'id', type: 'integer', primaryKey: true }, { name: 'email', type: 'text', unique: true }] });
    await plugin.createTable('shop.books', {
      columns: [
        { name: 'id', type: 'bigint' },
        { name: 'edition', type: 'smallint', nullable: false, default: 1 },
        { name: 'title', type: 'varchar(200)', nullable: false, default: "it's a \\ title" },
        { name: 'price', type: 'numeric(10,2)', check: { sql: 'price >= 0' } },
        { name: 'isbn', type: 'char(13)', unique: true },
        { name: 'author_id', type: 'int', references: { table: 'public.authors', column: 'id', onDelete: 'cascade', onUpdate: 'RESTRICT' } },
        { name: 'tags', type: 'text[]', default: { sql: "'{}'::text[]" } },
        { name: 'meta', type: 'jsonb', default: { a: [1, "two's"] } },
        { name: 'published', type: 'boolean', default: false },
        { name: 'created_at', type: 'timestamp with time zone', nullable: false, default: { sql: 'now()' } },
        { name: 'mood', type: 'shop.mood', default: 'happy' },
        { name: 'rating', type: 'double precision', default: 2.5 },
      ],
      primaryKey: ['id', 'edition'],
      unique: [['title', 'author_id'], { columns: ['isbn', 'edition'], name: 'books_isbn_edition' }],
      indexes: [
        { columns: ['author_id'] },
        { columns: ['published', 'created_at'], name: 'books_recent' },
        { columns: ['tags'], method: 'gin' },
        { columns: ['title'], unique: true, name: 'books_title_unique' },
      ],
    });

    const d = await plugin.describeTable('shop.books');
    expect(d.schema).toBe('shop');
    expect(d.name).toBe('books');
    expect(d.columns).toEqual([
      column('id', 'bigint', 1, { nullable: false, primaryKey: true }),
      // Values go in as quoted literals (numbers too), so the catalog shows them cast to the column type.
      column('edition', 'smallint', 2, { nullable: false, primaryKey: true, default: "'1'::smallint" }),
      column('title', 'character varying(200)', 3, { nullable: false, default: "'it''s a \\ title'::character varying" }),
      column('price', 'numeric(10,2)', 4),
      column('isbn', 'character(13)', 5),
      column('author_id', 'integer', 6),
      column('tags', 'text[]', 7, { default: "'{}'::text[]" }),
      column('meta', 'jsonb', 8, { default: `'{"a": [1, "two''s"]}'::jsonb` }),
      column('published', 'boolean', 9, { default: 'false' }),
      column('created_at', 'timestamp with time zone', 10, { nullable: false, default: 'now()' }),
      column('mood', 'shop.mood', 11, { default: "'happy'::shop.mood" }),
      column('rating', 'double precision', 12, { default: "'2.5'::double precision" }),
    ]);
    expect(d.primaryKey).toEqual(['id', 'edition']);
    expect(d.foreignKeys).toEqual([
      { name: 'books_author_id_fkey', columns: ['author_id'], referencedTable: 'public.authors', referencedColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'RESTRICT' },
    ]);
    expect(d.uniqueConstraints).toEqual([
      { name: 'books_isbn_edition', columns: ['isbn', 'edition'] },
      { name: 'books_isbn_key', columns: ['isbn'] },
      { name: 'books_title_author_id_key', columns: ['title', 'author_id'] },
    ]);
    expect(d.checkConstraints).toEqual([{ name: 'books_price_check', expression: 'price >= 0::numeric' }]);
    expect(d.indexes).toEqual([
      { name: 'books_author_id_idx', columns: ['author_id'], unique: false, method: 'btree' },
      { name: 'books_isbn_edition', columns: ['isbn', 'edition'], unique: true, method: 'btree' },
      { name: 'books_isbn_key', columns: ['isbn'], unique: true, method: 'btree' },
      { name: 'books_pkey', columns: ['id', 'edition'], unique: true, method: 'btree' },
      { name: 'books_recent', columns: ['published', 'created_at'], unique: false, method: 'btree' },
      { name: 'books_tags_idx', columns: ['tags'], unique: false, method: 'gin' },
      { name: 'books_title_author_id_key', columns: ['title', 'author_id'], unique: true, method: 'btree' },
      { name: 'books_title_unique', columns: ['title'], unique: true, method: 'btree' },
    ]);
    // The literal defaults are values, not SQL: the row gets them back exactly.
    await plugin.execute("INSERT INTO shop.books (id, author_id) VALUES (1, NULL)");
    expect(await plugin.queryOne('SELECT title, meta, mood::text, rating FROM shop.books')).toEqual({ title: "it's a \\ title", meta: { a: [1, "two's"] }, mood: 'happy', rating: 2.5 });
  });

  test('the table and its indexes appear together or not at all', async () => {
    const error = await rejection(
      plugin.createTable('half', { columns: [{ name: 'n', type: 'int' }], indexes: [{ columns: ['n'], name: 'half_ok' }, { columns: ['n'], method: 'gin' }] }),
    );
    expect(error.code).toBe('POSTGRES_QUERY_FAILED');
    expect(await plugin.queryValue("SELECT to_regclass('half')::text")).toBeNull();
    expect(await plugin.queryValue("SELECT to_regclass('half_ok')::text")).toBeNull();
  });

  test('ifNotExists leaves an existing table as it is; dropTable honours ifExists', async () => {
    await plugin.createTable('authors', { columns: [{ name: 'other', type: 'text' }], indexes: [{ columns: ['other'] }], ifNotExists: true });
    expect((await plugin.describeTable('authors')).columns.map((c) => c.name)).toEqual(['id', 'email']);
    await plugin.createTable('gone', { columns: [{ name: 'a', type: 'int' }] });
    await plugin.dropTable('gone');
    expect((await rejection(plugin.dropTable('gone'))).details.sqlState).toBe('42P01');
    await expect(plugin.dropTable('gone', { ifExists: true })).resolves.toBeNull();
  });

  test('describeTable of a missing table is a 42P01 query failure', async () => {
    for (const table of ['nowhere', 'noschema.nowhere']) {
      const error = await rejection(plugin.describeTable(table));
      expect(error.code).toBe('POSTGRES_QUERY_FAILED');
      expect(error.details).toEqual({ sqlState: '42P01', table });
    }
  });
});

describe('alterTable', () => {
  let n = 0;
  async function fresh(): Promise<string> {
    const table = `alt_${++n}`;
    await plugin.createTable(table, {
      columns: [{ name: 'id', type: 'int', nullable: false }, { name: 'code', type: 'text', default: 'x' }, { name: 'owner', type: 'int' }],
    });
    return table;
  }
  const describe1 = (table: string) => plugin.describeTable(table);
  const col = async (table: string, name: string) => (await describe1(table)).columns.find((c) => c.name === name);

  test('addColumn, dropColumn, renameColumn', async () => {
    const t = await fresh();
    await plugin.alterTable(t, [{ action: 'addColumn', column: { name: 'note', type: 'varchar(20)', nullable: false, default: 'n/a' } }]);
    expect(await col(t, 'note')).toEqual(column('note', 'character varying(20)', 4, { nullable: false, default: "'n/a'::character varying" }));
    await plugin.alterTable(t, [{ action: 'dropColumn', column: 'owner' }]);
    await plugin.alterTable(t, [{ action: 'renameColumn', column: 'code', to: 'Code Name' }]);
    expect((await describe1(t)).columns.map((c) => c.name)).toEqual(['id', 'Code Name', 'note']);
  });

  test('alterColumnType with USING', async () => {
    const t = await fresh();
    await plugin.execute(`INSERT INTO ${t} (id, code) VALUES (1, '42')`);
    await plugin.alterTable(t, [{ action: 'dropDefault', column: 'code' }, { action: 'alterColumnType', column: 'code', type: 'bigint', using: { sql: 'code::bigint' } }]);
    expect(await col(t, 'code')).toEqual(column('code', 'bigint', 2));
    expect(await plugin.queryValue(`SELECT code FROM ${t}`)).toBe('42');
  });

  test('setDefault and dropDefault', async () => {
    const t = await fresh();
    await plugin.alterTable(t, [{ action: 'setDefault', column: 'owner', default: 7 }]);
    expect((await col(t, 'owner'))!.default).toBe('7'); // an int4 constant deparses bare
    await plugin.alterTable(t, [{ action: 'setDefault', column: 'code', default: { sql: "'y' || 'z'" } }]);
    expect((await col(t, 'code'))!.default).toBe("'y'::text || 'z'::text");
    await plugin.alterTable(t, [{ action: 'dropDefault', column: 'code' }]);
    expect((await col(t, 'code'))!.default).toBeNull();
  });

  test('setNotNull and dropNotNull', async () => {
    const t = await fresh();
    await plugin.alterTable(t, [{ action: 'setNotNull', column: 'owner' }]);
    expect((await col(t, 'owner'))!.nullable).toBe(false);
    await plugin.alterTable(t, [{ action: 'dropNotNull', column: 'id' }]);
    expect((await col(t, 'id'))!.nullable).toBe(true);
  });

  test('addConstraint of each type, then dropConstraint', async () => {
    const t = await fresh();
    await plugin.alterTable(t, [
      { action: 'addConstraint', type: 'primaryKey', columns: ['id'] },
      { action: 'addConstraint', type: 'unique', columns: ['code', 'owner'], name: 'code owner' },
      { action: 'addConstraint', type: 'check', check: { sql: 'id > 0' }, name: 'positive' },
      { action: 'addConstraint', type: 'foreignKey', columns: ['owner'], references: { table: 'authors', columns: ['id'], onDelete: 'set null' } },
    ]);
    const d = await describe1(t);
    expect(d.primaryKey).toEqual(['id']);
    expect(d.uniqueConstraints).toEqual([{ name: 'code owner', columns: ['code', 'owner'] }]);
    expect(d.checkConstraints).toEqual([{ name: 'positive', expression: 'id > 0' }]);
    expect(d.foreignKeys).toEqual([
      { name: `${t}_owner_fkey`, columns: ['owner'], referencedTable: 'authors', referencedColumns: ['id'], onDelete: 'SET NULL', onUpdate: 'NO ACTION' },
    ]);
    await plugin.alterTable(t, [{ action: 'dropConstraint', name: 'code owner' }, { action: 'dropConstraint', name: 'positive' }]);
    const after = await describe1(t);
    expect(after.uniqueConstraints).toEqual([]);
    expect(after.checkConstraints).toEqual([]);
  });

  test('renameTable: later alterations in the list use the new name', async () => {
    const t = await fresh();
    await plugin.alterTable(t, [{ action: 'renameTable', to: `${t}_renamed` }, { action: 'addColumn', column: { name: 'extra', type: 'int' } }]);
    expect((await describe1(`${t}_renamed`)).columns.map((c) => c.name)).toEqual(['id', 'code', 'owner', 'extra']);
    expect(await plugin.listTables()).not.toContain(t);
  });

  test('a list whose third alteration fails leaves the table exactly as before', async () => {
    const t = await fresh();
    await plugin.execute(`INSERT INTO ${t} (id) VALUES (1)`);
    const before = await describe1(t);
    const error = await rejection(
      plugin.alterTable(t, [
        { action: 'addColumn', column: { name: 'added', type: 'int' } },
        { action: 'renameColumn', column: 'code', to: 'renamed' },
        { action: 'setNotNull', column: 'owner' }, // owner is NULL in the row
        { action: 'dropColumn', column: 'id' },
      ]),
    );
    expect(error.code).toBe('POSTGRES_QUERY_FAILED');
    expect(error.details).toMatchObject({ alterationIndex: 2, action: 'setNotNull', rolledBack: true, sqlState: '23502' });
    expect(await describe1(t)).toEqual(before);
  });
});

describe('hostile names and types', () => {
  const hostileTable = 'users; DROP TABLE users; --';

  test('names are quoted, never interpreted', async () => {
    const names = ['a"b', "x'); DROP TABLE sentinel; --", 'Ünïcödé 名前 🐘', 'select', ' spaced '];
    await plugin.createTable(hostileTable, {
      columns: names.map((name, i) => ({ name, type: 'text', ...(i === 0 ? { default: "'); DROP TABLE sentinel; --" } : {}) })),
      indexes: [{ columns: ['a"b'], name: 'idx"; DROP TABLE sentinel; --' }],
    });
    await plugin.alterTable(hostileTable, [{ action: 'addConstraint', type: 'unique', columns: ['a"b'], name: 'u"; --' }]);
    await plugin.createTable('a"b', { columns: [{ name: 'ref', type: 'text', references: { table: hostileTable, column: 'a"b' } }] });
    const d = await plugin.describeTable(hostileTable);
    expect(d.name).toBe(hostileTable);
    expect(d.columns.map((c) => c.name)).toEqual(names);
    expect(d.columns[0]!.default).toBe("'''); DROP TABLE sentinel; --'::text");
    expect(d.indexes.map((i) => i.name)).toEqual(['idx"; DROP TABLE sentinel; --', 'u"; --']);
    expect((await plugin.describeTable('a"b')).foreignKeys[0]).toMatchObject({ referencedTable: hostileTable, referencedColumns: ['a"b'] });
  });

  test.each(['int; DROP TABLE sentinel', 'text) ; --', "text'", 'text DEFAULT 1', 'int /* x */', 'int -- x'])('type %j is refused', async (type) => {
    const error = await rejection(plugin.createTable('never', { columns: [{ name: 'ok', type: 'int' }, { name: 'x', type }] }));
    expect(error.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(error.details.issues).toEqual([{ path: 'params.schema.columns[1].type', message: expect.stringContaining('is not a PostgreSQL type') }]);
  });

  test('a { sql } expression cannot stack a second statement', async () => {
    const error = await rejection(plugin.createTable('never', { columns: [{ name: 'a', type: 'int', default: { sql: '1); DROP TABLE sentinel; --' } }] }));
    expect(error.code).toBe('POSTGRES_QUERY_FAILED');
    expect(error.details.sqlState).toBe('42601');
  });

  test('through the worker operations table, errors name the wire path', async () => {
    const ctx = { instanceId: 'test', instance, cancellation: undefined };
    const wire = { table: 'wire.t', schema: { columns: [{ name: 'id', type: 'int' }, { name: 'x', type: 'text) ; --' }] } };
    expect(() => parseOrThrow(operations.createTable.schema, wire, 'params')).toThrow(/params\.schema\.columns\[1\]\.type/);
    expect(() => parseOrThrow(operations.dropTable.schema, { table: 'a.b.c' }, 'params')).toThrow(/params\.table/);
    await plugin.execute('CREATE SCHEMA wire');
    wire.schema.columns[1]!.type = 'text';
    await expect(operations.createTable.run(ctx, parseOrThrow(operations.createTable.schema, wire, 'params'))).resolves.toBeNull();
    expect(await operations.listTables.run(ctx, parseOrThrow(operations.listTables.schema, { schema: 'wire' }, 'params'))).toEqual(['t']);
    const described = (await operations.describeTable.run(ctx, parseOrThrow(operations.describeTable.schema, { table: 'wire.t' }, 'params'))) as TableDescription;
    expect(described.columns.map((c) => [c.name, c.type])).toEqual([['id', 'integer'], ['x', 'text']]);
  });

  test('afterwards the sentinel and its row survive and listTables is exactly as expected', async () => {
    expect(await plugin.queryOne('SELECT * FROM sentinel')).toEqual({ id: 1, note: 'still here' });
    // Every table the tests above made in public, and nothing else; in C (byte) order, where '"' < 'l'.
    const alt = ['alt_1', 'alt_2', 'alt_3', 'alt_4', 'alt_5', 'alt_6_renamed', 'alt_7'];
    expect(await plugin.listTables()).toEqual(['a"b', ...alt, 'authors', 'sentinel', hostileTable]);
    const all = await plugin.listTables({ schema: '*' });
    expect(all).toEqual([...all].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)));
    expect(all.filter((t) => !t.startsWith('public.') && !t.startsWith('bulk.'))).toEqual(['shop.books', 'wire.t']);
    expect(await plugin.listTables({ schema: 'public' })).not.toContain('never');
  });
});

describe('catalog reads on a schema with 200 tables', () => {
  beforeAll(async () => {
    await plugin.execute('CREATE SCHEMA bulk');
    // Each table references bulk.t_000 (t_000 itself included: a self-reference is fine).
    for (let i = 0; i < 200; i++) {
      await plugin.createTable(`bulk.t_${String(i).padStart(3, '0')}`, {
        columns: [
          { name: 'id', type: 'int', primaryKey: true },
          { name: 'label', type: 'text', unique: true },
          { name: 'parent', type: 'int', references: { table: 'bulk.t_000', column: 'id' } },
        ],
        indexes: [{ columns: ['parent'] }],
      });
    }
    await plugin.ping(); // a warm pooled client: no connect inside the measured calls
  });

  test('listTables answers in one round trip', async () => {
    const { result, trips, ms } = await roundTrips(() => plugin.listTables({ schema: 'bulk' }));
    console.log(`listTables over 200 tables: ${ms.toFixed(2)} ms, ${trips} round trip(s)`);
    expect(trips).toBe(1);
    expect(result).toHaveLength(200);
    expect(result[0]).toBe('t_000');
    expect(result[199]).toBe('t_199');
  });

  test('describeTable answers in one round trip', async () => {
    const { result, trips, ms } = await roundTrips(() => plugin.describeTable('bulk.t_123'));
    console.log(`describeTable in a schema of 200 tables: ${ms.toFixed(2)} ms, ${trips} round trip(s)`);
    expect(trips).toBe(1);
    expect(result.columns.map((c) => c.name)).toEqual(['id', 'label', 'parent']);
    expect(result.primaryKey).toEqual(['id']);
    expect(result.uniqueConstraints).toEqual([{ name: 't_123_label_key', columns: ['label'] }]);
    expect(result.foreignKeys).toEqual([
      { name: 't_123_parent_fkey', columns: ['parent'], referencedTable: 't_000', referencedColumns: ['id'], onDelete: 'NO ACTION', onUpdate: 'NO ACTION' },
    ]);
    expect(result.indexes.map((i) => i.name)).toEqual(['t_123_label_key', 't_123_parent_idx', 't_123_pkey']);
  });
});
