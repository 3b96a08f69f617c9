/**
 * Statement texts written to get around the plugin's guards: transaction
 * control hidden behind comments or chained, session state changed with
 * quoted, qualified or indirect spellings, prepared-statement names that
 * collide with the plugin's own. Judged by PostgreSQL's grammar, none gets
 * through. A pool of one makes every request use the same session, so state
 * left by one request would be seen by the next.
 */
import fc from 'fast-check';
import type { PostgresPlugin } from '../../worker/postgres-plugin';
import { rejection } from '../support/rejection';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let plugin: PostgresPlugin;
const role = `hostile_role_${process.pid}`;

beforeAll(async () => {
  ({ db, plugin } = await openSuite('hostile_statements', { plugin: { max: 1 } }));
  await db.admin.query('CREATE TABLE ledger (id serial PRIMARY KEY, note text)');
  await db.admin.query(`CREATE ROLE ${role} NOLOGIN`);
  await db.admin.query(`GRANT ${role} TO ${db.config.user}`);
  await db.admin.query(`GRANT ALL ON ledger, ledger_id_seq TO ${role}`);
});
afterAll(() => closeSuite({ plugin, db }));

const ops = (...sql: string[]) => sql.map((text) => ({ sql: text }));
const ledgerRows = async (): Promise<number> => Number((await db.admin.query('SELECT count(*) AS n FROM ledger')).rows[0].n);

/** What a fresh request of the instance sees of its session. */
async function sessionState(): Promise<Record<string, unknown>> {
  return (await plugin.queryOne(`SELECT current_user AS "user",
      current_setting('search_path') AS search_path,
      coalesce(current_setting('app.tenant', true), '') AS tenant,
      current_setting('default_transaction_read_only') AS default_read_only,
      (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory_locks,
      (SELECT count(*)::int FROM pg_class WHERE relnamespace = pg_my_temp_schema()) AS temp_relations,
      (SELECT count(*)::int FROM pg_prepared_statements WHERE from_sql) AS user_prepared,
      (SELECT count(*)::int FROM pg_cursors) AS cursors`))!;
}

let clean: Record<string, unknown>;
beforeAll(async () => {
  clean = await sessionState();
});

async function expectCleanSession(after: string): Promise<void> {
  expect({ after, state: await sessionState() }).toEqual({ after, state: clean });
}

describe('transaction control is refused inside transactions, in any spelling', () => {
  test('a readOnly transaction operation stays read-only: a hidden COMMIT AND CHAIN is refused and nothing is stored', async () => {
    const error = await rejection(
      plugin.transaction(ops('/**/ COMMIT AND CHAIN', 'SET TRANSACTION READ WRITE', "INSERT INTO ledger (note) VALUES ('escaped')"), { readOnly: true }),
    );
    expect(error.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(error.details.issues).toEqual([expect.objectContaining({ path: 'params.operations[0].sql' })]);
    expect(await ledgerRows()).toBe(0);
  });

  test('a readOnly handle stays read-only: COMMIT AND CHAIN is refused, the INSERT fails, commit writes nothing', async () => {
    const transactionId = await plugin.beginTransaction({ readOnly: true });
    expect((await rejection(plugin.query({ sql: '/* c */ commit and chain', transactionId }))).code).toBe('POSTGRES_INVALID_PARAMS');
    await rejection(plugin.query({ sql: 'SET TRANSACTION READ WRITE', transactionId }));
    await plugin.rollback(transactionId);
    expect(await ledgerRows()).toBe(0);
  });

  test('a transaction whose second operation is a commented COMMIT commits nothing and says so', async () => {
    const error = await rejection(plugin.transaction(ops("INSERT INTO ledger (note) VALUES ('first')", '/* x */ COMMIT')));
    expect(error.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(error.details.rolledBack).not.toBe(true);
    expect(await ledgerRows()).toBe(0);
  });

  test('inside a handle, a script that commits and begins again is refused; rollback undoes the handle\'s work', async () => {
    const transactionId = await plugin.beginTransaction();
    await plugin.query({ sql: "INSERT INTO ledger (note) VALUES ('in handle')", transactionId });
    const error = await rejection(plugin.query({ sql: 'COMMIT; BEGIN', multiStatement: true, transactionId }));
    expect(error.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(await plugin.rollback(transactionId)).toBeNull();
    expect(await ledgerRows()).toBe(0);
  });

  test('a property: no spelling of transaction control escapes a readOnly transaction', async () => {
    const word = fc.constantFrom('COMMIT', 'END', 'ROLLBACK', 'ABORT', 'commit', 'End', 'rollback');
    const noise = fc.constantFrom('', ' ', '/**/', '/* x */ ', '-- c\n', '\n\t', '/* a /* nested */ b */ ');
    const tail = fc.constantFrom('', ' WORK', ' TRANSACTION', ' AND CHAIN', ' work and chain', ' TRANSACTION AND NO CHAIN', ';');
    const other = fc.constantFrom("PREPARE TRANSACTION 'px'", 'START TRANSACTION READ WRITE', 'BEGIN', "COMMIT PREPARED 'px'");
    const control = fc.oneof(fc.tuple(noise, word, tail, noise).map((parts) => parts.join('')), fc.tuple(noise, other).map((parts) => parts.join('')));
    await fc.assert(
      fc.asyncProperty(control, fc.integer({ min: 0, max: 1 }), async (sql, at) => {
        const operations = ['SELECT 1', 'SET TRANSACTION READ WRITE', "INSERT INTO ledger (note) VALUES ('escaped')"];
        operations.splice(at, 0, sql);
        await rejection(plugin.transaction(ops(...operations), { readOnly: true }));
        expect(await ledgerRows()).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});

describe('session state does not outlive the request, in any spelling', () => {
  const sessionChanging = (): fc.Arbitrary<string> => {
    const noise = fc.constantFrom('', '/* c */ ', '-- c\n', '  ');
    const qualified = fc.constantFrom('', 'pg_catalog.');
    const setting = fc.constantFrom('search_path', '"search_path"', 'SEARCH_PATH', 'default_transaction_read_only');
    const statements = fc.oneof(
      fc.tuple(noise, fc.constantFrom('SET', 'set', 'SET SESSION'), setting, fc.constantFrom(' = ', ' TO ')).map(([n, s, name, op]) => `${n}${s} ${name}${op}${name.includes('read_only') ? 'on' : "'nowhere'"}`),
      fc.tuple(noise, qualified, fc.constantFrom('set_config', '"set_config"')).map(([n, q, f]) => `${n}SELECT ${q}${f}('app.tenant', 'mallory', false)`),
      fc.tuple(noise, fc.constantFrom('SET ROLE', 'set role', 'SET SESSION AUTHORIZATION', 'SET LOCAL ROLE NONE; SET ROLE')).map(([n, s]) => `${n}${s} ${role}`),
      fc.tuple(noise, fc.constantFrom('TEMP', 'TEMPORARY', 'LOCAL TEMP', 'GLOBAL TEMPORARY')).map(([n, t]) => `${n}CREATE ${t} TABLE "Scratch" (a int)`),
      fc.constantFrom('CREATE TABLE pg_temp.scratch (a int)', 'CREATE TABLE "pg_temp".scratch (a int)', 'SELECT 1 AS a INTO TEMP scratch', 'CREATE TEMP VIEW v AS SELECT 1'),
      fc.tuple(noise, qualified, fc.constantFrom('pg_advisory_lock', 'pg_advisory_lock_shared', 'pg_try_advisory_lock', '"pg_advisory_lock"')).map(([n, q, f]) => `${n}SELECT ${q}${f}(4242)`),
      fc.constantFrom(
        `DO $$ BEGIN EXECUTE 'SET ROLE ${role}'; END $$`,
        "DO $$ BEGIN PERFORM set_config('app.tenant', 'mallory', false); END $$",
        "DO $$ BEGIN EXECUTE 'CREATE TEMP TABLE dx (a int)'; END $$",
        'PREPARE mine AS SELECT 1',
        'DECLARE c CURSOR WITH HOLD FOR SELECT 1',
      ),
    );
    return statements;
  };

  test('a property: every variant leaves the next request a clean session', async () => {
    await fc.assert(
      fc.asyncProperty(sessionChanging(), fc.boolean(), async (sql, asScript) => {
        await plugin.query(asScript ? { sql: `${sql}; SELECT 1`, multiStatement: true } : sql.includes(';') ? { sql, multiStatement: true } : sql);
        await expectCleanSession(sql);
      }),
      { numRuns: 80 },
    );
  });

  test('a function that changes the session from inside counts as changing it', async () => {
    await db.admin.query(`CREATE FUNCTION become() RETURNS int LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'SET ROLE ${role}'; RETURN 1; END $$`);
    expect(await plugin.queryValue('SELECT become()')).toBe(1);
    await expectCleanSession('SELECT become()');
    expect(await plugin.queryValue('SELECT "public"."become"()')).toBe(1);
    await expectCleanSession('SELECT "public"."become"()');
  });
});

describe("the plugin's prepared statements survive what a caller does with prepared statements", () => {
  test('DEALLOCATE ALL inside a handle does not break the statements after it', async () => {
    const transactionId = await plugin.beginTransaction();
    await plugin.query({ sql: 'SELECT count(*) FROM ledger', transactionId });
    await plugin.query({ sql: 'DEALLOCATE ALL', transactionId });
    expect(await plugin.queryValue({ sql: 'SELECT count(*) FROM ledger', transactionId })).toBe('0');
    await plugin.commit(transactionId);
  });

  test("a caller's PREPARE of a name like the plugin's old ones does not collide; the plugin's own prefix is refused", async () => {
    const transactionId = await plugin.beginTransaction();
    for (let i = 0; i < 8; i++) await plugin.query({ sql: `PREPARE pp_${i} AS SELECT ${i}`, transactionId });
    expect(await plugin.queryValue({ sql: 'SELECT count(*) FROM ledger WHERE id > $1', params: [0], transactionId })).toBe('0');
    const refused = await rejection(plugin.query({ sql: 'PREPARE postgres_plugin_0 AS SELECT 1', transactionId }));
    expect(refused.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(await plugin.queryValue({ sql: 'SELECT 2', transactionId })).toBe(2);
    await plugin.commit(transactionId);
  });
});

describe('texts PostgreSQL could not get as written', () => {
  test('a lone surrogate in SQL text, a transaction operation or a name is refused with its path, never sent as U+FFFD', async () => {
    const inSql = await rejection(plugin.query("SELECT 'x\ud800y' AS v"));
    expect(inSql.details.issues).toEqual([expect.objectContaining({ path: 'params.sql', message: expect.stringContaining('lone UTF-16 surrogate') })]);
    const inTransaction = await rejection(plugin.transaction(ops("INSERT INTO ledger (note) VALUES ('\udc00')")));
    expect(inTransaction.details.issues).toEqual([expect.objectContaining({ path: 'params.operations[0].sql' })]);
    const inName = await rejection(plugin.insert('ledger', { 'note\ud800': 'x' }));
    expect(inName.code).toBe('POSTGRES_INVALID_PARAMS');
    expect(await ledgerRows()).toBe(0);
  });
});
