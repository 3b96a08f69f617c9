import { z } from 'zod';
import { bindParamsSchema } from './bind-params';
import { sqlTextSchema } from './sql-text';
import { timeoutMsSchema } from './timeout-limits';

/**
 * Params of the cursor operations (docs/plugin-api.md#cursors): a result of
 * any size read in batches. Declarations only.
 */

/** Rows per fetch when neither openCursor nor fetch says. */
export const DEFAULT_CURSOR_BATCH = 1000;
/** The most rows one fetch may ask for. */
export const MAX_CURSOR_BATCH = 100_000;

const batchSize = z.number().int().min(1).max(MAX_CURSOR_BATCH);
const cursorId = z.string().min(1).max(200);

export const openCursorParamsSchema = z
  .object({
    sql: sqlTextSchema('statement'),
    params: bindParamsSchema.optional(),
    /** Rows of each fetch that names no count (and of the first batch, read when the cursor opens). */
    batchSize: batchSize.optional(),
    rowMode: z.enum(['object', 'array']).optional(),
    /** Read inside this open transaction handle, in its snapshot. */
    transactionId: z.string().min(1).max(200).optional(),
    /** Closed after this long without a fetch (ms); default `options.cursorIdleTimeout`. */
    idleTimeout: timeoutMsSchema.optional(),
    /** Statement timeout of each batch the server produces (ms); default `options.queryTimeout`. */
    timeout: timeoutMsSchema.optional(),
  })
  .strict();
export type OpenCursorParams = z.output<typeof openCursorParamsSchema>;

export const fetchParamsSchema = z.object({ cursorId, count: batchSize.optional(), timeout: timeoutMsSchema.optional() }).strict();
export type FetchParams = z.output<typeof fetchParamsSchema>;

export const closeCursorParamsSchema = z.object({ cursorId, timeout: timeoutMsSchema.optional() }).strict();
export type CloseCursorParams = z.output<typeof closeCursorParamsSchema>;

/** openCursor's answer: the cursor's id and its columns. */
export interface OpenCursorResult {
  cursorId: string;
  fields: { name: string; dataTypeID: number }[];
}

/** fetch's answer: up to `count` rows; `done` once the result is read to its end (the cursor is closed then). */
export interface FetchResult<Row = Record<string, unknown>> {
  rows: Row[];
  done: boolean;
}
