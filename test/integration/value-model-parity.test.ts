// A time zone far from UTC, set before anything reads it (the worker inherits it): a Date must not depend on it.
process.env.TZ = 'Pacific/Chatham';

import type { PluginManager } from '../../host';
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { quietManager } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

/**
 * One value model: the same table of JavaScript values is written through
 * the in-process API and through PluginManager, by insert, by a query
 * parameter and by batchInsert, and what the server stored (read as text on
 * another connection) must be the same on both paths, and what the table says.
 * What can't be carried exactly is refused on both paths at the same path,
 * and nothing is stored.
 */

let db: TestDatabase;
let plugins: PluginManager;
let plugin: PostgresPlugin;

beforeAll(async () => {
  ({ db, plugins, plugin } = await openSuite('value_parity', { manager: () => quietManager('warn'), plugin: { max: 2 } }));
  await db.admin.query('CREATE TABLE vals (id int PRIMARY KEY, b bytea, bs bytea[], t timestamptz, ts timestamp, n int8, ns int8[], num numeric, doc jsonb)');
});
afterAll(() => closeSuite({ plugin, plugins, db }));

type Way = 'insert' | 'query' | 'batchInsert';
type Path = 'in process' | 'PluginManager';

async function write(path: Path, way: Way, id: number, column: string, value: unknown): Promise<void> {
  const row = { id, [column]: value };
  const sql = `INSERT INTO vals (id, ${column}) VALUES ($1, $2)`;
  if (path === 'in process') {
    if (way === 'insert') await plugin.insert('vals', row);
    else if (way === 'query') await plugin.query({ sql, params: [id, value] });
    else await plugin.batchInsert('vals', [row]);
    return;
  }
  const params = way === 'insert' ? { table: 'vals', data: row } : way === 'query' ? { sql, params: [id, value] } : { table: 'vals', records: [row] };
  const res = await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'parity', db.config, way, params);
  if (!res.success) throw Object.assign(new Error(res.error.message), res.error);
}

async function storedText(id: number, column: string): Promise<string | null> {
  return (await db.admin.query(`SELECT ${column}::text AS v FROM vals WHERE id = $1`, [id])).rows[0]?.v ?? null;
}

const hello = Buffer.from('hello');
const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const at = new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 123));

/** [what, column, value, the text PostgreSQL stores] */
const accepted: [string, string, unknown, string][] = [
  ['a Buffer', 'b', hello, '\\x68656c6c6f'],
  ['every byte value', 'b', everyByte, `\\x${everyByte.toString('hex')}`],
  ['an empty Buffer', 'b', Buffer.alloc(0), '\\x'],
  ['a Uint8Array viewing part of a larger buffer', 'b', new Uint8Array([0xff, 1, 2, 3, 0xff]).subarray(1, 4), '\\x010203'],
  ['an array of Buffers', 'bs', [hello, Buffer.from([0])], '{"\\\\x68656c6c6f","\\\\x00"}'],
  ['a Date into timestamptz', 't', at, '2024-02-29 23:59:58.123+00'],
  ['a Date into timestamp (the UTC wall time, whatever TZ)', 'ts', at, '2024-02-29 23:59:58.123'],
  ['the largest bigint int8 holds', 'n', 2n ** 63n - 1n, '9223372036854775807'],
  ['the smallest', 'n', -(2n ** 63n), '-9223372036854775808'],
  ['an array of bigints', 'ns', [1n, 2n ** 62n], '{1,4611686018427387904}'],
  ['a bigint past a double into numeric', 'num', 123456789012345678901234567890n, '123456789012345678901234567890'],
  ['a document with a Date and a Buffer', 'doc', { at, bytes: hello }, '{"at": "2024-02-29T23:59:58.123Z", "bytes": {"$bytea": "aGVsbG8="}}'],
];

/** [what, column, value, the path below the operation's params for insert] */
const refused: [string, string, unknown, string][] = [
  ['an Int32Array', 'ns', new Int32Array([1, 2]), 'Int32Array'],
  ['a Float64Array', 'doc', new Float64Array([1.5]), 'Float64Array'],
  ['an ArrayBuffer', 'b', new ArrayBuffer(4), 'ArrayBuffer'],
  ['a Map', 'doc', new Map([['a', 1]]), 'Map'],
  ['a Set', 'doc', new Set([1]), 'Set'],
  ['an invalid Date', 't', new Date(Number.NaN), 'invalid Date'],
  ['a bigint inside a document', 'doc', { n: 1n }, 'bigint'],
];

let nextId = 1;

describe.each<Way>(['insert', 'query', 'batchInsert'])('%s', (way) => {
  test.each(accepted)('%s: stored the same through both paths, as expected', async (_what, column, value, text) => {
    const stored: Record<Path, string | null> = { 'in process': null, PluginManager: null };
    for (const path of ['in process', 'PluginManager'] as const) {
      const id = nextId++;
      await write(path, way, id, column, value);
      stored[path] = await storedText(id, column);
    }
    expect(stored).toEqual({ 'in process': text, PluginManager: text });
  });

  test.each(refused)('%s: refused on both paths with the same code and path, nothing stored', async (_what, column, value, words) => {
    const errors: Record<Path, unknown> = { 'in process': undefined, PluginManager: undefined };
    for (const path of ['in process', 'PluginManager'] as const) {
      const id = nextId++;
      errors[path] = await write(path, way, id, column, value).then(
        () => 'stored',
        (e: { code?: string; details?: { issues?: { path: string; message: string }[] } }) => ({ code: e.code, issue: e.details?.issues?.[0] }),
      );
      expect(await storedText(id, column)).toBeNull();
    }
    const path = way === 'insert' ? `params.data.${column}` : way === 'query' ? 'params.params[1]' : `params.records[0].${column}`;
    const expected = { code: 'POSTGRES_INVALID_PARAMS', issue: { path: expect.stringMatching(`^${path.replace(/[.[\]]/g, '\\$&')}`), message: expect.stringContaining(words) } };
    expect(errors).toEqual({ 'in process': expected, PluginManager: expected });
  });
});

test('what comes back is the same on both paths: find and query read the written bytes, instants and integers alike', async () => {
  await db.admin.query('TRUNCATE vals');
  await plugin.insert('vals', { id: 1, b: hello, t: at, n: 2n ** 63n - 1n });
  const viaHost = await plugins.executePlugin('postgres-plugin', 'parity', db.config, 'find', { table: 'vals', where: { b: hello, t: at, n: 2n ** 63n - 1n }, select: ['id', 'b', 't', 'n'] });
  const inProcess = await plugin.find('vals', { where: { b: hello, t: at, n: 2n ** 63n - 1n }, select: ['id', 'b', 't', 'n'] });
  expect(viaHost).toEqual({ success: true, data: inProcess });
  expect(inProcess).toHaveLength(1);
  expect(inProcess[0]!.n).toBe('9223372036854775807');
});
