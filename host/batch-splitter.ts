import { PluginErrorCode } from '../shared/error-codes';
import { invalidParams, type ValidationIssue } from '../shared/validation';
import type { PluginResult } from './envelope';

/**
 * Records per request when the host splits a large batchInsert. Measured
 * (`npm run bench -- batch`): 5,000 records (~750 KB of JSON, ~7 ms of
 * JSON.stringify on the host's event loop) with two requests in flight
 * keeps the server busy while the host's and the worker's pauses stay short.
 */
export const HOST_BATCH_RECORDS = 5_000;

/**
 * Requests of one split batch in flight at once. Requests on one handle run
 * one after the other in the worker, in arrival order, so sending the next
 * while this one runs overlaps its encoding, transfer and decoding with the
 * server's inserts.
 */
const IN_FLIGHT = 2;

type Execute = <T>(operation: string, params: Record<string, unknown>) => Promise<PluginResult<T>>;

interface Counts {
  inserted: number;
  updated: number;
  skipped: number;
}

/**
 * A large `batchInsert` as several requests of at most HOST_BATCH_RECORDS
 * records inside one transaction handle: neither the host nor the worker
 * ever stops for one huge message, progress comes after each request, and
 * the batch stays all-or-nothing. Inside the caller's own `transactionId`
 * the requests join it under a savepoint, which undoes them if one is refused.
 */
export async function splitBatchInsert(
  execute: Execute,
  params: Record<string, unknown>,
  onProgress?: (done: number, total: number) => void,
): Promise<PluginResult<Counts>> {
  const records = params.records as unknown[];
  const total = records.length;
  const callerTransaction = typeof params.transactionId === 'string' ? params.transactionId : undefined;
  let transactionId = callerTransaction;
  if (transactionId === undefined) {
    const begun = await execute<{ transactionId: string }>('beginTransaction', {});
    if (!begun.success) return begun;
    transactionId = begun.data.transactionId;
  } else {
    // In the caller's transaction, a savepoint undoes the chunks already sent if a later one is refused.
    const saved = await execute('execute', { sql: 'SAVEPOINT postgres_plugin_split_batch', transactionId });
    if (!saved.success) return saved as PluginResult<Counts>;
  }
  const counts: Counts = { inserted: 0, updated: 0, skipped: 0 };
  const inFlight: { start: number; size: number; res: Promise<PluginResult<Counts>> }[] = [];
  let failure: PluginResult<Counts> | undefined;
  for (let start = 0; start < total || inFlight.length > 0; ) {
    while (failure === undefined && start < total && inFlight.length < IN_FLIGHT) {
      const chunk = records.slice(start, start + HOST_BATCH_RECORDS);
      inFlight.push({ start, size: chunk.length, res: execute<Counts>('batchInsert', { ...params, records: chunk, transactionId }) });
      start += chunk.length;
    }
    if (inFlight.length === 0) break;
    const { start: at, size, res: pending } = inFlight.shift()!;
    const res = await pending;
    if (!res.success) {
      failure ??= at === 0 ? res : renumber<Counts>(res, at);
      continue;
    }
    if (failure !== undefined) continue;
    counts.inserted += res.data.inserted;
    counts.updated += res.data.updated;
    counts.skipped += res.data.skipped;
    onProgress?.(Math.min(total, at + size), total);
  }
  if (failure !== undefined && !failure.success) {
    if (callerTransaction === undefined) await execute('rollback', { transactionId });
    else if (failure.error.code === PluginErrorCode.INVALID_PARAMS) {
      await execute('execute', { sql: 'ROLLBACK TO SAVEPOINT postgres_plugin_split_batch', transactionId });
    }
    return callerTransaction === undefined ? asOneStatement<Counts>(failure) : failure;
  }
  if (callerTransaction === undefined) {
    const committed = await execute('commit', { transactionId });
    if (!committed.success) return committed as PluginResult<Counts>;
  } else {
    await execute('execute', { sql: 'RELEASE SAVEPOINT postgres_plugin_split_batch', transactionId });
  }
  return { success: true, data: counts };
}

/** The record index at the start of an issue path (the wire's root: `params`). */
const RECORD_PATH = /^params\.records\[(\d+)\]/;

/**
 * A refusal of the request that started at record `offset`, with its record
 * indexes made the whole batch's. The message is rebuilt from the shifted
 * issues the way the worker built it (invalidParams), so no text is parsed.
 */
function renumber<T>(res: PluginResult<T>, offset: number): PluginResult<T> {
  if (res.success || res.error.code !== PluginErrorCode.INVALID_PARAMS) return res;
  const issues = res.error.details.issues;
  if (!Array.isArray(issues)) return res;
  const shifted = (issues as ValidationIssue[]).map((i) => ({ ...i, path: i.path.replace(RECORD_PATH, (_, n: string) => `params.records[${Number(n) + offset}]`) }));
  const rebuilt = invalidParams(shifted, res.error.details);
  return { success: false, error: { ...res.error, message: rebuilt.message, details: rebuilt.details } };
}

/**
 * The handle is the splitter's own: a statement failing in it is reported as
 * the same error an unsplit batch gives (`POSTGRES_QUERY_FAILED`, rolled back),
 * with the statement's own message (`details.statementMessage`).
 */
function asOneStatement<T>(res: PluginResult<T>): PluginResult<T> {
  if (res.success || res.error.code !== PluginErrorCode.TRANSACTION_FAILED) return res;
  const { transactionId: _t, reason: _r, statementMessage, ...details } = res.error.details;
  const message = typeof statementMessage === 'string' ? statementMessage : res.error.message;
  return { success: false, error: { ...res.error, code: PluginErrorCode.QUERY_FAILED, message, details: { ...details, rolledBack: true } } };
}
