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

interface TextKind {
  /** May leave state in its session. */
  changesSession: boolean;
  /** Only reads or writes rows and leaves its session as it was: may share a pipelined connection. */
  independent: boolean;
}

/** What each SQL text is, read once: every statement asks, so the instance's usual texts are remembered. */
const kinds = new Map<string, TextKind>();

function kindOf(sql: string): TextKind {
  const known = kinds.get(sql);
  if (known) return known;
  const start = withoutLeadingNoise(sql);
  const changes = SESSION_STATEMENT.test(start) || SESSION_FUNCTION.test(sql);
  const kind = { changesSession: changes, independent: !changes && ROW_STATEMENT.test(start) };
  if (kinds.size < DECISIONS_KEPT) kinds.set(sql, kind);
  return kind;
}

/** Whether `sql` may leave state in the session (multi-statement scripts always may). */
export function changesSession(sql: string, multiStatement = false): boolean {
  return multiStatement || kindOf(sql).changesSession;
}

/** Whether `sql` only reads or writes rows and leaves its session as it was. */
export function isIndependentRowStatement(sql: string): boolean {
  return kindOf(sql).independent;
}
