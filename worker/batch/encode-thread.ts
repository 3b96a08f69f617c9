/** piscina thread: encodes a large batch off the worker's event loop. */
import { encodeRecords, type EncodeResult } from './row-encoding';

export default function encode(task: { records: unknown[]; chunkRows: number }): EncodeResult {
  return encodeRecords(task.records, task.chunkRows);
}
