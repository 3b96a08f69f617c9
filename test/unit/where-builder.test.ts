import { countParamsSchema, deleteParamsSchema, findParamsSchema, insertParamsSchema, updateParamsSchema, whereSchema } from '../../shared/crud-params';
import type { PluginError } from '../../shared/plugin-error';
import { describeIssues, parseOrThrow } from '../../shared/validation';
import { countStatement, deleteStatement, findStatement, insertStatement, updateStatement } from '../../worker/crud/crud-statements';
import { buildWhere, ParamList } from '../../worker/crud/where-builder';

/** The where clause and its bind values for a where object, validated as the worker validates it. */
function where(input: unknown): { sql: string; params: unknown[] } {
  const params = new ParamList();
  const sql = buildWhere(parseOrThrow(whereSchema, input, 'where'), params);
  return { sql, params: params.values };
}

/** The issues a where object is refused with. */
function issues(input: unknown): { path: string; message: string }[] {
  const result = whereSchema.safeParse(input);
  if (result.success) throw new Error(`accepted: ${JSON.stringify(input)}`);
  return describeIssues(result.error.issues, 'where');
}

describe('the where language', () => {
  test('equality, null and AND', () => {
    expect(where({ name: 'ada', deleted_at: null, age: 3 })).toEqual({ sql: '"name" = $1 AND "deleted_at" IS NULL AND "age" = $2', params: ['ada', 3] });
    expect(where({})).toEqual({ sql: '', params: [] });
  });

  test('every operator, values always as bind parameters', () => {
    expect(where({ a: { gt: 1, gte: 2, lt: 3, lte: 4 } }).sql).toBe('"a" > $1 AND "a" >= $2 AND "a" < $3 AND "a" <= $4');
    expect(where({ a: { ne: 5 } })).toEqual({ sql: '"a" IS DISTINCT FROM $1', params: [5] });
    expect(where({ a: { ne: null } })).toEqual({ sql: '"a" IS DISTINCT FROM $1', params: [null] });
    expect(where({ a: { in: [1, 2] }, b: { notIn: ['x'] } })).toEqual({ sql: '"a" = ANY($1) AND NOT ("b" = ANY($2))', params: [[1, 2], ['x']] });
    expect(where({ a: { like: 'x%' }, b: { ilike: '%Y' } })).toEqual({ sql: '"a" LIKE $1 AND "b" ILIKE $2', params: ['x%', '%Y'] });
    expect(where({ a: { isNull: true }, b: { isNull: false } }).sql).toBe('"a" IS NULL AND "b" IS NOT NULL');
  });

  test('empty lists: in [] matches nothing, notIn [] every row where the column is not NULL (a NULL never matches notIn)', () => {
    expect(where({ a: { in: [] } }).sql).toBe('false');
    expect(where({ a: { notIn: [] } }).sql).toBe('"a" IS NOT NULL');
  });

  test('update and delete: an empty notIn does not count as a condition for the allowAll guard; an empty in does', () => {
    for (const onlyEmpty of [{ id: { notIn: [] } }, { id: { notIn: [] }, name: { notIn: [] } }]) {
      expect(() => deleteStatement(parseOrThrow(deleteParamsSchema, { table: 'users', where: onlyEmpty }, 'params'))).toThrow(expect.objectContaining({ code: 'POSTGRES_INVALID_PARAMS' }) as PluginError);
      expect(() => updateStatement(parseOrThrow(updateParamsSchema, { table: 'users', data: { a: 1 }, where: onlyEmpty }, 'params'))).toThrow(expect.objectContaining({ code: 'POSTGRES_INVALID_PARAMS' }) as PluginError);
    }
    expect(deleteStatement(parseOrThrow(deleteParamsSchema, { table: 'users', where: { id: { notIn: [] } }, allowAll: true }, 'params')).sql).toBe('DELETE FROM "users" WHERE "id" IS NOT NULL');
    expect(deleteStatement(parseOrThrow(deleteParamsSchema, { table: 'users', where: { id: { notIn: [], gt: 3 } } }, 'params')).sql).toBe('DELETE FROM "users" WHERE "id" > $1 AND "id" IS NOT NULL');
    expect(deleteStatement(parseOrThrow(deleteParamsSchema, { table: 'users', where: { id: { in: [] } } }, 'params')).sql).toBe('DELETE FROM "users" WHERE false');
  });

  test('bytes and tagged values are bind parameters as what they stand for', () => {
    const bytes = Buffer.from([0, 255]);
    expect(where({ b: { $bytea: 'AP8=' }, c: bytes, d: { in: [{ $bytea: 'AP8=' }] } }).params).toEqual([bytes, bytes, [bytes]]);
    expect(where({ doc: { $json: '{"n": 12345678901234567890}' } }).params).toEqual(['{"n": 12345678901234567890}']);
    expect(issues({ b: { $bytea: 'not base64!' } })).toEqual([{ path: 'where.b.$bytea', message: expect.stringContaining('base64') }]);
  });

  test('hostile column names are quoted, hostile values never reach the SQL text', () => {
    const nasty = `x" = '' OR 1=1; DROP TABLE users; --`;
    const built = where({ [nasty]: `'; DROP TABLE users; --\\` });
    expect(built.sql).toBe(`"x"" = '' OR 1=1; DROP TABLE users; --" = $1`);
    expect(built.params).toEqual([`'; DROP TABLE users; --\\`]);
    expect(where({ 'a.b.c': 1, 'ünï 表': 2 }).sql).toBe('"a.b.c" = $1 AND "ünï 表" = $2');
  });

  test('an object value (jsonb) is sent as JSON text, an array as a PostgreSQL array', () => {
    expect(where({ tags: ['a', 'b'] }).params).toEqual([['a', 'b']]);
    expect(where({ doc: { gt: { a: 1 } } }).params).toEqual(['{"a":1}']);
  });
});

describe('refused where objects name the path', () => {
  test('an unknown operator', () => {
    expect(issues({ age: { between: [1, 2] } })).toEqual([{ path: 'where.age.between', message: "unknown key 'between'" }]);
  });

  test('an empty operator object', () => {
    expect(issues({ age: {} })).toEqual([{ path: 'where.age', message: expect.stringContaining('needs at least one of gt, gte') }]);
  });

  test('null where SQL would silently match nothing', () => {
    expect(issues({ a: { gt: null } })[0]).toMatchObject({ path: 'where.a.gt', message: expect.stringContaining('use isNull') });
    expect(issues({ a: { notIn: [1, null] } })[0]).toMatchObject({ path: 'where.a.notIn[1]' });
  });

  test('non-JSON values from in-process callers', () => {
    expect(issues({ at: new Date(Number.NaN) })).toEqual([{ path: 'where.at', message: expect.stringContaining('invalid Date') }]);
    expect(issues({ at: { gt: new Int32Array([1]) } })[0]!.path).toBe('where.at.gt');
    expect(issues({ n: undefined })[0]!.message).toContain('not undefined');
    expect(issues({ n: { in: [{ doc: 10n }] } })[0]!.message).toContain('bigint');
    expect(issues({ n: { lt: Number.NaN } })[0]!.path).toBe('where.n.lt');
  });

  test("a '__proto__' key is refused, never silently dropped (that would widen the match)", () => {
    expect(issues(JSON.parse('{"__proto__": 1, "id": 5}'))).toEqual([{ path: 'where.__proto__', message: expect.stringContaining('__proto__') }]);
  });

  test('bad column names', () => {
    expect(issues({ '': 1 })).toEqual([{ path: 'where', message: "column name '' must be a non-empty name" }]);
    expect(issues({ ['x'.repeat(64)]: 1 })[0]!.message).toContain('at most 63 bytes');
  });
});

describe('statements', () => {
  const parse = <S extends Parameters<typeof parseOrThrow>[0]>(schema: S, input: unknown) => parseOrThrow(schema, input, 'params');

  test('insert: quoted columns, placeholders, returning, schema-qualified table', () => {
    expect(insertStatement(parse(insertParamsSchema, { table: 'app.users', data: { id: 1, doc: { a: 1 } }, returning: ['id'] }))).toEqual({
      sql: 'INSERT INTO "app"."users" ("id", "doc") VALUES ($1, $2) RETURNING "id"',
      params: [1, '{"a":1}'],
    });
    expect(insertStatement(parse(insertParamsSchema, { table: 'users', data: { id: 1 }, returning: true })).sql).toMatch(/ RETURNING \*$/);
  });

  test('update and delete: SET before WHERE in placeholder order; no where needs allowAll', () => {
    expect(updateStatement(parse(updateParamsSchema, { table: 'users', data: { name: 'b' }, where: { id: 1 } }))).toEqual({
      sql: 'UPDATE "users" SET "name" = $1 WHERE "id" = $2',
      params: ['b', 1],
    });
    expect(() => deleteStatement(parse(deleteParamsSchema, { table: 'users', where: {} }))).toThrow(
      expect.objectContaining({ code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.where', message: expect.stringContaining('allowAll') }] } }) as PluginError,
    );
    expect(deleteStatement(parse(deleteParamsSchema, { table: 'users', where: {}, allowAll: true })).sql).toBe('DELETE FROM "users"');
  });

  test('find: select, orderBy with directions, limit and offset as bind parameters', () => {
    const p = parse(findParamsSchema, { table: 'users', where: { a: 1 }, select: ['id', 'name'], orderBy: [{ column: 'name', direction: 'desc' }, 'id'], limit: 10, offset: 20 });
    expect(findStatement(p)).toEqual({ sql: 'SELECT "id", "name" FROM "users" WHERE "a" = $1 ORDER BY "name" DESC, "id" LIMIT $2 OFFSET $3', params: [1, 10, 20] });
    expect(findStatement(parse(findParamsSchema, { table: 'users' }), true).sql).toBe('SELECT * FROM "users" LIMIT 1');
  });

  test('count', () => {
    expect(countStatement(parse(countParamsSchema, { table: 'users', where: { a: { isNull: true } } })).sql).toBe('SELECT count(*) AS count FROM "users" WHERE "a" IS NULL');
  });

  test('the table name must be table or schema.table', () => {
    for (const table of ['', 'a.b.c', '.x', 'x.']) {
      expect(findParamsSchema.safeParse({ table }).success).toBe(false);
    }
  });
});
