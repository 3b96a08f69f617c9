import fs from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';
import { encodeChunk, type EncodedChunk } from './row-encoding';

/** Batches at least this large are encoded on a thread. */
export const THREAD_THRESHOLD = 5_000;

/** `POSTGRES_PLUGIN_PISCINA=0` keeps encoding on the event loop (for comparison benchmarks). */
const threadsEnabled = process.env.POSTGRES_PLUGIN_PISCINA !== '0';

let pool: Piscina | undefined;

/** The compiled thread file (when this module runs from source, as in tests, the built one in dist/). */
const THREAD_FILE =
  [path.join(__dirname, 'encode-thread.js'), path.join(__dirname, '..', '..', 'dist', 'worker', 'batch', 'encode-thread.js')].find((f) =>
    fs.existsSync(f),
  ) ?? path.join(__dirname, 'encode-thread.js');

/**
 * Encodes one chunk, on a piscina thread when the batch is large, so one
 * tenant's 100k-row batch does not stall other requests on this worker.
 * `batchSize` is the whole batch's record count.
 */
export async function encodeChunkOffLoop(records: unknown[], indexes: number[], columns: string[], batchSize: number): Promise<EncodedChunk> {
  if (!threadsEnabled || batchSize < THREAD_THRESHOLD) return encodeChunk(records, indexes, columns);
  pool ??= new Piscina({
    filename: THREAD_FILE,
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: 30_000,
  });
  return (await pool.run({ records, indexes, columns })) as EncodedChunk;
}

/** Ends the threads (worker shutdown). */
export async function closeEncodingPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.destroy();
}
