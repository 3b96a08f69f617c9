import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { rejection } from '../support/rejection';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

/**
 * What differs between the PostgreSQL majors the plugin supports (12…18), each
 * checked on the major this run has (`PG_VERSION`, see `npm run test:matrix`):
 * the newer feature answers where it exists and is a clean POSTGRES_QUERY_FAILED
 * with the server's SQLSTATE where it does not, and the instance keeps working.
 */
let db: TestDatabase;
let plugin: PostgresPlugin;
let major: number;

beforeAll(async () => {
  ({ db, plugin } = await openSuite('server_versions', { plugin: {} }));
  major = Math.floor(Number(await plugin.queryValue<string>('SHOW server_version_num')) / 10_000);
});

afterAll(() => closeSuite({ plugin, db }));

test('the run has a supported major, the one PG_VERSION asked for when set', () => {
  expect(major).toBeGreaterThanOrEqual(12);
  if (process.env.PG_VERSION) expect(major).toBe(Number(process.env.PG_VERSION));
});

test('the session defaults sent at connect hold on every major', async () => {
  expect(await plugin.queryValue('SHOW statement_timeout')).toBe('30s');
  expect(await plugin.queryValue('SHOW lock_timeout')).not.toBe('0');
  expect(await plugin.queryValue('SHOW idle_in_transaction_session_timeout')).not.toBe('0');
});

test('MERGE runs on 15+ and is a syntax error (42601) before, on a lane or alone', async () => {
  await plugin.execute('CREATE TABLE merge_target (id int PRIMARY KEY, n int NOT NULL)');
  await plugin.execute('INSERT INTO merge_target VALUES (1, 1)');
  const merge = `MERGE INTO merge_target t USING (VALUES (1), (2)) s(id) ON t.id = s.id
                 WHEN MATCHED THEN UPDATE SET n = t.n + 1 WHEN NOT MATCHED THEN INSERT VALUES (s.id, 1)`;
  // Alongside other statements, so it may share a pipelined lane with them.
  const [merged, ...others] = await Promise.allSettled([plugin.execute(merge), ...Array.from({ length: 8 }, (_, i) => plugin.queryValue('SELECT $1::int', [i]))]);
  expect(others.map((o) => (o.status === 'fulfilled' ? o.value : o.reason))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  if (major >= 15) {
    expect(merged).toMatchObject({ status: 'fulfilled', value: { rowCount: 2, command: 'MERGE' } });
    expect((await plugin.query('SELECT id, n FROM merge_target ORDER BY id')).rows).toEqual([{ id: 1, n: 2 }, { id: 2, n: 1 }]);
  } else {
    expect(merged.status).toBe('rejected');
    const error = await rejection(plugin.execute(merge));
    expect(error.code).toBe('POSTGRES_QUERY_FAILED');
    expect(error.details).toMatchObject({ sqlState: '42601' });
    expect(await plugin.queryValue('SELECT n FROM merge_target WHERE id = 1')).toBe(1);
  }
});

test('pg_current_xact_id() (13+) and txid_current() (every major) inside one transaction', async () => {
  const transactionId = await plugin.beginTransaction();
  try {
    const legacy = await plugin.query({ sql: 'SELECT txid_current()::text AS id', transactionId });
    expect(legacy.rows[0]!.id).toMatch(/^\d+$/);
    if (major >= 13) {
      const current = await plugin.query({ sql: 'SELECT pg_current_xact_id()::text AS id', transactionId });
      expect(current.rows[0]!.id).toBe(legacy.rows[0]!.id);
    } else {
      const error = await rejection(plugin.query({ sql: 'SELECT pg_current_xact_id()', transactionId }));
      expect(error.details).toMatchObject({ sqlState: '42883' });
    }
  } finally {
    await plugin.rollback(transactionId).catch(() => undefined);
  }
});

test('client_connection_check_interval: the plugin sets it (options.connectionCheckInterval) from 14 on; before, it does not exist (42704) and the pool works', async () => {
  if (major >= 14) {
    expect(await plugin.queryValue('SHOW client_connection_check_interval')).toBe('1s');
  } else {
    const error = await rejection(plugin.queryValue('SHOW client_connection_check_interval'));
    expect(error.details).toMatchObject({ sqlState: '42704' });
  }
  expect(await plugin.queryValue('SELECT 1')).toBe(1);
});

test('describeTable reads the same description on every major (generated, identity, NOT NULL, partitioned)', async () => {
  await plugin.execute(`CREATE TABLE described (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    price numeric(10,2) NOT NULL CHECK (price >= 0),
    taxed numeric GENERATED ALWAYS AS (price * 1.2) STORED,
    code text UNIQUE)`);
  await plugin.execute('CREATE TABLE described_parts (at date NOT NULL, v int) PARTITION BY RANGE (at)');
  // PostgreSQL 18 keeps NOT NULL as constraints in pg_constraint; they are not check constraints.
  expect(await plugin.describeTable('described')).toEqual({
    schema: 'public',
    name: 'described',
    columns: [
      { name: 'id', type: 'integer', nullable: false, default: null, primaryKey: true, ordinal: 1 },
      { name: 'price', type: 'numeric(10,2)', nullable: false, default: null, primaryKey: false, ordinal: 2 },
      { name: 'taxed', type: 'numeric', nullable: true, default: null, primaryKey: false, ordinal: 3 },
      { name: 'code', type: 'text', nullable: true, default: null, primaryKey: false, ordinal: 4 },
    ],
    primaryKey: ['id'],
    indexes: [
      { name: 'described_code_key', columns: ['code'], unique: true, method: 'btree' },
      { name: 'described_pkey', columns: ['id'], unique: true, method: 'btree' },
    ],
    foreignKeys: [],
    uniqueConstraints: [{ name: 'described_code_key', columns: ['code'] }],
    checkConstraints: [{ name: 'described_price_check', expression: 'price >= 0::numeric' }],
  });
  expect(await plugin.listTables()).toEqual(expect.arrayContaining(['described', 'described_parts']));
  expect((await plugin.describeTable('described_parts')).columns.map((c) => [c.name, c.nullable])).toEqual([
    ['at', false],
    ['v', true],
  ]);
});
