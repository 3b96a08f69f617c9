import type pg from 'pg';

/**
 * Session state a caller's SQL leaves behind in a pooled session (a `SET`, a
 * temp table, a held advisory lock, a `LISTEN`, a cursor WITH HOLD, another
 * role) must not reach the next request that borrows the session. Resetting
 * every session on release would cost a round trip per request, so the
 * statements that can change session state are recognised by their text, and
 * only a session that ran one is reset (`DISCARD ALL`) before it goes back to
 * the pool. Settings given at connect time (statement_timeout, lock_timeout,
 * application_name) are the session's defaults, so `DISCARD ALL` keeps them.
 */

/** Sessions that ran a statement that may have changed session state. */
const touched = new WeakSet<pg.ClientBase>();

/** First keywords of statements whose effect outlives the statement and its transaction. */
const SESSION_STATEMENT = /^(?:set\b(?!\s+(?:local|transaction|constraints)\b)|reset|discard|listen|prepare|declare|load|create\s+(?:(?:global|local)\s+)?temp(?:orary)?\b|create\s+(?:unlogged\s+)?sequence\s+pg_temp\.)/i;
/** What changes session state from inside any statement: functions, and `SELECT … INTO TEMP`. */
const SESSION_FUNCTION = /\b(?:(?:set_config|pg_(?:try_)?advisory_lock(?:_shared)?)\s*\(|into\s+(?:(?:global|local)\s+)?temp(?:orary)?\s)/i;
/** Leading blanks and comments (`-- …` lines and non-nested block comments). */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)+/;

/** Whether `sql` may leave state in the session (multi-statement scripts always may). */
export function changesSession(sql: string, multiStatement = false): boolean {
  if (multiStatement) return true;
  const start = sql.replace(LEADING_NOISE, '');
  return SESSION_STATEMENT.test(start) || SESSION_FUNCTION.test(sql);
}

/** Notes that `client` ran `sql`. */
export function noteStatement(client: pg.ClientBase, sql: string, multiStatement: boolean | undefined): void {
  if (changesSession(sql, multiStatement)) touched.add(client);
}

/** Whether the session must be reset before it is reused. */
export function needsReset(client: pg.ClientBase): boolean {
  return touched.has(client);
}

/** Resets the session to its connect-time state; pg forgets the statements it had prepared on it. */
export async function resetSession(client: pg.ClientBase): Promise<void> {
  await client.query('DISCARD ALL');
  (client as unknown as { connection: { parsedStatements: Record<string, unknown> } }).connection.parsedStatements = {};
  touched.delete(client);
}
