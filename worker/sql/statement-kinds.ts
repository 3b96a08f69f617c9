/**
 * The questions the statement path asks of a SQL text, answered from its
 * reading by PostgreSQL's grammar (statement-reading): whether it may leave
 * state in its session (session-reset), whether it may share a pipelined
 * connection (statement-lanes), whether it controls the transaction
 * (refused inside transactions), whether it may be prepared.
 */
import { readStatement } from './statement-reading';

/** Whether `sql` may leave state in the session (multi-statement scripts always may). */
export function changesSession(sql: string, multiStatement = false): boolean {
  return multiStatement || readStatement(sql).changesSession;
}

/** Whether `sql` is one row statement that leaves its session as it was. */
export function isIndependentRowStatement(sql: string): boolean {
  return readStatement(sql).independent;
}

/** Whether `sql` (any statement of it) ends, starts or prepares a transaction. */
export function isTransactionControl(sql: string): boolean {
  return readStatement(sql).transactionControl;
}

/** Whether `sql` may run as a named server-side prepared statement. */
export function isPreparable(sql: string): boolean {
  return readStatement(sql).preparable;
}

export { grammarLoaded, grammarReady } from './statement-reading';
