import type pg from 'pg';
import type { StatementReading } from '../sql/statement-reading';
import { forgetPreparedStatements } from './pg-internals';

/**
 * Session state a caller's SQL leaves behind in a pooled session (a `SET`, a
 * temp table, a held advisory lock, a `LISTEN`, a cursor WITH HOLD, another
 * role) must not reach the next request that borrows the session. Resetting
 * every session on release would cost a round trip per request, so the
 * statements that can change session state are recognised from their parse
 * tree (sql/statement-reading), and
 * only a session that ran one is reset (`DISCARD ALL`) before it goes back to
 * the pool. Settings given at connect time (statement_timeout, lock_timeout,
 * application_name) are the session's defaults, so `DISCARD ALL` keeps them.
 */

/** Sessions that ran a statement that may have changed session state. */
const touched = new WeakSet<pg.ClientBase>();

/** Notes that `client` ran a statement read as `reading` (a multi-statement script always counts). */
export function noteStatement(client: pg.ClientBase, reading: StatementReading, multiStatement: boolean | undefined): void {
  if (multiStatement || reading.changesSession) touched.add(client);
}

/** Notes that the plugin itself changed `client`'s session (a cursor's statement_timeout): reset it before reuse. */
export function noteSessionChanged(client: pg.ClientBase): void {
  touched.add(client);
}

/** Whether the session must be reset before it is reused. */
export function needsReset(client: pg.ClientBase): boolean {
  return touched.has(client);
}

/**
 * Resets the session to its connect-time state; pg forgets the statements it had prepared on it.
 * `restore` (settings the session got by SET when it opened) runs after it: not in the same
 * message, where DISCARD ALL would be inside an implicit transaction block and refused.
 */
export async function resetSession(client: pg.ClientBase, restore?: string): Promise<void> {
  await client.query('DISCARD ALL');
  if (restore !== undefined) await client.query(restore);
  forgetPreparedStatements(client);
  touched.delete(client);
}
