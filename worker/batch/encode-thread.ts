/** piscina thread: encodes one chunk of a large batch as COPY text, off the worker's event loop. */
import { move } from 'piscina';
import type { EncodeTask } from './encoding-pool';
import { encodeCopyChunk, type ValueProblem } from './row-encoding';

const encoder = new TextEncoder();

export default function encode(task: EncodeTask): unknown {
  const encoded = encodeCopyChunk(task.records, task.columns, task.kinds);
  if (!('text' in encoded)) return encoded satisfies ValueProblem;
  // TextEncoder gives the bytes a buffer of their own (not a slice of Node's shared pool),
  // which can be moved to the event loop without a copy.
  return move(encoder.encode(encoded.text));
}
