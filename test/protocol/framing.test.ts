import { PassThrough } from 'node:stream';
import type { Message } from 'vscode-jsonrpc/node';
import { FramedMessageReader, FramingError, type InvalidMessage } from '../../shared/transport/message-reader';
import { FramedMessageWriter } from '../../shared/transport/message-writer';
import type { Framing } from '../../shared/transport/framing';
import { framed as frame } from '../support/frames';

function setup(framing: Framing, maxMessageBytes?: number) {
  const stream = new PassThrough();
  const messages: Message[] = [];
  const invalid: InvalidMessage[] = [];
  const errors: Error[] = [];
  const reader = new FramedMessageReader(stream, { framing, onInvalidMessage: (m) => invalid.push(m), ...(maxMessageBytes ? { maxMessageBytes } : {}) });
  reader.onError((e) => errors.push(e));
  reader.listen((m) => messages.push(m));
  return { stream, messages, invalid, errors };
}

test('frames split anywhere, several per chunk, and multi-byte UTF-8 are read exactly', async () => {
  const { stream, messages } = setup('content-length');
  const a = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'm', params: { s: 'héllo ✓ 日本' } });
  const b = JSON.stringify({ jsonrpc: '2.0', method: 'n' });
  const bytes = Buffer.from(frame(a) + frame(b) + frame(a));
  for (let i = 0; i < bytes.length; i += 7) stream.write(bytes.subarray(i, i + 7));
  await new Promise((r) => setImmediate(r));
  expect(messages).toEqual([JSON.parse(a), JSON.parse(b), JSON.parse(a)]);
});

test('a large message in many reads is joined once complete, in both framings; large bodies can be offloaded unparsed', async () => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'm', params: { s: 'é'.repeat(200_000) } });
  const small = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'n' });
  for (const framing of ['content-length', 'ndjson'] as const) {
    const { stream, messages } = setup(framing);
    const bytes = Buffer.from(framing === 'ndjson' ? `${big}\n${small}\n` : frame(big) + frame(small));
    for (let i = 0; i < bytes.length; i += 65_536) stream.write(bytes.subarray(i, i + 65_536));
    await new Promise((r) => setImmediate(r));
    expect(messages).toEqual([JSON.parse(big), JSON.parse(small)]);
  }
  const stream = new PassThrough();
  const taken: Buffer[] = [];
  const messages: Message[] = [];
  const reader = new FramedMessageReader(stream, { framing: 'content-length', onInvalidMessage: () => undefined, offload: { minBytes: 1_000, take: (body) => (taken.push(Buffer.from(body)), true) } });
  reader.listen((m) => messages.push(m));
  stream.write(frame(big) + frame(small));
  await new Promise((r) => setImmediate(r));
  expect(taken.map((b) => b.toString())).toEqual([big]);
  expect(messages).toEqual([JSON.parse(small)]);
  reader.parseBody(taken[0]!);
  expect(messages).toEqual([JSON.parse(small), JSON.parse(big)]);
});

test('bad bodies are reported and skipped; the stream stays usable', async () => {
  const { stream, messages, invalid, errors } = setup('content-length');
  stream.write(frame('{nope'));
  stream.write(frame('{"jsonrpc":"2.0","id":4,"method":7}'));
  stream.write(Buffer.concat([Buffer.from('Content-Length: 2\r\n\r\n'), Buffer.from([0xc3, 0x28])]));
  stream.write(frame('{"jsonrpc":"2.0","id":5,"method":"ok"}'));
  await new Promise((r) => setImmediate(r));
  expect(invalid.map((i) => [i.code, i.id])).toEqual([
    [-32700, null],
    [-32600, 4],
    [-32700, null],
  ]);
  expect(messages).toEqual([{ jsonrpc: '2.0', id: 5, method: 'ok' }]);
  expect(errors).toEqual([]);
});

test('a broken header or an oversized frame loses the framing', async () => {
  const broken = setup('content-length');
  broken.stream.write('Content-Length: abc\r\n\r\n{}');
  const huge = setup('content-length', 1024);
  huge.stream.write('Content-Length: 4096\r\n\r\n');
  await new Promise((r) => setImmediate(r));
  expect(broken.errors[0]).toBeInstanceOf(FramingError);
  expect(huge.errors[0]?.message).toMatch(/exceeds the limit of 1024/);
});

test('ndjson: one message per line', async () => {
  const { stream, messages, invalid } = setup('ndjson');
  stream.write('{"jsonrpc":"2.0","id":1,"method":"a"}\n{"jsonrpc":"2.0","id":2,');
  stream.write('"method":"b"}\r\nnot json\n');
  await new Promise((r) => setImmediate(r));
  expect(messages.map((m) => (m as unknown as { id: number }).id)).toEqual([1, 2]);
  expect(invalid).toHaveLength(1);
});

test('the writer coalesces one turn of messages into one write and frames them', async () => {
  const out = new PassThrough();
  const writes: string[] = [];
  const realWrite = out.write.bind(out);
  out.write = ((chunk: string) => {
    writes.push(String(chunk));
    return realWrite(chunk);
  }) as typeof out.write;
  const writer = new FramedMessageWriter(out, 'content-length');
  for (let id = 1; id <= 3; id++) void writer.write({ jsonrpc: '2.0', id, result: 'ü' } as Message);
  await new Promise((r) => setImmediate(r));
  expect(writes).toHaveLength(1);
  const { stream, messages } = setup('content-length');
  stream.write(writes[0]!);
  await new Promise((r) => setImmediate(r));
  expect(messages.map((m) => (m as unknown as { id: number }).id)).toEqual([1, 2, 3]);
});
