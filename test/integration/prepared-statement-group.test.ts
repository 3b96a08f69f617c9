import pg from 'pg';
import { preparedThenValue, submit, type NamedStatement } from '../../worker/connection/pg-internals';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The group a transaction's BEGIN and id query travel in (worker/transactions/xid-report.ts):
// two prepared statements under one Sync, each parsed only the first time on a session. Its
// answer relies on pg's handling of an ErrorResponse (the query is forgotten: the group's
// ReadyForQuery reaches nobody), which a pg upgrade could change: these tests would say so.

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('prepared_group');
});

beforeEach(async () => {
  client = new pg.Client(db.config);
  await client.connect();
});

afterEach(async () => {
  await client.end().catch(() => undefined);
});

afterAll(async () => {
  await db.drop();
});

function run(first: NamedStatement, value: NamedStatement): Promise<string | null> {
  return new Promise((resolve, reject) => submit(client, preparedThenValue(first, value, (error, v) => (error ? reject(error) : resolve(v)))));
}

async function preparedOnServer(): Promise<string[]> {
  const r = await client.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name');
  return r.rows.map((row) => row.name);
}

const VALUE: NamedStatement = { name: 'group_test_value', text: 'SELECT 41 + 1 AS v' };

test('both statements run in one round trip and are parsed once: the second group sends no Parse', async () => {
  const first: NamedStatement = { name: 'group_test_noop', text: 'SELECT 0' };
  expect(await run(first, VALUE)).toBe('42');
  expect(await preparedOnServer()).toEqual(['group_test_noop', 'group_test_value']);
  // Parsing again would collide (42P05): the second group only binds.
  expect(await run(first, VALUE)).toBe('42');
});

test('a group whose first statement fails leaves the statement the server skipped unprepared: the next group parses it and answers', async () => {
  const failing: NamedStatement = { name: 'group_test_fails', text: 'SELECT 1 / (SELECT count(*) FROM pg_class WHERE false)::int' };
  await expect(run(failing, VALUE)).rejects.toMatchObject({ code: '22012' });
  // The failing statement was parsed (its error came at execution); the value query was skipped.
  expect(await preparedOnServer()).toEqual(['group_test_fails']);
  const ok: NamedStatement = { name: 'group_test_noop', text: 'SELECT 0' };
  expect(await run(ok, VALUE)).toBe('42');
  expect(await preparedOnServer()).toEqual(['group_test_fails', 'group_test_noop', 'group_test_value']);
});

test('a session that ends in the middle of the group answers with the error, without waiting for a ReadyForQuery that never comes', async () => {
  const terminating: NamedStatement = { name: 'group_test_terminates', text: 'SELECT pg_terminate_backend(pg_backend_pid())' };
  client.on('error', () => undefined);
  await expect(run(terminating, VALUE)).rejects.toBeInstanceOf(Error);
});

test('a group that fails after its Parses ran parses again next time without colliding with what the server kept', async () => {
  const first: NamedStatement = { name: 'group_test_noop', text: 'SELECT 0' };
  const failingValue: NamedStatement = { name: 'group_test_fails_late', text: 'SELECT 1 / (SELECT count(*) FROM pg_class WHERE false)::int' };
  await expect(run(first, failingValue)).rejects.toMatchObject({ code: '22012' });
  // Both were parsed before the error; pg recorded neither, so both are sent again.
  expect(await preparedOnServer()).toEqual(['group_test_fails_late', 'group_test_noop']);
  await expect(run(first, failingValue)).rejects.toMatchObject({ code: '22012' });
  expect(await run(first, VALUE)).toBe('42');
  expect(await run(first, VALUE)).toBe('42');
});
