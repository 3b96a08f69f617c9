import { invalidParams } from '../../shared/validation';
import type { StatementReading } from '../sql/statement-reading';

/**
 * Behind a transaction pooler (PgBouncer in transaction or statement mode) a
 * statement whose effect needs its session after the transaction ends would
 * land on a session another client gets next, and a statement reading what an
 * earlier transaction left (`currval`, a `pg_temp` table) would read another
 * client's session. Both are refused before they are sent, naming why,
 * instead of answering wrong. Inside a transaction `currval` and temp tables
 * (`ON COMMIT DROP`) are the transaction's own and run.
 */
export function refuseSessionBound(reading: StatementReading, inTransaction: boolean): void {
  if (reading.sessionBound) {
    throw invalidParams(
      [
        {
          path: 'params.params.sql',
          message:
            'needs a session that outlives its transaction (a session SET or role, LISTEN, PREPARE, a session advisory lock, a cursor WITH HOLD, a temp object without ON COMMIT DROP), and behind a transaction pooler the next transaction runs on another session: use SET LOCAL, pg_advisory_xact_lock or ON COMMIT DROP inside a transaction, or connect without the pooler',
        },
      ],
      { reason: 'transaction-pooler' },
    );
  }
  if (reading.readsSession && !inTransaction) {
    throw invalidParams(
      [
        {
          path: 'params.params.sql',
          message:
            'reads what an earlier transaction left in its session (currval, lastval, a pg_temp table), and behind a transaction pooler that was another session: run it in the same transaction (beginTransaction or transaction)',
        },
      ],
      { reason: 'transaction-pooler' },
    );
  }
}
