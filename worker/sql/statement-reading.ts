import { loadModule, parseSync } from 'libpg-query';
import { SESSION_NEUTRAL_BUILTINS } from './builtin-functions';

/**
 * What a SQL text is, read with PostgreSQL's own grammar (libpg-query, the
 * server's parser compiled to WebAssembly) instead of patterns that comments,
 * quoting and qualified names get around. Each text is read once and the
 * reading remembered, so the hot path pays a map lookup.
 */
export interface StatementReading {
  /** Ends, starts or prepares a transaction: COMMIT, END, ROLLBACK, ABORT, BEGIN, START TRANSACTION, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED (with AND CHAIN too). Savepoints are not. */
  readonly transactionControl: boolean;
  /** May leave state in its session (a setting, a role, a temp object, a lock, a cursor, a prepared statement, a listener), or can't be known not to (DO, CALL, a function that is not a known-neutral built-in). */
  readonly changesSession: boolean;
  /**
   * Needs its session to outlive the transaction: a session `SET`/`RESET`/role, `LISTEN`, a
   * prepared statement, `DISCARD`, `LOAD`, a cursor WITH HOLD, a temp object kept past commit,
   * a session advisory lock, `set_config(…, false)`. Behind a transaction pooler it is refused.
   */
  readonly sessionBound: boolean;
  /** Answers from what an earlier transaction left in the session (`currval`, `lastval`, a `pg_temp` name): refused outside a transaction behind a transaction pooler. */
  readonly readsSession: boolean;
  /** One plain row statement (SELECT/INSERT/UPDATE/DELETE/MERGE, with WITH or VALUES) that leaves its session as it was: may share a pipelined connection. */
  readonly independent: boolean;
  /** One SELECT/INSERT/UPDATE/DELETE: may run as a named server-side prepared statement. */
  readonly preparable: boolean;
  /** Names of prepared statements the text prepares, executes or deallocates; `'*'` for DEALLOCATE ALL or DISCARD ALL/PLANS. */
  readonly preparedNames: readonly string[];
}

const TRANSACTION_CONTROL = new Set([
  'TRANS_STMT_BEGIN',
  'TRANS_STMT_START',
  'TRANS_STMT_COMMIT',
  'TRANS_STMT_ROLLBACK',
  'TRANS_STMT_PREPARE',
  'TRANS_STMT_COMMIT_PREPARED',
  'TRANS_STMT_ROLLBACK_PREPARED',
]);

/** Statement kinds whose effect outlives the statement and its transaction, or that run code we can't see. */
const SESSION_STATEMENTS = new Set([
  'DiscardStmt',
  'DeallocateStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'ListenStmt',
  'UnlistenStmt',
  'DeclareCursorStmt',
  'ClosePortalStmt',
  'FetchStmt',
  'LoadStmt',
  'DoStmt',
  'CallStmt',
]);

/** Statement kinds whose effect is bound to the session, whatever their transaction does. */
const SESSION_BOUND_STATEMENTS = new Set(['DiscardStmt', 'DeallocateStmt', 'PrepareStmt', 'ExecuteStmt', 'ListenStmt', 'UnlistenStmt', 'LoadStmt']);

/** Built-ins that take or release session-level advisory locks (their `_xact_` forms end with the transaction). */
const SESSION_LOCK_FUNCTIONS = new Set([
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
  'pg_advisory_unlock',
  'pg_advisory_unlock_shared',
  'pg_advisory_unlock_all',
]);

/** Built-ins whose answer is what an earlier statement of the session left. */
const SESSION_VALUE_FUNCTIONS = new Set(['currval', 'lastval']);

/** PostgreSQL's CURSOR_OPT_HOLD bit of DeclareCursorStmt.options. */
const CURSOR_OPT_HOLD = 0x20;

const ROW_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
const PREPARABLE_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt']);

/** What an unreadable text counts as: the server will refuse it, but nothing is assumed safe. */
const UNREADABLE: StatementReading = Object.freeze({
  transactionControl: false,
  changesSession: true,
  sessionBound: false,
  readsSession: false,
  independent: false,
  preparable: false,
  preparedNames: Object.freeze([]) as readonly string[],
});

const READINGS_KEPT = 5_000;
const readings = new Map<string, StatementReading>();

let loaded = false;
/** Resolves once the grammar is loaded; {@link readStatement} needs it. */
export const grammarReady: Promise<void> = loadModule().then(() => {
  loaded = true;
});

/** Whether {@link grammarReady} has resolved (a cheap check for the hot path). */
export function grammarLoaded(): boolean {
  return loaded;
}

/** The reading of `sql` (see {@link StatementReading}); the grammar must be loaded. */
export function readStatement(sql: string): StatementReading {
  const known = readings.get(sql);
  if (known) return known;
  const reading = read(sql);
  if (readings.size >= READINGS_KEPT) readings.delete(readings.keys().next().value!);
  readings.set(sql, reading);
  return reading;
}

interface Findings {
  transactionControl: boolean;
  changesSession: boolean;
  sessionBound: boolean;
  readsSession: boolean;
  preparedNames: string[];
}

function read(sql: string): StatementReading {
  let tree: { stmts?: { stmt?: Record<string, unknown> }[] };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch {
    return UNREADABLE;
  }
  const statements = (tree.stmts ?? []).map((s) => s.stmt ?? {});
  const found: Findings = { transactionControl: false, changesSession: false, sessionBound: false, readsSession: false, preparedNames: [] };
  for (const statement of statements) visit(statement, found);
  const only = statements.length === 1 ? statements[0]! : undefined;
  const kind = only ? Object.keys(only)[0]! : '';
  const into = kind === 'SelectStmt' && (only![kind] as { intoClause?: unknown }).intoClause !== undefined;
  const plainRows = ROW_STATEMENTS.has(kind) && !into && !found.changesSession && !found.transactionControl;
  return {
    transactionControl: found.transactionControl,
    changesSession: found.changesSession,
    sessionBound: found.sessionBound,
    readsSession: found.readsSession,
    independent: plainRows,
    preparable: plainRows && PREPARABLE_STATEMENTS.has(kind),
    preparedNames: found.preparedNames,
  };
}

/** Walks a parse tree, noting what in it controls the transaction or can change the session. */
function visit(node: unknown, found: Findings): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, found);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  // A RangeVar is wrapped in its type name only where the grammar allows any node; as a typed field
  // (CreateStmt.relation, IntoClause.rel, …) it stands bare, so it is recognised by its fields.
  if ('relname' in node) noteRelation(node as Record<string, unknown>, found);
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null) continue;
    noteNode(key, value as Record<string, unknown>, found);
    visit(value, found);
  }
}

function noteNode(kind: string, node: Record<string, unknown>, found: Findings): void {
  if (SESSION_BOUND_STATEMENTS.has(kind) || keepsTempObject(kind, node)) found.sessionBound = true;
  switch (kind) {
    case 'TransactionStmt':
      if (TRANSACTION_CONTROL.has(node.kind as string)) found.transactionControl = true;
      return;
    case 'VariableSetStmt':
      // SET LOCAL and SET TRANSACTION end with the transaction; every other SET, RESET or SET ROLE stays.
      if (node.is_local === true) return;
      if (node.kind === 'VAR_SET_MULTI' && node.name === 'TRANSACTION') return;
      found.changesSession = true;
      found.sessionBound = true;
      return;
    case 'FuncCall':
      if (!isNeutralFunction(node.funcname)) found.changesSession = true;
      noteSessionFunction(node, found);
      return;
    case 'DeclareCursorStmt':
      found.changesSession = true;
      if (((node.options as number) & CURSOR_OPT_HOLD) !== 0) found.sessionBound = true;
      return;
    case 'PrepareStmt':
    case 'ExecuteStmt':
      found.changesSession = true;
      if (typeof node.name === 'string') found.preparedNames.push(node.name);
      return;
    case 'DeallocateStmt':
      found.changesSession = true;
      found.preparedNames.push(node.isall === true || typeof node.name !== 'string' ? '*' : node.name);
      return;
    case 'DiscardStmt':
      found.changesSession = true;
      if (node.target === 'DISCARD_ALL' || node.target === 'DISCARD_PLANS') found.preparedNames.push('*');
      return;
    default:
      if (SESSION_STATEMENTS.has(kind)) found.changesSession = true;
  }
}

/** Temporary objects live as long as the session: CREATE TEMP …, SELECT … INTO TEMP, pg_temp.name. */
function noteRelation(relation: Record<string, unknown>, found: Findings): void {
  if (relation.relpersistence === 't' || isTempSchema(relation.schemaname)) found.changesSession = true;
  if (isTempSchema(relation.schemaname)) found.readsSession = true;
}

/** A temp table, view or sequence that outlives its transaction (anything but `ON COMMIT DROP`). */
function keepsTempObject(kind: string, node: Record<string, unknown>): boolean {
  const temp = (relation: unknown): boolean => (relation as { relpersistence?: string } | undefined)?.relpersistence === 't';
  switch (kind) {
    case 'CreateStmt':
      return temp(node.relation) && node.oncommit !== 'ONCOMMIT_DROP';
    case 'into':
    case 'intoClause':
      return temp(node.rel) && node.onCommit !== 'ONCOMMIT_DROP';
    case 'ViewStmt':
      return temp(node.view);
    case 'CreateSeqStmt':
      return temp(node.sequence);
    default:
      return false;
  }
}

/** Session advisory locks, `set_config` not given a literal `true` (is_local), `currval`/`lastval`. */
function noteSessionFunction(call: Record<string, unknown>, found: Findings): void {
  const name = builtinName(call.funcname);
  if (name === undefined) return;
  if (SESSION_LOCK_FUNCTIONS.has(name)) found.sessionBound = true;
  if (SESSION_VALUE_FUNCTIONS.has(name)) found.readsSession = true;
  if (name === 'set_config') {
    const isLocal = (call.args as { A_Const?: { boolval?: { boolval?: boolean } } }[] | undefined)?.[2]?.A_Const?.boolval?.boolval;
    if (isLocal !== true) found.sessionBound = true;
  }
}

function isTempSchema(schema: unknown): boolean {
  return typeof schema === 'string' && (schema === 'pg_temp' || schema.startsWith('pg_temp_'));
}

/** A call of a built-in that leaves the session alone: unqualified or `pg_catalog.`, and on the list. */
function isNeutralFunction(funcname: unknown): boolean {
  const name = builtinName(funcname);
  return name !== undefined && SESSION_NEUTRAL_BUILTINS.has(name);
}

/** The name of a call of a built-in (unqualified or `pg_catalog.`), else undefined. */
function builtinName(funcname: unknown): string | undefined {
  if (!Array.isArray(funcname)) return undefined;
  const parts = funcname.map((p) => (p as { String?: { sval?: string } }).String?.sval);
  const name = parts[parts.length - 1];
  if (name === undefined || parts.some((p) => p === undefined)) return undefined;
  if (parts.length === 2 && parts[0] !== 'pg_catalog') return undefined;
  if (parts.length > 2) return undefined;
  return name;
}
