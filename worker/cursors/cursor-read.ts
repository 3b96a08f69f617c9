import type pg from 'pg';
import type Cursor from 'pg-cursor';
import type { FieldInfo } from '../../shared/results';
import { Errors } from '../../shared/errors';
import type { PluginError } from '../../shared/plugin-error';
import { StatementCancel } from '../connection/cancel-request';
import { toPluginError, type ErrorContext } from '../connection/error-mapping';
import { cursorFinished } from '../connection/pg-internals';
import type { Cancellation } from '../statements/cancellation';

/** One batch of a cursor: its rows, the result's columns, and whether the result is read to its end. */
export interface Batch {
  rows: unknown[];
  fields: FieldInfo[];
  done: boolean;
}

/** What bounds one batch: the host's cancellation and a timeout, both cancel the statement on the server. */
export interface ReadBounds {
  cancellation?: Cancellation | undefined;
  timeoutMs?: number | undefined;
}

/**
 * Reads up to `count` rows of `cursor` (pg-cursor: one Execute of its
 * portal). A host cancel or the timeout sends PostgreSQL's cancel request;
 * the batch then fails with POSTGRES_QUERY_CANCELLED or
 * POSTGRES_QUERY_TIMEOUT and the cursor is finished. Errors are plugin errors.
 */
export async function readBatch(client: pg.PoolClient, cursor: Cursor, count: number, bounds: ReadBounds, errorContext: Omit<ErrorContext, 'phase'>): Promise<Batch> {
  if (bounds.cancellation?.isCancellationRequested) throw Errors.queryCancelled({ reason: 'cancelled before it started' });
  let cancelSent: StatementCancel | undefined;
  let cancelled = false;
  let timedOut = false;
  const cancel = (): void => {
    cancelSent ??= new StatementCancel(client);
  };
  const listener = bounds.cancellation?.onCancellationRequested(() => {
    cancelled = true;
    cancel();
  });
  const timer =
    bounds.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          cancel();
        }, bounds.timeoutMs);
  try {
    return await new Promise<Batch>((resolve, reject) => {
      cursor.read(count, (error, rows, result) => {
        if (error) reject(error);
        else resolve({ rows, fields: (result?.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })), done: cursorFinished(cursor) });
      });
    });
  } catch (error) {
    const ctx: ErrorContext = { ...errorContext, phase: 'query', cancelled };
    if (timedOut && bounds.timeoutMs !== undefined) ctx.timedOutAfterMs = bounds.timeoutMs;
    throw toPluginError(error, ctx) as PluginError;
  } finally {
    if (timer) clearTimeout(timer);
    listener?.dispose();
    // A cancel still on its way could hit the session's next statement: let it land first.
    if (cancelSent) await cancelSent.finish();
  }
}
