import { changesSession, grammarReady, isIndependentRowStatement } from '../../worker/sql/statement-kinds';
import { readStatement } from '../../worker/sql/statement-reading';

beforeAll(() => grammarReady);

test.each([
  'SET statement_timeout = 1',
  '  set search_path = x',
  '/* why */ SET ROLE admin',
  '-- note\nRESET ALL',
  'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY',
  'DISCARD PLANS',
  'DEALLOCATE ALL',
  'LISTEN channel',
  'PREPARE p AS SELECT 1',
  "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
  'CREATE TEMP TABLE x (a int)',
  'create local temporary table x (a int)',
  "SELECT set_config('a.b', 'c', false)",
  'SELECT pg_advisory_lock(1)',
  'select PG_TRY_ADVISORY_LOCK_SHARED (1)',
  'SELECT * INTO TEMP scratch FROM t',
  'select 1 as a into temporary table scratch',
])('%p may leave session state', (sql) => {
  expect(changesSession(sql)).toBe(true);
});

test.each([
  'SELECT 1',
  'UPDATE t SET x = 1',
  'SET LOCAL statement_timeout = 1',
  'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
  'SET CONSTRAINTS ALL DEFERRED',
  'SELECT pg_advisory_xact_lock(1)',
  "SELECT 'SET x = 1'",
  'CREATE TABLE settings (a int)',
  'INSERT INTO reset_log VALUES (1)',
  'SELECT * FROM settings',
  'SELECT * INTO archive FROM t',
])('%p leaves none', (sql) => {
  expect(changesSession(sql)).toBe(false);
});

test('a multi-statement script always may', () => {
  expect(changesSession('SELECT 1', true)).toBe(true);
});

test('only row statements that leave the session alone may share a pipelined connection', () => {
  for (const sql of ['SELECT 1', ' /* c */ select * from t', 'WITH x AS (SELECT 1) SELECT * FROM x', 'INSERT INTO t VALUES (1)', 'UPDATE t SET a = 1', 'DELETE FROM t', 'VALUES (1)', 'TABLE t', 'MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE']) {
    expect([sql, isIndependentRowStatement(sql)]).toEqual([sql, true]);
  }
  for (const sql of ['BEGIN', 'COMMIT', 'CALL p()', 'DO $$ BEGIN END $$', 'CREATE TABLE x (a int)', 'VACUUM t', 'COPY t FROM STDIN', "SELECT set_config('a.b', 'c', false)", 'SELECT * INTO TEMP x FROM t', 'SET a = 1', 'selectivity']) {
    expect([sql, isIndependentRowStatement(sql)]).toEqual([sql, false]);
  }
});

describe('behind a transaction pooler', () => {
  test.each([
    'SET statement_timeout = 1',
    '/* why */ SET ROLE admin',
    'RESET ALL',
    'LISTEN channel',
    'UNLISTEN *',
    'PREPARE p AS SELECT 1',
    'EXECUTE p',
    'DEALLOCATE ALL',
    'DISCARD ALL',
    'DECLARE c CURSOR WITH HOLD FOR SELECT 1',
    'CREATE TEMP TABLE x (a int)',
    'CREATE TEMP TABLE x AS SELECT 1',
    'SELECT 1 AS a INTO TEMP scratch',
    'CREATE TEMP VIEW v AS SELECT 1',
    'CREATE TEMP SEQUENCE s',
    "SELECT set_config('a.b', 'c', false)",
    'SELECT set_config($1, $2, $3)',
    'SELECT pg_advisory_lock(1)',
    'select pg_catalog.PG_TRY_ADVISORY_LOCK_SHARED(1)',
    'SELECT pg_advisory_unlock_all()',
    'SELECT 1; SET search_path = x',
  ])('%p is bound to its session (refused)', (sql) => {
    expect(readStatement(sql).sessionBound).toBe(true);
  });

  test.each([
    'SELECT 1',
    'SET LOCAL statement_timeout = 1',
    'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    "SELECT set_config('a.b', 'c', true)",
    'SELECT pg_advisory_xact_lock(1)',
    'DECLARE c CURSOR FOR SELECT 1',
    'CREATE TEMP TABLE x (a int) ON COMMIT DROP',
    "SELECT nextval('s')",
    'SELECT my_function()',
    'CALL my_procedure()',
  ])('%p is not', (sql) => {
    expect(readStatement(sql).sessionBound).toBe(false);
  });

  test('currval, lastval and pg_temp names read the session (refused outside a transaction only)', () => {
    for (const sql of ["SELECT currval('s')", 'SELECT lastval()', 'SELECT * FROM pg_temp.scratch']) expect(readStatement(sql).readsSession).toBe(true);
    for (const sql of ["SELECT nextval('s')", 'SELECT * FROM scratch']) expect(readStatement(sql).readsSession).toBe(false);
  });
});
