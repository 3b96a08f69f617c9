/** piscina thread: encodes one chunk of a large batch off the worker's event loop. */
import { encodeChunk, type EncodedChunk } from './row-encoding';

export default function encode(task: { records: unknown[]; indexes: number[]; columns: string[] }): EncodedChunk {
  return encodeChunk(task.records, task.indexes, task.columns);
}
