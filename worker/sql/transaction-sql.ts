import { ISOLATION_LEVELS, type TransactionMode } from '../../shared/transaction-params';

/**
 * `BEGIN` text for a validated mode. Only fixed keywords are emitted: the
 * isolation level comes from a closed table, never from caller text.
 */
export function beginStatement(mode: TransactionMode): string {
  let sql = 'BEGIN';
  if (mode.isolationLevel) sql += ` ISOLATION LEVEL ${ISOLATION_LEVELS[mode.isolationLevel]}`;
  if (mode.readOnly) sql += ' READ ONLY';
  if (mode.deferrable) sql += ' DEFERRABLE';
  return sql;
}

/**
 * Taking the first snapshot right after `BEGIN READ ONLY` makes PostgreSQL
 * refuse `SET TRANSACTION READ WRITE` for the rest of the transaction: before
 * any query the mode could still be switched, which would escape read-only.
 */
export const READ_ONLY_LOCK_IN = 'SELECT 1';
