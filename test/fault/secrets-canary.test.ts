import { RawWorker } from '../support/raw-worker';
import { ownServerConfig, startOwnServer, type OwnServer } from '../support/own-server';
import { closeSuite } from '../support/suite-setup';

// The server's real password: it must appear nowhere the worker writes.
const CANARY = 'Canary-Secret-91c2e7-never-print';

let server: OwnServer;
beforeAll(async () => {
  server = await startOwnServer(['--password', CANARY]);
});
afterAll(() => closeSuite({ server }));

test('queries, failures and a reconnect with full debug logging never print the canary password', async () => {
  const worker = new RawWorker({ POSTGRES_PLUGIN_LOG_LEVEL: 'trace' });
  const logging = { level: 'trace', logQueries: true, logParameters: true, logConnections: true, slowQueryThreshold: 0 };
  const config = ownServerConfig(server, { password: CANARY, logging, options: { reconnectInterval: 200, maxReconnectAttempts: 30 } });
  const url = { connectionString: `postgres://${server.user}:${CANARY}@${server.host}:${server.port}/postgres`, logging };
  let id = 0;
  const call = (instanceId: string, operation: string, params: unknown, cfg?: unknown) =>
    worker.request(++id, 'execute', { instanceId, operation, params, ...(cfg ? { config: cfg } : {}) });

  await worker.initialize({ logging: { level: 'trace' } });
  expect((await call('main', 'query', { sql: 'SELECT $1::int AS n', params: [1] }, config)).result.rows).toEqual([{ n: 1 }]);
  expect((await call('url', 'ping', {}, url)).result).toBe(true);
  await call('main', 'query', { sql: 'SELECT * FROM missing' });
  await call('main', 'query', { sql: 'SELECT pg_sleep(2)', timeout: 100 });
  await call('wrong', 'query', { sql: 'SELECT 1' }, { ...config, password: CANARY + 'x' });
  await call('badkey', 'query', { sql: 'SELECT 1' }, { ...config, pasword: CANARY });
  await call('main', 'getStats', {});
  await worker.request(++id, 'rpc.discover');

  // A reconnect: the server goes away and comes back while a request waits.
  await server.stopImmediate();
  const waiting = call('main', 'queryValue', { sql: 'SELECT 2' });
  await new Promise((r) => setTimeout(r, 600));
  await server.start();
  expect((await waiting).result).toBe(2);
  const state = worker.messages.filter((m) => m.method === 'instance/state').map((m) => m.params.state);
  expect(state).toEqual(expect.arrayContaining(['reconnecting', 'connected']));

  await worker.request(++id, 'shutdown');
  worker.send({ jsonrpc: '2.0', method: 'exit' });
  await worker.exited;
  expect(worker.stderr.length).toBeGreaterThan(1000); // trace logging really was on
  for (const text of [worker.stdout, worker.stderr, JSON.stringify(worker.messages)]) {
    expect(text.includes(CANARY)).toBe(false);
  }
});
