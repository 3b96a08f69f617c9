import type { PluginManager } from '../../host';
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { quietManager } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

/**
 * Values come back lossless and go back in as themselves: floats that JSON
 * can't carry, json numbers a double can't hold, bytes. Every case runs in
 * process and through PluginManager, and what the server stored is read back
 * as text from another connection.
 */

let db: TestDatabase;
let plugins: PluginManager;
let plugin: PostgresPlugin;

beforeAll(async () => {
  ({ db, plugins, plugin } = await openSuite('lossless_values', { manager: () => quietManager('warn'), plugin: { max: 3 } }));
  await db.admin.query(`CREATE TABLE vals (
    id int PRIMARY KEY, f8 float8, f4 float4, f8s float8[], doc jsonb, js json, docs jsonb[], b bytea, bs bytea[])`);
});
afterAll(() => closeSuite({ plugin, plugins, db }));
beforeEach(async () => {
  await db.admin.query('TRUNCATE vals');
});

type Call = <T = any>(operation: string, params: Record<string, any>) => Promise<T>;

const inProcess: Call = async <T>(operation: string, p: Record<string, any>): Promise<T> => {
  switch (operation) {
    case 'query':
      return (await plugin.query(p as { sql: string })) as T;
    case 'insert':
      return (await plugin.insert(p.table, p.data, p.returning)) as T;
    case 'find':
      return (await plugin.find(p.table, p.where)) as T;
    case 'batchInsert': {
      const { table, records, ...options } = p;
      return (await plugin.batchInsert(table, records, options)) as T;
    }
    default:
      throw new Error(`no in-process call for ${operation}`);
  }
};

const throughManager: Call = async <T>(operation: string, p: Record<string, any>): Promise<T> => {
  const res = await plugins.executePlugin<string, T>(UNTYPED_POSTGRES_PLUGIN, 'values', db.config, operation, p);
  if (!res.success) throw new Error(`${operation}: ${res.error.code} ${res.error.message}`);
  return res.data;
};

const stored = async (column: string): Promise<unknown[]> =>
  (await db.admin.query(`SELECT ${column}::text AS v FROM vals ORDER BY id`)).rows.map((r: { v: unknown }) => r.v);

describe.each([
  ['in process', inProcess],
  ['through PluginManager', throughManager],
])('%s', (_name, call: Call) => {
  const row = async (sql: string, params: unknown[] = []) => ((await call('query', { sql, params })) as { rows: any[] }).rows[0];

  test('float Infinity, -Infinity, NaN and -0 come back as the strings "Infinity", "-Infinity", "NaN", "-0", in arrays too', async () => {
    const r = await row(`SELECT 'Infinity'::float8 AS a, '-Infinity'::float8 AS b, 'NaN'::float8 AS c, '-0'::float8 AS d,
      'Infinity'::float4 AS e, '-0'::float4 AS f, 1.5::float8 AS g, '1.1'::float4 AS h,
      ARRAY['Infinity', '-Infinity', 'NaN', '-0', '2.5']::float8[] AS i, ARRAY['NaN', '0.5']::float4[] AS j`);
    expect(r).toEqual({ a: 'Infinity', b: '-Infinity', c: 'NaN', d: '-0', e: 'Infinity', f: '-0', g: 1.5, h: 1.1, i: ['Infinity', '-Infinity', 'NaN', '-0', 2.5], j: ['NaN', 0.5] });
  });

  test('floats round-trip: a result sent back as a parameter, CRUD value or batch record is stored as itself', async () => {
    const r = await row(`SELECT 'Infinity'::float8 AS a, '-Infinity'::float8 AS b, 'NaN'::float8 AS c, '-0'::float8 AS d, ARRAY['-0', 'NaN', '1.25']::float8[] AS e`);
    const values = [r.a, r.b, r.c, r.d];
    for (let i = 0; i < values.length; i++) {
      await call('query', { sql: 'INSERT INTO vals (id, f8, f4, f8s) VALUES ($1, $2, $3, $4)', params: [i, values[i], values[i], r.e] });
    }
    await call('insert', { table: 'vals', data: { id: 10, f8: r.d, f4: r.a, f8s: r.e } });
    await call('batchInsert', { table: 'vals', records: [{ id: 20, f8: r.c, f4: r.d, f8s: r.e }, { id: 21, f8: -0, f4: r.b }] });
    expect(await stored('f8')).toEqual(['Infinity', '-Infinity', 'NaN', '-0', '-0', 'NaN', '-0']);
    expect(await stored('f4')).toEqual(['Infinity', '-Infinity', 'NaN', '-0', 'Infinity', '-0', '-Infinity']);
    expect(new Set(await stored('f8s'))).toEqual(new Set(['{-0,NaN,1.25}', null]));
  });

  test('json and jsonb numbers a double cannot hold come back exactly, as { "$json": text }; ordinary documents stay plain', async () => {
    const texts = await row(`SELECT '{"n":12345678901234567890}'::jsonb::text AS big, '1e400'::jsonb::text AS huge,
      '[0.1000000000000000055511151231257827]'::json::text AS precise`);
    const r = await row(`SELECT '{"n":12345678901234567890}'::jsonb AS big, '1e400'::jsonb AS huge, '[0.1000000000000000055511151231257827]'::json AS precise,
      '{"a":[1,2.5,"x",null,true],"b":{"c":-3e-7}}'::jsonb AS plain, '123456789012345'::json AS safe, '{"$json":"x"}'::jsonb AS lookalike,
      ARRAY['{"n":12345678901234567890}'::jsonb, '{"m":1}'::jsonb] AS arr`);
    expect(r.big).toEqual({ $json: texts.big });
    expect(texts.big).toBe('{"n": 12345678901234567890}');
    expect(r.huge).toEqual({ $json: texts.huge });
    expect(texts.huge).toBe(`1${'0'.repeat(400)}`);
    expect(r.precise).toEqual({ $json: texts.precise });
    expect(r.plain).toEqual({ a: [1, 2.5, 'x', null, true], b: { c: -3e-7 } });
    expect(r.safe).toBe(123456789012345);
    // A document that looks like the tagged form is tagged itself, so sending it back stores it unchanged.
    expect(r.lookalike).toEqual({ $json: '{"$json": "x"}' });
    expect(r.arr).toEqual([{ $json: '{"n": 12345678901234567890}' }, { m: 1 }]);
  });

  test('json values round-trip: the tagged form sent back as a parameter, CRUD value or batch record is stored exactly', async () => {
    const r = await row(`SELECT '{"n":12345678901234567890}'::jsonb AS big, '1e400'::jsonb AS huge, '{"$json":"x"}'::jsonb AS lookalike, '{"k":[1,"two"]}'::jsonb AS plain`);
    await call('query', { sql: 'INSERT INTO vals (id, doc, js, docs) VALUES ($1, $2, $3, $4)', params: [1, r.big, r.huge, [r.big, r.plain]] });
    await call('insert', { table: 'vals', data: { id: 2, doc: r.huge, js: r.lookalike } });
    await call('batchInsert', { table: 'vals', records: [{ id: 3, doc: r.lookalike, js: r.big, docs: [r.huge] }, { id: 4, doc: r.plain }] });
    expect(await stored('doc')).toEqual(['{"n": 12345678901234567890}', `1${'0'.repeat(400)}`, '{"$json": "x"}', '{"k": [1, "two"]}']);
    expect(await stored('js')).toEqual([`1${'0'.repeat(400)}`, '{"$json": "x"}', '{"n": 12345678901234567890}', null]);
    expect(await stored('docs')).toEqual(['{"{\\"n\\": 12345678901234567890}","{\\"k\\": [1, \\"two\\"]}"}', null, `{1${'0'.repeat(400)}}`, null]);
    const back = await row('SELECT doc, js FROM vals WHERE id = $1', [3]);
    expect(back).toEqual({ doc: r.lookalike, js: r.big });
  });

  test('bytea round-trips: base64 results sent back as { "$bytea": base64 }, and Buffers, are stored as the same bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 0x5c, 0x27, 0x22, 0x2c, 0x7b, 0xff, 0x09, 0x0a]);
    const other = Buffer.from('bytes, not text');
    const r = await row(`SELECT '\\x${bytes.toString('hex')}'::bytea AS b`);
    expect(r.b).toBe(bytes.toString('base64'));
    const tag = { $bytea: r.b as string };
    await call('query', { sql: 'INSERT INTO vals (id, b, bs) VALUES ($1, $2, $3)', params: [1, tag, [tag, other]] });
    await call('query', { sql: 'INSERT INTO vals (id, b) VALUES ($1, $2)', params: [2, bytes] });
    await call('insert', { table: 'vals', data: { id: 3, b: tag, bs: [bytes] } });
    await call('insert', { table: 'vals', data: { id: 4, b: bytes } });
    await call('batchInsert', { table: 'vals', records: [{ id: 5, b: tag, bs: [other, tag] }, { id: 6, b: bytes }] });
    const hex = `\\x${bytes.toString('hex')}`;
    const otherHex = `\\x${other.toString('hex')}`;
    expect(await stored('b')).toEqual([hex, hex, hex, hex, hex, hex]);
    expect(await stored('bs')).toEqual([`{"${hex}","${otherHex}"}`.replace(/\\/g, '\\\\'), null, `{"${hex}"}`.replace(/\\/g, '\\\\'), null, `{"${otherHex}","${hex}"}`.replace(/\\/g, '\\\\'), null]);
    // The tagged form and Buffers work as where values too, and results are base64 again.
    expect(await call('find', { table: 'vals', where: { id: { lt: 3 }, b: tag } })).toHaveLength(2);
    expect(((await call('find', { table: 'vals', where: { b: bytes, id: 6 } })) as any[])[0].b).toBe(r.b);
    // A Buffer inside a JSON document becomes the tagged form there, never {"type":"Buffer","data":[…]}.
    await call('insert', { table: 'vals', data: { id: 7, doc: { file: bytes } } });
    expect((await stored('doc'))[6]).toBe(`{"file": {"$bytea": "${r.b}"}}`);
  });
});

test('a batch large enough to be split by the host and decoded on a thread keeps bytes, json numbers and floats exactly', async () => {
  const bytes = Buffer.from([0, 0x5c, 0xff, 0x0a]);
  const records = Array.from({ length: 6_000 }, (_, i) => ({
    id: i,
    b: i % 2 === 0 ? bytes : { $bytea: bytes.toString('base64') },
    bs: [bytes],
    doc: { $json: '{"n": 12345678901234567890}' },
    f8: i % 3 === 0 ? 'NaN' : -0,
  }));
  await throughManager('batchInsert', { table: 'vals', records });
  const summary = await db.admin.query(`SELECT count(DISTINCT b)::int AS b, count(DISTINCT bs)::int AS bs, count(DISTINCT doc)::int AS doc,
    min(b::text) AS hex, min(bs::text) AS hexes, min(doc::text) AS text, count(*) FILTER (WHERE f8::text = '-0')::int AS negzero,
    count(*) FILTER (WHERE f8 = 'NaN')::int AS nan FROM vals`);
  expect(summary.rows[0]).toEqual({ b: 1, bs: 1, doc: 1, hex: '\\x005cff0a', hexes: '{"\\\\x005cff0a"}', text: '{"n": 12345678901234567890}', negzero: 4_000, nan: 2_000 });
});
