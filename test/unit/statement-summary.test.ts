import { MAX_STATEMENT_SUMMARY, summarizeStatement } from '../../host/statement-summary';

describe('a crash report shows statements with every literal masked', () => {
  test.each([
    ['SELECT pg_sleep(30)', 'SELECT pg_sleep(?)'],
    ['UPDATE items SET n = n + 1 WHERE id = $1 RETURNING pg_sleep(30)', 'UPDATE items SET n = n + ? WHERE id = $1 RETURNING pg_sleep(?)'],
    ["ALTER ROLE app PASSWORD 'it''s secret'", 'ALTER ROLE app PASSWORD ?'],
    ["SELECT E'a\\'b secret', X'ff', B'101', N'national', U&'d\\0061t'", 'SELECT ?, ?, ?, ?, ?'],
    ['SELECT $$secret body$$, $tag$ also $$ secret $tag$', 'SELECT ?, ?'],
    ['SELECT 1.5e3, .5, 0x1F, 42', 'SELECT ?, ?, ?, ?'],
    ['SELECT t1.c2, "we\'ird ""name""", col3 FROM t1', 'SELECT t1.c2, "we\'ird ""name""", col3 FROM t1'],
    ["SELECT 1 -- password 'x'\n, 2 /* nested /* secret */ still */ FROM t", 'SELECT ? , ? FROM t'],
  ])('%s', (sql, summary) => {
    expect(summarizeStatement(sql)).toBe(summary);
  });

  test('an unterminated literal hides everything after its quote', () => {
    expect(summarizeStatement("SELECT 'secret never closed")).toBe('SELECT ?');
  });

  test(`long statements are cut at ${MAX_STATEMENT_SUMMARY} characters, marked with an ellipsis`, () => {
    const summary = summarizeStatement(`SELECT ${'col, '.repeat(100)} 'secret' FROM t`);
    expect(summary.length).toBe(MAX_STATEMENT_SUMMARY + 1);
    expect(summary.endsWith('…')).toBe(true);
    expect(summary).not.toContain('secret');
  });
});
