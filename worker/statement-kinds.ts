/**
 * What a statement's text says about it before it runs: whether it may leave
 * state in its session (session-reset), and whether it may share a pipelined
 * connection (statement-lanes).
 */

/** Leading blanks and comments (`-- …` lines and non-nested block comments). */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)+/;
/** Statements that only read or write rows. */
const ROW_STATEMENT = /^(?:select|insert|update|delete|with|values|table|merge)\b/i;
const DECISIONS_KEPT = 2_000;

/** `sql` without its leading blanks and comments. */
export function withoutLeadingNoise(sql: string): string {
  return sql.replace(LEADING_NOISE, '');
}

/** First keywords of statements whose effect outlives the statement and its transaction. */
const SESSION_STATEMENT = /^(?:set\b(?!\s+(?:local|transaction|constraints)\b)|reset|discard|deallocate|listen|prepare|declare|load|create\s+(?:(?:global|local)\s+)?temp(?:orary)?\b|create\s+(?:unlogged\s+)?sequence\s+pg_temp\.)/i;
/** What changes session state from inside any statement: functions, and `SELECT … INTO TEMP`. */
const SESSION_FUNCTION = /\b(?:(?:set_config|pg_(?:try_)?advisory_lock(?:_shared)?)\s*\(|into\s+(?:(?:global|local)\s+)?temp(?:orary)?\s)/i;

/** Whether `sql` may leave state in the session (multi-statement scripts always may). */
export function changesSession(sql: string, multiStatement = false): boolean {
  if (multiStatement) return true;
  const start = withoutLeadingNoise(sql);
  return SESSION_STATEMENT.test(start) || SESSION_FUNCTION.test(sql);
}

/** Remembers, per SQL text, whether it only reads or writes rows and leaves its session as it was. */
export class RowStatementTexts {
  private readonly decisions = new Map<string, boolean>();

  isIndependent(sql: string): boolean {
    const known = this.decisions.get(sql);
    if (known !== undefined) return known;
    const decision = ROW_STATEMENT.test(withoutLeadingNoise(sql)) && !changesSession(sql);
    if (this.decisions.size < DECISIONS_KEPT) this.decisions.set(sql, decision);
    return decision;
  }
}
