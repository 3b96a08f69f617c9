import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Piscina } from 'piscina';
import type { DecodedBatchFrame } from './frame-decoding';
import { encodeCopyChunk, type ColumnKind, type ValueProblem } from './row-encoding';

/** Batches of at least this many records are encoded on piscina threads. */
export const THREAD_THRESHOLD = 5_000;

/** `POSTGRES_PLUGIN_PISCINA=0` keeps encoding on the event loop (for comparison benchmarks). */
const threadsEnabled = process.env.POSTGRES_PLUGIN_PISCINA !== '0';

/**
 * The compiled thread file beside this one; when this module runs in the
 * worker's bundle (dist/worker/program.bundle.js), the one in batch/ beside
 * it; when it runs from source (ts-jest), the built one in dist/. piscina
 * loads it with require().
 */
const THREAD_FILE =
  [
    path.join(__dirname, 'encode-thread.js'),
    path.join(__dirname, 'batch', 'encode-thread.js'),
    path.join(__dirname, '..', '..', 'dist', 'worker', 'batch', 'encode-thread.js'),
  ].find((file) => fs.existsSync(file)) ?? path.join(__dirname, 'encode-thread.js');

/** One chunk to encode. */
export interface EncodeTask {
  records: unknown[];
  columns: string[];
  kinds: ColumnKind[];
}

let pool: Piscina | undefined;

function threads(): Piscina {
  // One batch keeps one chunk in flight on a thread; more threads serve concurrent batches.
  // Leave a CPU for the event loop (and, on small machines, for PostgreSQL).
  const maxThreads = Math.max(1, Math.min(4, os.availableParallelism() - 1));
  // Loaded on first use: a worker that never sees a large batch never loads piscina.
  pool ??= new (require('piscina') as typeof import('piscina')).Piscina({ filename: THREAD_FILE, minThreads: 1, maxThreads, idleTimeout: 30_000 });
  return pool;
}

/**
 * Encodes one chunk as COPY text: on a piscina thread when the batch is large
 * (`onThread`), so one tenant's 100k-row batch doesn't stall other requests on
 * this worker's event loop; else right here. Resolves with the COPY bytes, or
 * the first value that can't be encoded.
 */
export async function encodeChunk(task: EncodeTask, onThread: boolean): Promise<Buffer | ValueProblem> {
  if (!onThread) {
    // Yield first: chunks encoded here one after another must let other requests in between.
    await nextTurn();
    const encoded = encodeCopyChunk(task.records, task.columns, task.kinds);
    return 'text' in encoded ? Buffer.from(encoded.text, 'utf8') : encoded;
  }
  const result = (await threads().run(task)) as Uint8Array | ValueProblem;
  return result instanceof Uint8Array ? Buffer.from(result.buffer, result.byteOffset, result.byteLength) : result;
}

/**
 * Frames at least this large are handed to a thread as bytes when they may be
 * a `batchInsert` (a 10,000-record batch is about 1.5 MB): parsing one on the
 * event loop would stall every other request for milliseconds per megabyte.
 */
export const FRAME_OFFLOAD_BYTES = 256 * 1024;

/** Whether large frames are decoded on threads (off with `POSTGRES_PLUGIN_PISCINA=0`). */
export const offloadsFrames = threadsEnabled;

/**
 * Decodes a frame on a thread (see frame-decoding): the batch's envelope and
 * COPY bytes, or null when the frame is not a well-formed batchInsert.
 */
export async function decodeFrameOnThread(body: Uint8Array, arrayColumns: string[] = []): Promise<DecodedBatchFrame | null> {
  return (await threads().run({ body, arrayColumns }, { name: 'decodeFrame' })) as DecodedBatchFrame | null;
}

/** Whether a batch of `records` records is encoded on threads. */
export function encodesOnThreads(records: number): boolean {
  return threadsEnabled && records >= THREAD_THRESHOLD;
}

/**
 * Ends the threads. The worker calls it on shutdown (RpcServer.stop); an
 * in-process user may call it too, though idle threads never keep a process alive.
 */
export async function closeEncodingPool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.destroy();
}
