import type { PluginResult } from './envelope';

/** Records per request when the host splits a large batchInsert. */
export const HOST_BATCH_RECORDS = 10_000;

type Execute = <T>(operation: string, params: Record<string, unknown>) => Promise<PluginResult<T>>;

interface Counts {
  inserted: number;
  updated: number;
  skipped: number;
}

/**
 * A large `batchInsert` as several requests of at most 10,000 records inside
 * one transaction handle: the worker never parses one huge message (which
 * would block its event loop, and every other tenant's request on it, for
 * the whole parse), and the batch stays all-or-nothing. Inside the caller's
 * own `transactionId` the chunks simply join it.
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
  for (let start = 0; start < total; start += HOST_BATCH_RECORDS) {
    const chunk = records.slice(start, start + HOST_BATCH_RECORDS);
    const res = await execute<Counts>('batchInsert', { ...params, records: chunk, transactionId });
    if (!res.success) {
      if (callerTransaction === undefined) await execute('rollback', { transactionId });
      else if (res.error.code === 'POSTGRES_INVALID_PARAMS') {
        await execute('execute', { sql: 'ROLLBACK TO SAVEPOINT postgres_plugin_split_batch', transactionId });
      }
      // Error paths name the record within the whole batch, not within the chunk.
      const renumbered: PluginResult<Counts> = start === 0 ? res : renumber<Counts>(res, start);
      return callerTransaction === undefined ? asOneStatement<Counts>(renumbered) : renumbered;
    }
    counts.inserted += res.data.inserted;
    counts.updated += res.data.updated;
    counts.skipped += res.data.skipped;
    onProgress?.(Math.min(total, start + chunk.length), total);
  }
  if (callerTransaction === undefined) {
    const committed = await execute('commit', { transactionId });
    if (!committed.success) return committed as PluginResult<Counts>;
  } else {
    await execute('execute', { sql: 'RELEASE SAVEPOINT postgres_plugin_split_batch', transactionId });
  }
  return { success: true, data: counts };
}

function renumber<T>(res: PluginResult<T>, offset: number): PluginResult<T> {
  if (res.success) return res;
  const issues = res.error.details.issues as { path: string; message: string }[] | undefined;
  if (!issues) return res;
  const shifted = issues.map((i) => ({ ...i, path: i.path.replace(/^params\.params\.records\[(\d+)\]/, (_, n: string) => `params.params.records[${Number(n) + offset}]`) }));
  return { success: false, error: { ...res.error, message: res.error.message.replace(/records\[(\d+)\]/g, (_, n: string) => `records[${Number(n) + offset}]`), details: { ...res.error.details, issues: shifted } } };
}

/**
 * The handle is the splitter's own: a statement failing in it is reported as
 * the same error an unsplit batch gives (`POSTGRES_QUERY_FAILED`, rolled back).
 */
function asOneStatement<T>(res: PluginResult<T>): PluginResult<T> {
  if (res.success || res.error.code !== 'POSTGRES_TRANSACTION_FAILED') return res;
  const { transactionId: _t, reason: _r, ...details } = res.error.details;
  const message = res.error.message.replace(/^Statement failed inside transaction '[^']*'; the transaction is aborted until rollback: /, '');
  return { success: false, error: { ...res.error, code: 'POSTGRES_QUERY_FAILED', message, details: { ...details, rolledBack: true } } };
}
