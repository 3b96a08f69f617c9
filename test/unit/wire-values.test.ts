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

  test('a Date goes as its ISO-8601 UTC text, an object with toJSON as JSON would send it; an invalid Date, or a toJSON that throws, is refused (not reported as a crash)', () => {
    const at = new Date(0);
    expect(sent('query', { sql: 'x', params: [at, { toJSON: () => 'as text' }] })).toEqual({ sql: 'x', params: ['1970-01-01T00:00:00.000Z', 'as text'] });
    expect(problem('query', { sql: 'x', params: [new Date(Number.NaN)] })).toEqual({ path: ['params', 0], message: 'is an invalid Date (its time is NaN)' });
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

describe('one value model for Date, bigint, bytes and typed arrays, host and worker alike', () => {
  const received = (operation: 'query' | 'insert', params: Record<string, unknown>) => {
    const schema = operation === 'query' ? bindParamsSchema : insertParamsSchema;
    const result = schema.safeParse(operation === 'query' ? params.params : params);
    return result.success ? { value: result.data } : { issues: describeIssues(result.error.issues, 'params') };
  };
  const at = new Date(Date.UTC(2024, 1, 29, 12, 30, 45, 678));

  test('a Date is its ISO-8601 UTC text in a bind parameter, a column value and inside a document', () => {
    expect(sent('query', { sql: 'x', params: [at, [at], { when: at }] })).toEqual({ sql: 'x', params: ['2024-02-29T12:30:45.678Z', ['2024-02-29T12:30:45.678Z'], { when: '2024-02-29T12:30:45.678Z' }] });
    expect(sent('insert', { table: 't', data: { at, doc: { at } } })).toEqual({ table: 't', data: { at: '2024-02-29T12:30:45.678Z', doc: { at: '2024-02-29T12:30:45.678Z' } } });
    expect(received('query', { params: [at] })).toEqual({ value: ['2024-02-29T12:30:45.678Z'] });
    expect(received('insert', { table: 't', data: { at } })).toMatchObject({ value: { data: { at: '2024-02-29T12:30:45.678Z' } } });
  });

  test('a bigint is its decimal text at a value position; inside a JSON document it is refused with what to send', () => {
    const big = 2n ** 63n - 1n;
    expect(sent('query', { sql: 'x', params: [big, [big]] })).toEqual({ sql: 'x', params: ['9223372036854775807', ['9223372036854775807']] });
    expect(sent('insert', { table: 't', data: { n: big } })).toEqual({ table: 't', data: { n: '9223372036854775807' } });
    expect(received('insert', { table: 't', data: { n: big } })).toMatchObject({ value: { data: { n: '9223372036854775807' } } });
    expect(problem('insert', { table: 't', data: { doc: { n: big } } })).toEqual({ path: ['data', 'doc', 'n'], message: expect.stringContaining('$json') });
    expect(received('insert', { table: 't', data: { doc: { n: big } } })).toEqual({ issues: [{ path: 'params.data.doc.n', message: expect.stringContaining('$json') }] });
  });

  test.each([
    ['Int32Array', new Int32Array([1, 2])],
    ['Float64Array', new Float64Array([1.5])],
    ['Uint16Array', new Uint16Array([1])],
    ['Uint8ClampedArray', new Uint8ClampedArray([1])],
    ['DataView', new DataView(new ArrayBuffer(2))],
    ['ArrayBuffer', new ArrayBuffer(2)],
    ['Map', new Map([['a', 1]])],
    ['Set', new Set([1])],
  ])('a %s (which JSON would change into something else) is refused at its path, on both sides and at every position', (name, value) => {
    for (const params of [{ sql: 'x', params: [1, value] }, { sql: 'x', params: [[value]] }, { sql: 'x', params: [{ doc: value }] }]) {
      expect(problem('query', params).message).toContain(name);
    }
    expect(problem('insert', { table: 't', data: { v: value } })).toEqual({ path: ['data', 'v'], message: expect.stringContaining(name) });
    expect(received('query', { params: [1, value] })).toEqual({ issues: [{ path: 'params[1]', message: expect.stringContaining(name) }] });
    expect(received('insert', { table: 't', data: { v: value } })).toEqual({ issues: [{ path: 'params.data.v', message: expect.stringContaining(name) }] });
  });

  test('bytes of any Uint8Array (a Buffer, or a view into a larger buffer) are exactly its bytes', () => {
    const whole = new Uint8Array([9, 1, 2, 3, 9]);
    const view = whole.subarray(1, 4);
    expect(sent('query', { sql: 'x', params: [view] })).toEqual({ sql: 'x', params: [{ $bytea: 'AQID' }] });
    expect(received('query', { params: [{ $bytea: 'AQID' }] })).toEqual({ value: [Buffer.from([1, 2, 3])] });
  });
});
