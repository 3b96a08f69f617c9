import type { PluginManager, PluginResult } from '../../host';
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { RawWorker } from '../support/raw-worker';
import { rejection } from '../support/rejection';
import { quietManager } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

/**
 * Values that can't cross JSON, or that PostgreSQL would silently store as
 * something else, are refused with POSTGRES_INVALID_PARAMS naming their path:
 * by the host before sending, by the worker in process and on the wire, with
 * the same rules. Nothing is written and the worker lives on.
 */

let db: TestDatabase;
let plugins: PluginManager;
let plugin: PostgresPlugin;

beforeAll(async () => {
  ({ db, plugins, plugin } = await openSuite('unrepresentable', { manager: () => quietManager('warn'), plugin: { max: 2 } }));
  await db.admin.query('CREATE TABLE t (id int PRIMARY KEY, f float8, label text, doc jsonb, js json)');
});
afterAll(() => closeSuite({ plugin, plugins, db }));
beforeEach(async () => {
  await db.admin.query('TRUNCATE t');
});

const rows = async () => (await db.admin.query('SELECT count(*)::int AS n FROM t')).rows[0].n as number;

async function refusedByManager(operation: string, params: Record<string, unknown>) {
  const res = (await plugins.executePlugin(UNTYPED_POSTGRES_PLUGIN, 'hostile', db.config, operation, params)) as PluginResult;
  if (res.success) throw new Error(`${operation} unexpectedly succeeded`);
  return res.error as typeof res.error & { details: { issues: { path: string; message: string }[] } };
}

const circular = (): Record<string, unknown> => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = { back: o };
  return o;
};

test('a NaN or ±Infinity parameter through PluginManager is refused with its path, not stored as NULL; in process too', async () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const e = await refusedByManager('execute', { sql: 'INSERT INTO t (id, f) VALUES ($1, $2)', params: [1, bad] });
    expect(e).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.params[1]', message: expect.stringContaining('finite') }] } });
    const local = await rejection(plugin.execute({ sql: 'INSERT INTO t (id, f) VALUES ($1, $2)', params: [1, bad] }));
    expect(local).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.params[1]' }] } });
  }
  const crud = await refusedByManager('insert', { table: 't', data: { id: 1, f: Number.NaN } });
  expect(crud.details.issues[0]!.path).toBe('params.data.f');
  const batch = await refusedByManager('batchInsert', { table: 't', records: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4, f: Number.POSITIVE_INFINITY }] });
  expect(batch.details.issues[0]!.path).toBe('params.records[3].f');
  const inDocument = await refusedByManager('query', { sql: 'SELECT $1::jsonb', params: [{ a: [1, Number.NaN] }] });
  expect(inDocument.details.issues[0]!.path).toBe('params.params[0].a[1]');
  expect(await rows()).toBe(0);
});

test('a BigInt inside a document, a typed array, a Map or Set, a circular, function or symbol parameter is POSTGRES_INVALID_PARAMS naming its path, and the worker did not die', async () => {
  expect((await plugins.executePlugin('postgres-plugin', 'hostile', db.config, 'ping', {})).success).toBe(true);
  const pid = plugins.workerPid('postgres-plugin', 'hostile');
  const cases: [string, Record<string, unknown>, string][] = [
    ['query', { sql: 'SELECT $1::int8', params: [1, new Int32Array([10])] }, 'params.params[1]'],
    ['query', { sql: 'SELECT $1::jsonb', params: [circular()] }, 'params.params[0].self.back'],
    ['query', { sql: 'SELECT $1::text', params: [() => 1] }, 'params.params[0]'],
    ['query', { sql: 'SELECT $1::jsonb', params: [{ s: Symbol('x') }] }, 'params.params[0].s'],
    ['insert', { table: 't', data: { id: 1, doc: { n: 10n } } }, 'params.data.doc.n'],
    ['update', { table: 't', data: { label: 'x' }, where: { id: { in: [1, new Map([[2, 2]])] } } }, 'params.where.id.in[1]'],
    ['batchInsert', { table: 't', records: [{ id: 1 }, { id: 2, doc: circular() }] }, 'params.records[1].doc.self.back'],
    ['transaction', { operations: [{ sql: 'SELECT 1' }, { sql: 'SELECT $1::int8', params: [new Set([5])] }] }, 'params.operations[1].params[0]'],
  ];
  for (const [operation, params, path] of cases) {
    const e = await refusedByManager(operation, params);
    expect({ operation, code: e.code, path: e.details.issues?.[0]?.path }).toEqual({ operation, code: 'POSTGRES_INVALID_PARAMS', path });
  }
  expect(plugins.workerPid('postgres-plugin', 'hostile')).toBe(pid);
  const local = await rejection(plugin.query({ sql: 'SELECT $1::jsonb', params: [circular()] }));
  expect(local).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.params[0].self.back', message: expect.stringContaining('circular') }] } });
  expect(await rows()).toBe(0);
});

describe('a lone surrogate is refused with its path, never stored as U+FFFD', () => {
  const lone = 'x\ud800y';

  test('through PluginManager: query params, CRUD data and where, batchInsert records', async () => {
    expect((await refusedByManager('execute', { sql: 'INSERT INTO t (id, label) VALUES ($1, $2)', params: [1, lone] })).details.issues[0]).toEqual({
      path: 'params.params[1]',
      message: expect.stringContaining('lone surrogate'),
    });
    expect((await refusedByManager('execute', { sql: 'SELECT $1::text[]', params: [['ok', lone]] })).details.issues[0]!.path).toBe('params.params[0][1]');
    expect((await refusedByManager('insert', { table: 't', data: { id: 1, label: lone } })).details.issues[0]!.path).toBe('params.data.label');
    expect((await refusedByManager('delete', { table: 't', where: { label: { in: ['a', lone] } } })).details.issues[0]!.path).toBe('params.where.label.in[1]');
    const records = [{ id: 1, label: 'a' }, { id: 2, label: 'b' }, { id: 3, label: 'c' }, { id: 4, label: lone }];
    expect((await refusedByManager('batchInsert', { table: 't', records })).details.issues[0]!.path).toBe('params.records[3].label');
    expect(await rows()).toBe(0);
  });

  test('in process', async () => {
    expect((await rejection(plugin.execute({ sql: 'INSERT INTO t (id, label) VALUES ($1, $2)', params: [1, lone] }))).details).toMatchObject({ issues: [{ path: 'params.params[1]' }] });
    expect((await rejection(plugin.insert('t', { id: 1, label: lone }))).details).toMatchObject({ issues: [{ path: 'params.data.label' }] });
    expect((await rejection(plugin.batchInsert('t', [{ id: 1, label: 'a' }, { id: 2, label: lone }]))).details).toMatchObject({ issues: [{ path: 'params.records[1].label' }] });
    expect(await rows()).toBe(0);
  });

  test('on the raw wire, where JSON carries it as an escape', async () => {
    const worker = new RawWorker();
    try {
      await worker.initialize();
      const execute = (id: number, operation: string, params: string) => {
        const answer = worker.waitFor((m) => m.id === id, 20_000);
        worker.send(`{"jsonrpc":"2.0","id":${id},"method":"execute","params":{"instanceId":"raw","operation":"${operation}","config":${JSON.stringify(db.config)},"params":${params}}}`);
        return answer;
      };
      const query = await execute(1, 'execute', '{"sql":"INSERT INTO t (id, label) VALUES ($1, $2)","params":[1,"x\\ud800y"]}');
      expect(query.error.data).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.params[1]' }] } });
      const insert = await execute(2, 'insert', '{"table":"t","data":{"id":1,"label":"x\\udc00"}}');
      expect(insert.error.data.details.issues[0].path).toBe('params.data.label');
      const batch = await execute(3, 'batchInsert', '{"table":"t","records":[{"id":1,"label":"a"},{"id":2,"label":"\\ud83dz"}]}');
      expect(batch.error.data.details.issues[0].path).toBe('params.records[1].label');
      expect(await rows()).toBe(0);
    } finally {
      await worker.close();
    }
  });

  test('inside a JSON document it is JSON text (an escape), so a json column keeps it exactly', async () => {
    const res = await plugins.executePlugin('postgres-plugin', 'hostile', db.config, 'query', {
      sql: 'INSERT INTO t (id, js) VALUES ($1, $2) RETURNING js',
      params: [1, { s: lone, pair: '\ud83d\ude00' }],
    });
    expect(res).toMatchObject({ success: true, data: { rows: [{ js: { s: lone, pair: '\ud83d\ude00' } }] } });
  });
});
