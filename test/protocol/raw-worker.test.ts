import { waitFor } from '../support/managers';
import { RawWorker } from '../support/raw-worker';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('raw_worker'));
});
afterAll(() => closeSuite({ db }));

describe('the worker over raw framed stdio', () => {
  let worker: RawWorker;
  beforeEach(() => {
    worker = new RawWorker();
  });
  afterEach(async () => {
    expect(worker.protocolViolation).toBeUndefined();
    await worker.close();
  });

  test('requests before initialize get -32002', async () => {
    const response = await worker.request(1, 'execute', { instanceId: 'a', operation: 'ping', config: db.config });
    expect(response.error?.code).toBe(-32002);
  });

  test('initialize then execute query SELECT 1 AS test', async () => {
    const init = await worker.initialize({ hostName: 'jest' });
    expect(init.result).toMatchObject({ name: 'postgres-plugin', protocolVersion: 1 });
    expect(init.result.operations).toEqual(expect.arrayContaining(['query', 'queryOne', 'queryValue', 'execute', 'ping']));
    const response = await worker.request(1, 'execute', {
      instanceId: 'tenant:db',
      operation: 'query',
      config: db.config,
      params: { sql: 'SELECT 1 AS test' },
    });
    expect(response.result.rows[0].test).toBe(1);
  });

  test('malformed JSON gets -32700 and the next request still works', async () => {
    await worker.initialize();
    const parseError = worker.waitFor((m) => m.error?.code === -32700);
    worker.send('{"jsonrpc": "2.0", "id": 5, "method": ');
    expect((await parseError).id).toBeNull();
    const next = await worker.request(6, 'execute', { instanceId: 'a', operation: 'queryValue', config: db.config, params: { sql: 'SELECT 2' } });
    expect(next.result).toBe(2);
  });

  test('a message that is JSON but not JSON-RPC gets -32600 with its id', async () => {
    await worker.initialize();
    const invalid = worker.waitFor((m) => m.error?.code === -32600);
    worker.send({ jsonrpc: '1.0', id: 9, method: 'execute' });
    expect(await invalid).toMatchObject({ id: 9 });
  });

  test('unknown method gets -32601', async () => {
    await worker.initialize();
    expect((await worker.request(2, 'no/such/method', {})).error?.code).toBe(-32601);
  });

  test('missing sql gets -32602 with POSTGRES_INVALID_PARAMS naming the field', async () => {
    await worker.initialize();
    const response = await worker.request(3, 'execute', { instanceId: 'a', operation: 'query', config: db.config, params: {} });
    expect(response.error?.code).toBe(-32602);
    expect(response.error?.data.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(response.error?.data.details.issues).toEqual([{ path: 'params.sql', message: 'required (string)' }]);
    expect(response.error?.message).toContain('params.sql');
  });

  test('a bind parameter nested 20,000 levels deep is refused with its path; the connection stays usable', async () => {
    await worker.initialize();
    let array = '1';
    let object = '1';
    for (let i = 0; i < 20_000; i++) {
      array = `[${array}]`;
      object = `{"a":${object}}`;
    }
    const config = JSON.stringify({ ...db.config, max: 1 });
    const send = (id: number, operation: string, params: string) => {
      const answer = worker.waitFor((m) => m.id === id, 20_000);
      worker.send(`{"jsonrpc":"2.0","id":${id},"method":"execute","params":{"instanceId":"deep","operation":"${operation}","config":${config},"params":${params}}}`);
      return answer;
    };
    const arrays = await send(20, 'queryValue', `{"sql":"SELECT $1::text","params":[2,${array}]}`);
    expect(arrays.error.data.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(arrays.error.data.details.issues[0]).toEqual({ path: `params.params[1]${'[0]'.repeat(64)}`, message: 'is nested more than 64 levels deep' });
    const objects = await send(21, 'transaction', `{"operations":[{"sql":"SELECT $1::jsonb","params":[${object}]}]}`);
    expect(objects.error.data.details.issues[0].path).toBe(`params.operations[0].params[0]${'.a'.repeat(64)}`);
    // 64 levels are fine, and the same single connection answers.
    const fine = JSON.stringify(Array.from({ length: 63 }).reduce<unknown>((inner) => ({ a: inner }), 1));
    expect((await send(22, 'queryValue', `{"sql":"SELECT jsonb_typeof($1::jsonb)","params":[${fine}]}`)).result).toBe('object');
  });

  test('unknown operation and a first execute without config are precise errors', async () => {
    await worker.initialize();
    const unknown = await worker.request(4, 'execute', { instanceId: 'a', operation: 'explode', config: db.config });
    expect(unknown.error?.data.code).toBe('POSTGRES_UNKNOWN_OPERATION');
    const noConfig = await worker.request(5, 'execute', { instanceId: 'never-seen', operation: 'ping' });
    expect(noConfig.error?.data).toMatchObject({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'config' }] } });
  });

  test('rpc.discover returns an OpenRPC document generated from the schemas', async () => {
    await worker.initialize();
    const doc = (await worker.request(7, 'rpc.discover')).result;
    expect(doc.openrpc).toMatch(/^1\./);
    expect(doc.methods.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining(['initialize', 'execute', 'shutdown']));
    expect(doc.components.schemas['operation.query'].required).toEqual(['sql']);
  });

  test('$/cancelRequest cancels the running statement on the server: -32800 POSTGRES_QUERY_CANCELLED', async () => {
    await worker.initialize();
    const config = { ...db.config, applicationName: 'cancel-test' };
    await worker.request(1, 'execute', { instanceId: 'c', operation: 'ping', config });
    const pending = worker.request(2, 'execute', { instanceId: 'c', operation: 'query', params: { sql: 'SELECT pg_sleep(30)' } });
    await waitUntil(async () => (await sessions('cancel-test', "AND state = 'active' AND query LIKE 'SELECT pg_sleep%'")) === 1);
    const started = Date.now();
    worker.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 2 } });
    const response = await pending;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(response.error?.code).toBe(-32800);
    expect(response.error?.data.code).toBe('POSTGRES_QUERY_CANCELLED');
    expect(await sessions('cancel-test', "AND state = 'active' AND query LIKE 'SELECT pg_sleep%'")).toBe(0);
    expect((await worker.request(3, 'execute', { instanceId: 'c', operation: 'queryValue', params: { sql: 'SELECT 5' } })).result).toBe(5);
  });

  test('requests are answered in any order, each with its own id', async () => {
    await worker.initialize();
    const slow = worker.request(1, 'execute', { instanceId: 'o', operation: 'queryValue', config: db.config, params: { sql: "SELECT 'slow' FROM pg_sleep(0.3)" } });
    const fast = worker.request(2, 'execute', { instanceId: 'o', operation: 'queryValue', params: { sql: "SELECT 'fast'" } });
    expect((await fast).result).toBe('fast');
    expect((await slow).result).toBe('slow');
  });

  test('shutdown then exit: exit code 0', async () => {
    await worker.initialize();
    await worker.request(8, 'execute', { instanceId: 'a', operation: 'ping', config: db.config });
    expect((await worker.request(9, 'shutdown')).result).toBeNull();
    worker.send({ jsonrpc: '2.0', method: 'exit' });
    expect((await worker.exited).code).toBe(0);
  });
});

test('every byte on stdout is part of a frame, with debug logging on', async () => {
  const worker = new RawWorker({ POSTGRES_PLUGIN_LOG_LEVEL: 'debug' });
  await worker.initialize({ logging: { level: 'debug' } });
  const config = { ...db.config, logging: { level: 'debug', logQueries: true, logParameters: true, logConnections: true } };
  for (let id = 1; id <= 20; id++) {
    const params = id % 5 === 0 ? { sql: 'SELECT broken syntax here' } : { sql: 'SELECT $1::int AS n', params: [id] };
    await worker.request(id, 'execute', { instanceId: 'dbg', operation: 'query', config, params });
  }
  worker.send('not json at all');
  await worker.request(21, 'shutdown');
  worker.send({ jsonrpc: '2.0', method: 'exit' });
  await worker.exited;
  // RawWorker parses stdout strictly: a stray byte would be recorded as a violation.
  expect(worker.protocolViolation).toBeUndefined();
  expect(worker.messages.length).toBeGreaterThanOrEqual(22);
  expect(worker.stderr).toContain('"msg":"query"');
  expect(worker.stderr).not.toContain(db.config.password);
});

test('stdin closed: the worker ends its pools and exits within 2 s', async () => {
  const worker = new RawWorker();
  await worker.initialize();
  const config = { ...db.config, applicationName: 'eof-test' };
  await worker.request(1, 'execute', { instanceId: 'eof', operation: 'query', config, params: { sql: 'SELECT 1' } });
  const sleeping = worker.request(2, 'execute', { instanceId: 'eof', operation: 'query', params: { sql: 'SELECT pg_sleep(30)' } });
  void sleeping.catch(() => undefined);
  await waitUntil(async () => (await sessions('eof-test', "AND query LIKE 'SELECT pg_sleep%' AND state = 'active'")) === 1);
  expect(await sessions('eof-test')).toBeGreaterThan(0);
  const started = Date.now();
  worker.child.stdin.end();
  await worker.exited;
  expect(Date.now() - started).toBeLessThan(2000);
  await waitUntil(async () => (await sessions('eof-test')) === 0, 2000);
  expect(await sessions('eof-test')).toBe(0);
});

async function sessions(applicationName: string, and = ''): Promise<number> {
  const r = await db.admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 ${and}`, [applicationName]);
  return r.rows[0].n;
}

const waitUntil = (check: () => Promise<boolean>, timeoutMs = 5000) => waitFor(check, timeoutMs, 25);
