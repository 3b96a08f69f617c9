import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PluginManagerService } from 'postgres-plugin/nestjs';
import { isAlive, waitFor } from '../../../test/support/managers';
import { countSessions } from '../../../test/support/server-activity';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { createShopApp } from '../src/create-app';

/** The example app, started for real on its own database, spoken to over HTTP. */
let db: TestDatabase;
let app: INestApplication;
const workerPids: number[] = [];

beforeAll(async () => {
  db = await createTestDatabase('nest_example');
  app = await createShopApp({ config: db.config }, { logger: false });
  await app.listen(0, '127.0.0.1');
  const plugins = app.get(PluginManagerService);
  workerPids.push(plugins.workerPid('postgres-plugin')!);
  plugins.on('worker', (e: { type: string; pid?: number }) => e.type === 'start' && e.pid !== undefined && workerPids.push(e.pid));
});
afterAll(() => db?.drop());

const table = async (sql: string) => (await db.admin.query(sql)).rows;

test('GET /users/:id answers from PostgreSQL; an unknown id is 404', async () => {
  await request(app.getHttpServer()).get('/users/1').expect(200, { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' });
  await request(app.getHttpServer()).get('/users/999').expect(404);
  await request(app.getHttpServer()).get('/users/abc').expect(400);
});

test('POST /orders takes the stock, charges the account and records the order, in one transaction', async () => {
  const res = await request(app.getHttpServer()).post('/orders').send({ userId: 1, sku: 'tea', quantity: 2 }).expect(201);
  expect(res.body).toEqual({ id: '1', userId: 1, sku: 'tea', quantity: 2, total: '9.00' });
  expect(await table("SELECT stock FROM products WHERE sku = 'tea'")).toEqual([{ stock: 8 }]);
  expect(await table('SELECT balance FROM accounts WHERE user_id = 1')).toEqual([{ balance: '91.00' }]);
});

test('an order that cannot be paid changes nothing: the stock taken by its first statement is rolled back', async () => {
  const before = await table('SELECT (SELECT stock FROM products WHERE sku = $$teapot$$) AS stock, (SELECT balance FROM accounts WHERE user_id = 2) AS balance, (SELECT count(*)::int FROM orders) AS orders');
  const res = await request(app.getHttpServer()).post('/orders').send({ userId: 2, sku: 'teapot', quantity: 1 }).expect(409);
  expect(res.body).toMatchObject({ code: 'POSTGRES_TRANSACTION_FAILED', constraint: 'balance_not_negative' });
  expect(await table('SELECT (SELECT stock FROM products WHERE sku = $$teapot$$) AS stock, (SELECT balance FROM accounts WHERE user_id = 2) AS balance, (SELECT count(*)::int FROM orders) AS orders')).toEqual(before);
  expect(before).toEqual([{ stock: 1, balance: '5.00', orders: 1 }]);
  await request(app.getHttpServer()).post('/orders').send({ userId: 1, sku: 'tea', quantity: 'two' }).expect(400);
  await request(app.getHttpServer()).post('/orders').send({ userId: 1, sku: 'scone', quantity: 1 }).expect(404);
});

test('GET /health: the worker is up and the instance answers ping', async () => {
  const res = await request(app.getHttpServer()).get('/health').expect(200);
  expect(res.body.details.plugins).toMatchObject({ status: 'up', instances: [{ instanceId: 'shop:main', up: true }], workers: [{ pluginName: 'postgres-plugin', circuit: 'closed' }] });
});

test('app.close() leaves no worker process and no server session behind', async () => {
  expect(await countSessions(db.admin, { database: db.name, applicationName: 'postgres-plugin' })).toBeGreaterThan(0);
  await app.close();
  expect(workerPids.length).toBeGreaterThan(0);
  expect(await waitFor(() => workerPids.every((pid) => !isAlive(pid)), 3000)).toBe(true);
  expect(await countSessions(db.admin, { database: db.name, applicationName: 'postgres-plugin' })).toBe(0);
});
