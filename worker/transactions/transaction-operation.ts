import type pg from 'pg';
import { TransactionErrors } from '../../shared/errors';
import { isRetryableSqlState, PluginErrorCode } from '../../shared/error-codes';
import { PluginError } from '../../shared/plugin-error';
import type { QueryResult, TransactionResult } from '../../shared/results';
import type { TransactionParams } from '../../shared/transaction-params';
import { invalidParams } from '../../shared/validation';
import type { Cancellation } from '../statements/cancellation';
import { toPluginError, type ErrorContext } from '../connection/error-mapping';
import type { StatementRunner } from '../statements/statement-runner';
import { isTransactionControl } from '../sql/statement-kinds';
import { beginStatement, READ_ONLY_LOCK_IN } from '../sql/transaction-sql';
import { endingOf } from './transaction-ending';
import { TransactionStatusWatch } from './transaction-status';
import { beginTransaction, type XidReport } from './xid-report';

/** `transaction`'s answer (shared/results). */
export type TransactionOperationResult = TransactionResult<unknown>;

/**
 * The `transaction` operation: every statement commits or none does. A failure
 * rolls back and says which operation index failed, with the SQL error's
 * detail; serialization failures and deadlocks are retryable because the whole
 * transaction was rolled back. `timeout` bounds the whole transaction. With
 * `xid`, the transaction's server id is learned with its BEGIN and is with the
 * host before COMMIT is sent (read-only transactions write nothing: no id).
 */
export async function runTransactionOperation(
  client: pg.PoolClient,
  runner: StatementRunner,
  p: TransactionParams,
  errorContext: Omit<ErrorContext, 'phase'>,
  cancellation?: Cancellation,
  xid?: XidReport,
): Promise<TransactionOperationResult> {
  p.operations.forEach((op, i) => {
    if (isTransactionControl(op.sql)) {
      const path = `params.operations[${i}].sql`;
      const message = 'transaction control statements are not allowed; the operation commits or rolls back itself';
      throw invalidParams([{ path, message }]);
    }
  });
  const deadline = p.timeout !== undefined ? Date.now() + p.timeout : undefined;
  const watch = new TransactionStatusWatch(client);
  try {
    await beginTransaction(client, beginStatement(p), p.readOnly ? undefined : xid, runner);
    if (p.readOnly) await client.query(READ_ONLY_LOCK_IN);
    const results: TransactionOperationResult['results'] = [];
    for (let i = 0; i < p.operations.length; i++) {
      const op = p.operations[i]!;
      const statement = { sql: op.sql, ...(op.params ? { params: op.params } : {}), ...remaining(deadline) };
      let r: QueryResult;
      try {
        r = await runner.run(client, statement, { cancellation });
      } catch (error) {
        await rollback(client);
        throw failure(i, error as PluginError);
      }
      const ending = endingOf(r.command, watch.status);
      if (ending !== undefined) {
        // Refused up front by the grammar; should one get through, the answer says what happened.
        if (watch.status !== 'I') await rollback(client);
        throw TransactionErrors.batchEndedByStatement(i, ending);
      }
      results.push({ rows: r.rows, rowCount: r.rowCount, command: r.command });
    }
    // The host must know the id before COMMIT can happen, or a crash now would leave it guessing.
    if (xid !== undefined && !p.readOnly) await xid.delivered();
    try {
      await client.query('COMMIT');
    } catch (error) {
      await rollback(client);
      throw failure(p.operations.length, toPluginError(error, { ...errorContext, phase: 'query' }), { phase: 'commit' });
    }
    return { results };
  } catch (error) {
    if (error instanceof PluginError) throw error;
    await rollback(client);
    throw toPluginError(error, { ...errorContext, phase: 'query' });
  } finally {
    watch.dispose();
  }
}

function failure(index: number, error: PluginError, extra: Record<string, unknown> = {}): PluginError {
  if (error.code === PluginErrorCode.CONNECTION_FAILED) return error; // outcome unknown: say so, not "rolled back"
  const sqlState = error.details.sqlState as string | undefined;
  return TransactionErrors.batchFailed(index, error.message, { ...error.details, cause: error.code, ...extra }, isRetryableSqlState(sqlState));
}

function remaining(deadline: number | undefined): { timeout?: number } {
  return deadline === undefined ? {} : { timeout: Math.max(1, deadline - Date.now()) };
}

async function rollback(client: pg.PoolClient): Promise<void> {
  await client.query('ROLLBACK').catch(() => undefined);
}
