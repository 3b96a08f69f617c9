/** piscina thread: the CPU-heavy part of large batches, off the worker's event loop. */
import { move } from 'piscina';
import type { EncodeTask } from './encoding-pool';
import { decodeBatchFrame, type DecodedBatchFrame } from './frame-decoding';
import { encodeCopyChunk, type ValueProblem } from './row-encoding';

const encoder = new TextEncoder();

/** One chunk of records (cloned from the event loop) as COPY text. */
export default function encode(task: EncodeTask): unknown {
  const encoded = encodeCopyChunk(task.records, task.columns, task.kinds);
  if (!('text' in encoded)) return encoded satisfies ValueProblem;
  // TextEncoder gives the bytes a buffer of their own (not a slice of Node's shared pool),
  // which can be moved to the event loop without a copy.
  return move(encoder.encode(encoded.text));
}

/** A whole `batchInsert` frame, from its bytes: see frame-decoding. */
export function decodeFrame(task: { body: Uint8Array; arrayColumns: string[] }): DecodedBatchFrame | null {
  return decodeBatchFrame(task.body, task.arrayColumns);
}
