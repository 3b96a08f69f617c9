import type { PluginManager } from '../../host';
import { closeEncodingPool } from '../../worker/batch/encoding-pool';
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { quietManager } from '../support/managers';
import { pluginCalls } from '../support/plugin-calls';
import { rejection } from '../support/rejection';
import { escapeIdent } from '../support/sql-identifiers';
import { closeSuite, openSuite } from '../support/suite-setup';
import { tableDigests } from '../support/table-digests';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugins: PluginManager;
let plugin: PostgresPlugin;
const instanceId = 'batch:exact';

const snapshot = (except: string[] = []) => tableDigests(db.admin, except);

beforeAll(async () => {
  ({ db, plugins, plugin } = await openSuite('batch_exact', { manager: quietManager, plugin: { max: 2 } }));
  await db.admin.query('CREATE TABLE sentinel (id int PRIMARY KEY, v text)');
  await db.admin.query("INSERT INTO sentinel VALUES (1, 'untouched')");
  await db.admin.query(
    'CREATE TABLE items (id int PRIMARY KEY, label text, amount numeric(30,10), flag boolean, at timestamptz, doc jsonb, score int DEFAULT 7)',
  );
});
afterAll(async () => {
  await plugin.disconnect();
  await closeEncodingPool();
  await closeSuite({ plugins, db });
});
beforeEach(async () => {
  await db.admin.query('TRUNCATE items');
});

const { run, data, refused } = pluginCalls(instanceId, () => ({ plugins, config: db.config }));

/** Text that breaks naive COPY, array-literal or SQL quoting. */
const HOSTILE_TEXT = [`it's`, `"double"`, `back\\slash\\`, `\\N`, 'NULL', `tab\there`, 'new\nline\r\n', `{1,2}`, `a,b`, `'); DROP TABLE sentinel; --`, '', ' padded ', 'ünï©ødé 表 🐘', `\\.`, 'x'.repeat(10_000)];

function hostileRecords(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    label: HOSTILE_TEXT[i % HOSTILE_TEXT.length],
    amount: i % 3 === 0 ? '12345678901234567890.0123456789' : i / 8,
    flag: i % 2 === 0,
    at: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    doc: i % 5 === 0 ? null : { text: HOSTILE_TEXT[(i + 1) % HOSTILE_TEXT.length], list: [1, 'two', { three: [null, true] }], i },
  }));
}

/** What the table holds, in the shape the records were given. */
async function stored(): Promise<Record<string, unknown>[]> {
  const rows = await db.admin.query(
    "SELECT id, label, amount::text AS amount, flag, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at, doc FROM items ORDER BY id",
  );
  return rows.rows;
}

/** The records as the table gives them back: numeric(30,10) always has ten decimals. */
function expected(records: Record<string, unknown>[]): Record<string, unknown>[] {
  return records.map((r) => {
    const [whole, fraction = ''] = String(r.amount).split('.');
    return { ...r, amount: `${whole}.${fraction.padEnd(10, '0')}` };
  });
}

test('docs/crud-and-batch.md "Batch Operations", as written: ignore, then update; re-runs skip or update everything', async () => {
  await db.admin.query('CREATE SCHEMA shop');
  await db.admin.query('CREATE TABLE shop.products (sku text PRIMARY KEY, name text NOT NULL, price numeric(10,2), stock int NOT NULL DEFAULT 0)');
  const config = db.config;
  // --- docs/crud-and-batch.md "Batch Operations" ---
  const products = [
    { sku: 'A-1', name: 'Anvil', price: '19.90', stock: 3 },
    { sku: 'B-2', name: 'Bell', price: '4.50' }, // no stock: the column's DEFAULT
  ];
  const first = await plugins.executePlugin('postgres-plugin', 'shop:main', config, 'batchInsert', {
    table: 'shop.products',
    records: products,
    conflictStrategy: 'ignore',
  });
  const again = await plugins.executePlugin('postgres-plugin', 'shop:main', config, 'batchInsert', {
    table: 'shop.products',
    records: products.map((p) => ({ ...p, price: '9.99' })),
    conflictStrategy: 'update',
    conflictTarget: ['sku'],
    updateColumns: ['price'],
  });
  // --- end of example ---
  expect(first).toEqual({ success: true, data: { inserted: 2, updated: 0, skipped: 0 } });
  expect(again).toEqual({ success: true, data: { inserted: 0, updated: 2, skipped: 0 } });
  expect(await data('batchInsert', { table: 'shop.products', records: products, conflictStrategy: 'ignore' })).toEqual({ inserted: 0, updated: 0, skipped: 2 });
  expect(await data('batchInsert', { table: 'shop.products', records: products, conflictStrategy: 'update' })).toEqual({ inserted: 0, updated: 2, skipped: 0 });
  expect((await db.admin.query('SELECT sku, name, price::text, stock FROM shop.products ORDER BY sku')).rows).toEqual([
    { sku: 'A-1', name: 'Anvil', price: '19.90', stock: 3 },
    { sku: 'B-2', name: 'Bell', price: '4.50', stock: 0 },
  ]);
});

describe('values are stored exactly', () => {
  // 40 records are encoded on the event loop; 6,000 on a piscina thread (threshold 5,000).
  test.each([
    ['error', 40],
    ['ignore', 40],
    ['update', 40],
    ['error', 6_000],
    ['update', 6_000],
  ] as const)('conflictStrategy %s, %i records', async (conflictStrategy, n) => {
    const before = await snapshot(['public.items']);
    const records = hostileRecords(n);
    expect(await plugin.batchInsert('items', records, { conflictStrategy })).toEqual({ inserted: n, updated: 0, skipped: 0 });
    expect(await stored()).toEqual(expected(records));
    expect(await snapshot(['public.items'])).toEqual(before);
  });

  test('through the PluginManager as well', async () => {
    const records = hostileRecords(300);
    expect(await data('batchInsert', { table: 'items', records })).toEqual({ inserted: 300, updated: 0, skipped: 0 });
    expect(await stored()).toEqual(expected(records));
  });
});

describe('hostile table and column names', () => {
  test.each(['users; DROP TABLE sentinel; --', '"quoted"', 'a.b.c', 'ünï©ødé 表', `it's`])('column and table named %p', async (name) => {
    const before = await snapshot();
    await db.admin.query(`CREATE SCHEMA IF NOT EXISTS app`);
    // `table` is split on its one dot, so a dotted name can only be a column (a dotted table is refused below).
    const tableName = name.includes('.') ? 'dotted' : name;
    const table = `app.${escapeIdent(tableName)}`;
    await db.admin.query(`CREATE TABLE ${table} (${escapeIdent(name)} int PRIMARY KEY, v text)`);
    try {
      const records = [1, 2, 3].map((k) => ({ [name]: k, v: `v'${k}\\` }));
      for (const conflictStrategy of ['error', 'ignore', 'update'] as const) {
        if (conflictStrategy !== 'error') records.push({ [name]: records.length + 1, v: 'new' });
        const res = await data('batchInsert', { table: `app.${tableName}`, records, conflictStrategy, ...(conflictStrategy === 'update' ? { conflictTarget: [name] } : {}) });
        expect(res.inserted + res.updated + res.skipped).toBe(records.length);
      }
      expect((await db.admin.query(`SELECT v FROM ${table} ORDER BY ${escapeIdent(name)}`)).rows.map((r) => r.v)).toEqual([`v'1\\`, `v'2\\`, `v'3\\`, 'new', 'new']);
    } finally {
      await db.admin.query(`DROP TABLE ${table}`);
    }
    expect(await snapshot()).toEqual(before);
  });

  test('names that cannot be identifiers are refused with POSTGRES_INVALID_PARAMS', async () => {
    const before = await snapshot();
    for (const params of [
      { table: '', records: [{ id: 1 }] },
      { table: 'a.b.c', records: [{ id: 1 }] },
      { table: 'items', records: [{ '': 1 }] },
      { table: 'items', records: [{ id: 1 }], conflictStrategy: 'update', conflictTarget: [''] },
    ]) {
      expect((await refused('batchInsert', params)).code).toBe('POSTGRES_INVALID_PARAMS');
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('semantics', () => {
  test('ignore and update count exactly on a mix of new and existing keys', async () => {
    await data('batchInsert', { table: 'items', records: [1, 2, 3].map((id) => ({ id, label: 'old' })) });
    const mixed = [2, 3, 4, 5].map((id) => ({ id, label: 'new' }));
    expect(await data('batchInsert', { table: 'items', records: mixed, conflictStrategy: 'ignore' })).toEqual({ inserted: 2, updated: 0, skipped: 2 });
    const more = [4, 5, 6].map((id) => ({ id, label: 'newer' }));
    expect(await data('batchInsert', { table: 'items', records: more, conflictStrategy: 'update' })).toEqual({ inserted: 1, updated: 2, skipped: 0 });
    expect((await db.admin.query('SELECT id, label FROM items ORDER BY id')).rows.map((r) => `${r.id}:${r.label}`)).toEqual(['1:old', '2:old', '3:old', '4:newer', '5:newer', '6:newer']);
  });

  test('a failing batch inside the caller\'s transaction is undone with it; a good one commits with it', async () => {
    const { transactionId } = await data('beginTransaction', {});
    expect(await data('batchInsert', { table: 'items', records: [{ id: 1 }, { id: 2 }], transactionId })).toEqual({ inserted: 2, updated: 0, skipped: 0 });
    expect((await db.admin.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(0);
    await data('commit', { transactionId });
    expect((await db.admin.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(2);
  });

  test('non-JSON values in process are refused with the path of the value, and nothing is written', async () => {
    for (const bad of [new Date(Number.NaN), Number.NaN, new Int32Array([1]), new Map(), undefined]) {
      const e = await rejection(plugin.batchInsert('items', [{ id: 1, label: 'ok' }, { id: 2, label: bad }]));
      expect(e).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.records[1].label' }] } });
    }
    expect((await db.admin.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(0);
  });

  test('upsert: a column a record leaves out keeps its stored value', async () => {
    await data('batchInsert', { table: 'items', records: [{ id: 1, label: 'a', score: 1 }] });
    const res = await data('batchInsert', { table: 'items', records: [{ id: 1, score: 2 }], conflictStrategy: 'update', updateColumns: ['label', 'score'] });
    expect(res).toEqual({ inserted: 0, updated: 1, skipped: 0 });
    expect((await db.admin.query('SELECT label, score FROM items')).rows).toEqual([{ label: 'a', score: 2 }]);
  });

  test('a host cancel stops the batch on the server and leaves nothing behind', async () => {
    const records = hostileRecords(8_000).map((r) => ({ ...r, label: 'x' }));
    const controller = new AbortController();
    const pending = plugin.batchInsert('items', records.slice(0, 10), {}); // warm the pool first
    await pending;
    await db.admin.query('TRUNCATE items');
    // In process an AbortSignal is not part of batchInsert's options; over the wire it is $/cancelRequest.
    const res = plugins.executePlugin('postgres-plugin', instanceId, db.config, 'batchInsert', { table: 'items', records }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    const answer = await res;
    if (!answer.success) expect(['POSTGRES_QUERY_CANCELLED', 'POSTGRES_TRANSACTION_FAILED']).toContain(answer.error.code);
    // Either it finished before the cancel arrived, or none of it is there.
    const n = (await db.admin.query('SELECT count(*)::int AS n FROM items')).rows[0].n;
    expect(n).toBe(answer.success ? 8_000 : 0);
    expect(await data('ping', {})).toBe(true);
  });

  test('timeout bounds the whole batch: past it the batch fails and leaves nothing behind', async () => {
    const records = hostileRecords(60_000).map((r) => ({ ...r, label: 'x' }));
    const res = await run('batchInsert', { table: 'items', records, timeout: 20 });
    expect(res.success).toBe(false);
    expect((await db.admin.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(0);
    expect(await data('ping', {})).toBe(true);
  });
});
