import { operationParamsSchemas } from '../../shared/operation-params';
import { PluginError } from '../../shared/plugin-error';
import { parseTypeName } from '../../shared/type-syntax';
import { parseOrThrow } from '../../shared/validation';

function issuesOf(operation: keyof typeof operationParamsSchemas, params: unknown): { path: string; message: string }[] {
  try {
    parseOrThrow(operationParamsSchemas[operation], params, 'params');
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).code).toBe('POSTGRES_INVALID_PARAMS');
    return (error as PluginError).details.issues as { path: string; message: string }[];
  }
  throw new Error('expected the params to be refused');
}

describe('PostgreSQL type syntax', () => {
  test.each([
    ['int', 'int'],
    ['INTEGER', 'integer'],
    ['varchar(50)', 'varchar(50)'],
    ['character varying ( 255 )', 'character varying(255)'],
    ['char(3)', 'char(3)'],
    ['national character varying(10)', 'national character varying(10)'],
    ['numeric(10,2)', 'numeric(10,2)'],
    ['numeric(5, -2)', 'numeric(5,-2)'],
    ['timestamp with time zone', 'timestamp with time zone'],
    ['TIMESTAMP(3) WITHOUT TIME ZONE', 'timestamp(3) without time zone'],
    ['time with time zone', 'time with time zone'],
    ['double precision', 'double precision'],
    ['float(24)', 'float(24)'],
    ['int[]', 'int[]'],
    ['text[][]', 'text[][]'],
    ['int[3]', 'int[3]'],
    ['int ARRAY', 'int[]'],
    ['int array[4]', 'int[4]'],
    ['jsonb', 'jsonb'],
    ['bit varying(5)', 'bit varying(5)'],
    ['bit(8)', 'bit(8)'],
    ['interval', 'interval'],
    ['interval(6)', 'interval(6)'],
    ['interval day to second(3)', 'interval day to second(3)'],
    ['interval year to month', 'interval year to month'],
    ['interval hour', 'interval hour'],
    ['myschema.mood', 'myschema.mood'],
    ['"My Schema"."Mood ""quoted"""[]', '"My Schema"."Mood ""quoted"""[]'],
    ['public.citext', 'public.citext'],
    ['stimmung', 'stimmung'],
    ['größe', 'größe'],
  ])('%s is accepted as %s', (text, sql) => {
    expect(parseTypeName(text)).toEqual({ ok: true, sql });
  });

  test.each([
    ['int; DROP TABLE x', "unexpected character ';' at position 4"],
    ['text) ; --', "unexpected character ';' at position 7"],
    ['text)', "expected the end of the type, found ')' at position 5"],
    ['text --', "expected the end of the type, found '-' at position 6"],
    ["text'", "unexpected character '''"],
    ['', 'the type is empty'],
    ['   ', 'the type is empty'],
    ['varchar(', 'expected a number, found the end of the text'],
    ['varchar(50', "expected ')', found the end of the text"],
    ['varchar(x)', "expected a number, found 'x'"],
    ['double', "expected 'PRECISION'"],
    ['timestamp with zone', "expected 'TIME', found 'zone'"],
    ['interval month to day', "expected the end of the type, found 'day'"],
    ['a.b.c', "expected the end of the type, found '.'"],
    ['text collate "C"', "expected the end of the type, found 'collate'"],
    ['setof text', "found 'text'"],
    ['int[', "expected ']'"],
    ['"unterminated', 'unterminated quoted name'],
    ['""', 'must be a non-empty name'],
    [`${'x'.repeat(64)}`, 'longer than 63 bytes'],
    ['text /* comment */', "unexpected character '/'"],
    ['int\u0000', "unexpected character '\u0000'"],
  ])('%j is refused', (text, message) => {
    const parsed = parseTypeName(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });
});

describe('schema params name the offending field', () => {
  const columns = [
    { name: 'id', type: 'int' },
    { name: 'x', type: 'int; DROP TABLE x' },
  ];

  test('a bad type names its path under params', () => {
    expect(issuesOf('createTable', { table: 't', schema: { columns } })).toEqual([
      { path: 'params.schema.columns[1].type', message: expect.stringContaining("unexpected character ';'") },
    ]);
    expect(issuesOf('alterTable', { table: 't', alterations: [{ action: 'alterColumnType', column: 'a', type: 'text) ; --' }] })).toEqual([
      { path: 'params.alterations[0].type', message: expect.stringContaining('is not a PostgreSQL type') },
    ]);
  });

  test.each(['a.b.c', '.t', 's.', 'a..b', ''])('table %j is refused', (table) => {
    expect(issuesOf('describeTable', { table })).toEqual([{ path: 'params.table', message: expect.any(String) }]);
  });

  test('names are any 1..63-byte string without NUL; longer ones are refused', () => {
    const ok = parseOrThrow(operationParamsSchemas.describeTable, { table: 'we"ird; DROP TABLE x; --.a"b' }, 'params');
    expect(ok.table).toEqual({ schema: 'we"ird; DROP TABLE x; --', name: 'a"b' });
    // 21 three-byte characters = 63 bytes: the limit exactly.
    expect(parseOrThrow(operationParamsSchemas.dropTable, { table: '表'.repeat(21) }, 'params').table).toEqual({ name: '表'.repeat(21) });
    expect(issuesOf('dropTable', { table: '表'.repeat(22) })[0]!.message).toContain('63 bytes');
    expect(issuesOf('createTable', { table: 't', schema: { columns: [{ name: 'a\u0000b', type: 'int' }] } })).toEqual([
      { path: 'params.schema.columns[0].name', message: 'must not contain NUL characters' },
    ]);
  });

  test('cross-field rules of a table spec point at the field', () => {
    const issues = issuesOf('createTable', {
      table: 't',
      schema: {
        columns: [
          { name: 'a', type: 'int', primaryKey: true },
          { name: 'a', type: 'int' },
        ],
        primaryKey: ['a'],
        indexes: [{ columns: ['nope'] }],
      },
    });
    expect(issues.map((i) => i.path)).toEqual([
      'params.schema.columns[1].name',
      'params.schema.columns[0].primaryKey',
      'params.schema.indexes[0].columns[0]',
    ]);
  });

  test('alterations are a union on action, and addConstraint on type', () => {
    expect(issuesOf('alterTable', { table: 't', alterations: [{ action: 'explode' }] })[0]!.path).toBe('params.alterations[0].action');
    expect(issuesOf('alterTable', { table: 't', alterations: [{ action: 'addConstraint', type: 'foreignKey', columns: ['a'] }] })).toEqual([
      { path: 'params.alterations[0].references', message: expect.stringContaining('required') },
    ]);
    expect(issuesOf('alterTable', { table: 't', alterations: [] })[0]!.path).toBe('params.alterations');
  });

  test('referential actions accept any case, spaces or underscores', () => {
    const p = parseOrThrow(
      operationParamsSchemas.createTable,
      { table: 't', schema: { columns: [{ name: 'a', type: 'int', references: { table: 's.u', column: 'id', onDelete: 'set_null', onUpdate: 'Cascade' } }] } },
      'params',
    );
    expect(p.schema.columns[0]!.references).toEqual({ table: { schema: 's', name: 'u' }, column: 'id', onDelete: 'SET NULL', onUpdate: 'CASCADE' });
    expect(issuesOf('dropTable', { table: 't', cascade: 'yes' })[0]!.path).toBe('params.cascade');
  });
});
