/**
 * `PluginManager.stream`: a result of any size as batches of rows, read
 * through a cursor in the worker (openCursor, fetch, closeCursor). Memory
 * stays bounded on both sides: the worker holds at most the batch it is
 * reading, the host the batch the consumer holds plus the next one, asked for
 * as soon as the consumer takes the current one (one batch ahead, so the
 * server, the worker and the consumer work at the same time). Leaving the
 * loop early (`break`, an exception, an AbortSignal) closes the cursor on the
 * server; a batch being read is cancelled there.
 */
import { PluginErrorCode } from '../shared/error-codes';
import type { FetchResult, OpenCursorResult } from '../shared/cursor-params';
import { PluginError } from '../shared/plugin-error';
import { objectRows } from './compact-rows';
import type { PluginResult } from './envelope';

/** What to stream: a statement, and how to read it. */
export interface StreamQuery {
  sql: string;
  params?: unknown[];
  /** Rows per batch (default 1000, at most 100,000). */
  batchSize?: number;
  /** `array`: each row as an array of column values, in `fields` order; default objects. */
  rowMode?: 'object' | 'array';
  /** Read inside this open transaction handle, in its snapshot. */
  transactionId?: string;
  /** The cursor is closed after this long between batches (ms; default the instance's `options.cursorIdleTimeout`). */
  idleTimeout?: number;
  /** Bound of each batch on the server (ms; default the instance's `options.queryTimeout`). */
  timeout?: number;
}

export interface StreamOptions {
  /** Abort → the batch being read is cancelled, the cursor closed, and the loop throws POSTGRES_QUERY_CANCELLED. */
  signal?: AbortSignal;
}

/** One call into the worker of the stream's instance. */
export type StreamCall = <T>(operation: string, params: Record<string, unknown>, signal?: AbortSignal) => Promise<PluginResult<T>>;

/** The batches of `query`'s result, in order; throws a PluginError when the statement or a fetch fails. */
export async function* streamRows<Row>(call: StreamCall, query: StreamQuery, options: StreamOptions = {}): AsyncGenerator<Row[], void, undefined> {
  const signal = options.signal;
  const objects = query.rowMode !== 'array';
  const opened = await call<OpenCursorResult>('openCursor', { ...query, rowMode: 'array' }, signal);
  if (!opened.success) throw asError(opened);
  const { cursorId, fields } = opened.data;
  const fetchNext = (): Promise<PluginResult<FetchResult<unknown[]>>> =>
    call<FetchResult<unknown[]>>('fetch', { cursorId, ...(query.timeout !== undefined ? { timeout: query.timeout } : {}) }, signal);
  /** Whether the worker has ended the cursor itself (read to its end, or a failed fetch). */
  let ended = false;
  let next = fetchNext();
  try {
    for (;;) {
      const res = await next;
      if (!res.success) {
        ended = res.error.code !== PluginErrorCode.RESULT_TOO_LARGE;
        throw asError(res);
      }
      ended = res.data.done;
      // One batch ahead: the next one is on its way while the consumer works on this one.
      if (!ended) next = fetchNext();
      const rows = res.data.rows;
      if (rows.length > 0) yield (objects ? objectRows(rows, fields) : rows) as Row[];
      if (ended) return;
    }
  } finally {
    // Left early: close on the server (without the signal, which may have fired: the close must happen).
    if (!ended) await call('closeCursor', { cursorId });
  }
}

function asError(res: PluginResult<unknown> & { success: false }): PluginError {
  const e = res.error;
  return new PluginError(e.code as PluginErrorCode, e.message, e.details, e.retryable);
}
