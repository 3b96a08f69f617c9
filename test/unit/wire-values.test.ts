import { bindParamsSchema } from '../../shared/bind-params';
import { insertParamsSchema } from '../../shared/crud-params';
import { describeIssues } from '../../shared/validation';
import { checkOperationParams } from '../../shared/wire-params';

/** The one value checker, as the host runs it before sending and the worker's schemas run it on what they got. */

const sent = (operation: string, params: Record<string, unknown>) => {
  const checked = checkOperationParams(operation, params);
  if ('problem' in checked) throw new Error(`refused: ${checked.problem.path.join('.')}: ${checked.problem.message}`);
  return checked.params;
};
const problem = (operation: string, params: Record<string, unknown>) => {
  const checked = checkOperationParams(operation, params);
  if ('params' in checked) throw new Error('accepted');
  return checked.problem;
};

describe('the host, before sending', () => {
  test('bytes become { $bytea: base64 }, -0 becomes "-0"; the caller\'s objects are not changed, and are the same objects when nothing changes', () => {
    const bytes = Buffer.from([1, 2, 255]);
    const params = { sql: 'x', params: [bytes, [bytes], { doc: bytes }, -0, 1] };
    expect(sent('query', params)).toEqual({ sql: 'x', params: [{ $bytea: 'AQL/' }, [{ $bytea: 'AQL/' }], { doc: { $bytea: 'AQL/' } }, '-0', 1] });
    expect(params.params[0]).toBe(bytes);
    const plain = { sql: 'x', params: [1, 'a', { b: [true, null] }] };
    expect(sent('query', plain)).toBe(plain);
    const records = [{ id: 1 }, { id: 2, b: new Uint8Array([0]) }];
    const out = sent('batchInsert', { table: 't', records }) as { records: unknown[] };
    expect(out.records[0]).toBe(records[0]);
    expect(out.records[1]).toEqual({ id: 2, b: { $bytea: 'AA==' } });
  });

  test('a Date or an object with toJSON goes as JSON would send it; an invalid Date, or a toJSON that throws, is refused (not reported as a crash)', () => {
    const at = new Date(0);
    expect(sent('query', { sql: 'x', params: [at, { toJSON: () => 'as text' }] })).toEqual({ sql: 'x', params: [at, 'as text'] });
    expect(problem('query', { sql: 'x', params: [new Date(Number.NaN)] })).toEqual({ path: ['params', 0], message: 'is an invalid Date' });
    const throwing = { toJSON: () => { throw new Error('boom'); } };
    expect(problem('query', { sql: 'x', params: [1, throwing] })).toEqual({ path: ['params', 1], message: expect.stringContaining('boom') });
  });

  test('fields that hold no values are checked only for what JSON cannot carry', () => {
    expect(problem('query', { sql: 'x', timeout: Number.NaN }).path).toEqual(['timeout']);
    expect(sent('query', { sql: 'x\ud800', timeout: undefined })).toEqual({ sql: 'x\ud800', timeout: undefined });
    // Operation and key names are looked up as own keys only.
    expect(sent('constructor', { constructor: 1, toString: 'x' })).toEqual({ constructor: 1, toString: 'x' });
  });

  test('a cycle is named where it closes; nesting past 64 levels where it passes them', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(problem('query', { sql: 'x', params: [a] })).toEqual({ path: ['params', 0, 0], message: expect.stringContaining('circular') });
    const deep = Array.from({ length: 70 }).reduce<unknown>((inner) => ({ a: inner }), 1);
    expect(problem('insert', { table: 't', data: { doc: deep } }).path).toEqual(['data', 'doc', ...Array<string>(64).fill('a')]);
  });
});

describe('the worker, on what it received', () => {
  test('tagged values become what they stand for; a bad tag is refused at the tag', () => {
    expect(bindParamsSchema.parse([{ $bytea: 'AQL/' }, [{ $bytea: 'AA==' }], { $json: '[1]' }, { doc: { $bytea: 'x' } }])).toEqual([
      Buffer.from([1, 2, 255]),
      [Buffer.from([0])],
      '[1]',
      { doc: { $bytea: 'x' } },
    ]);
    const result = bindParamsSchema.safeParse([{ $bytea: 'AQL' }]);
    expect(result.success || describeIssues(result.error.issues, 'params')).toEqual([{ path: 'params[0].$bytea', message: expect.stringContaining('base64') }]);
    const insert = insertParamsSchema.safeParse({ table: 't', data: { b: { $json: 5 } } });
    expect(insert.success || describeIssues(insert.error.issues, 'params')).toEqual([{ path: 'params.data.b.$json', message: expect.stringContaining('must be a string') }]);
  });

  test('a lone surrogate in text is refused; inside a JSON document, and as a pair, it is fine', () => {
    expect(bindParamsSchema.safeParse(['ok', 'a\udc00']).success).toBe(false);
    expect(bindParamsSchema.parse([{ s: 'a\udc00' }, '\ud83d\ude00'])).toEqual([{ s: 'a\udc00' }, '\ud83d\ude00']);
  });
});
