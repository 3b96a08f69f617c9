import type { Message } from 'vscode-jsonrpc/node';
import { decodeBatchFrame } from '../../worker/batch/frame-decoding';
import { COPY_CHUNK_ROWS } from '../../worker/batch/row-encoding';
import { FrameOrder } from '../../worker/rpc/frame-order';

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const execute = (params: Record<string, unknown>, operation = 'batchInsert') => ({ jsonrpc: '2.0', id: 7, method: 'execute', params: { instanceId: 'a:b', operation, params } });
const text = (chunk: Uint8Array) => new TextDecoder().decode(chunk);

describe('decodeBatchFrame', () => {
  test('anything but a well-formed execute of batchInsert is left to the event loop', () => {
    expect(decodeBatchFrame(bytes('{"jsonrpc":"2.0","id":1,'))).toBeNull();
    expect(decodeBatchFrame(new Uint8Array([0xc3, 0x28]))).toBeNull();
    expect(decodeBatchFrame(bytes(execute({ sql: 'SELECT 1' }, 'query')))).toBeNull();
    expect(decodeBatchFrame(bytes(execute({ table: 't', records: [], nope: 1 })))).toBeNull();
    expect(decodeBatchFrame(bytes({ jsonrpc: '2.0', method: 'execute', params: execute({ table: 't', records: [] }).params }))).toBeNull();
  });

  test('groups by key set, chunks the COPY text, and notes the columns that held arrays', () => {
    const records = Array.from({ length: 2_500 }, (_, i) => (i === 1 ? { id: i, tags: [1, 2] } : { id: i, name: `n\t${i}` }));
    const frame = execute({ table: 't', records, conflictStrategy: 'ignore' });
    const decoded = decodeBatchFrame(bytes({ ...frame, params: { ...frame.params, progressToken: 'p' } }))!;
    expect(decoded).toMatchObject({ id: 7, instanceId: 'a:b', progressToken: 'p', records: 2_500, params: { table: { name: 't' }, conflictStrategy: 'ignore' } });
    expect(decoded.params).not.toHaveProperty('records');
    const [names, tags] = decoded.groups;
    expect(names).toMatchObject({ columns: ['id', 'name'], count: 2_499, firstRow: 0, arrayColumns: [] });
    expect(names!.chunks.map((c) => text(c).split('\n').length - 1)).toEqual([COPY_CHUNK_ROWS, COPY_CHUNK_ROWS, 499]);
    expect(text(names!.chunks[0]!).split('\n')[0]).toBe('0\tn\\t0');
    expect(tags).toMatchObject({ columns: ['id', 'tags'], count: 1, firstRow: 1, arrayColumns: ['tags'] });
    expect(text(tags!.chunks[0]!)).toBe('1\t[1,2]\n');
    const asArrays = decodeBatchFrame(bytes(execute({ table: 't', records })), ['tags'])!;
    expect(text(asArrays.groups[1]!.chunks[0]!)).toBe('1\t{1,2}\n');
  });

  test('reports the first bad record or value by its index in the batch', () => {
    expect(decodeBatchFrame(bytes(execute({ table: 't', records: [{ a: 1 }, [1]] })))!.recordProblem).toEqual({ path: 'records[1]', message: expect.any(String) });
    const records = [{ a: 'x' }, { b: 1 }, { a: 'y' }, { b: 'NUL\u0000' }];
    const decoded = decodeBatchFrame(bytes(execute({ table: 't', records })))!;
    expect(decoded.valueProblem).toEqual({ record: 3, column: 'b', message: expect.stringContaining('NUL') });
    expect(decoded.groups.map((g) => g.chunks.length)).toEqual([1, 0]);
  });
});

describe('FrameOrder', () => {
  const msg = (id: number, transactionId?: string) => ({ jsonrpc: '2.0', id, method: 'execute', params: { params: { transactionId } } }) as unknown as Message;

  test('messages that may depend on a frame still decoding wait for it; the rest go on', async () => {
    const delivered: string[] = [];
    const order = new FrameOrder(
      (m) => (m as unknown as { params: { params: { transactionId?: string } } }).params.params.transactionId === undefined,
      (m) => delivered.push(`message ${(m as unknown as { id: number }).id}`),
    );
    expect(order.holds(msg(1, 'tx'))).toBe(false); // nothing pending: nothing waits
    let release!: (v: string) => void;
    order.frame(new Promise<string>((resolve) => (release = resolve)), (outcome) => delivered.push(`frame ${'value' in outcome ? outcome.value : 'failed'}`));
    order.frame(Promise.reject(new Error('thread died')), (outcome) => delivered.push(`frame ${'value' in outcome ? outcome.value : 'failed'}`));
    expect(order.holds(msg(2, 'tx'))).toBe(true);
    expect(order.holds(msg(3))).toBe(false);
    expect(order.holds(msg(4, 'tx'))).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(delivered).toEqual([]); // the second frame is settled but must wait for the first
    release('A');
    await new Promise((r) => setImmediate(r));
    expect(delivered).toEqual(['frame A', 'frame failed', 'message 2', 'message 4']);
    expect(order.holds(msg(5, 'tx'))).toBe(false);
  });
});
