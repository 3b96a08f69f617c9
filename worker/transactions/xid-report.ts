import type pg from 'pg';
import { preparedThenValue, simpleQuery, submit, type NamedStatement } from '../connection/pg-internals';
import { PREPARED_NAME_PREFIX } from '../statements/prepared-statement-cache';

/**
 * How a transaction tells the host its server transaction id before it
 * commits, so a host whose worker dies mid-commit can ask the server what
 * became of it (`txid_status`). Present only when the request asked for it
 * (`outcomeToken`).
 */
export interface XidReport {
  /** The transaction's id is known (null: the server is in recovery and can commit no writes). */
  began(xid: string | null): void;
  /** Resolves once what `began` sent has been handed to the OS, so it reaches the host even if the worker dies next. */
  delivered(): Promise<void>;
}

/**
 * `txid_current()` assigns the transaction its id now (one that writes gets
 * one anyway); `txid_current`/`txid_status` exist on every supported server
 * (12+; `pg_current_xact_id` only from 13). A standby cannot assign ids.
 */
const XID_QUERY = 'SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE txid_current() END AS xid';
/** The id query's server-side prepared statement (the plugin's reserved prefix: a caller can't take the name). */
const XID_STATEMENT: NamedStatement = { name: `${PREPARED_NAME_PREFIX}xid`, text: XID_QUERY };

/**
 * The BEGIN forms' prepared statements, by text (none or one of 4 isolation levels × read-only
 * × deferrable: at most 20, fewer in practice: a read-only transaction learns no id). `_` never occurs in the statement cache's base-36 names, so these can't meet one.
 */
const beginStatements = new Map<string, NamedStatement>();

function beginStatementOf(sql: string): NamedStatement {
  let statement = beginStatements.get(sql);
  if (statement === undefined) {
    statement = { name: `${PREPARED_NAME_PREFIX}begin_${beginStatements.size}`, text: sql };
    beginStatements.set(sql, statement);
  }
  return statement;
}

/**
 * Runs `beginSql`; with a report, learns the transaction's id in the same
 * round trip and reports it. When the session may hold named statements
 * (`statements.namesStatements`), the BEGIN and the id query are prepared
 * statements sent under one Sync: the server parses them once per session and
 * answers both in one message, so each transaction pays only their execution.
 * Without, one simple-protocol message holds both statements.
 */
export async function beginTransaction(client: pg.PoolClient, beginSql: string, report: XidReport | undefined, statements: NamedStatements): Promise<void> {
  if (report === undefined) {
    await client.query(beginSql);
    return;
  }
  if (statements.namesStatements) {
    const begin = beginStatementOf(beginSql);
    try {
      report.began(await beganWithXid(client, begin));
      return;
    } catch (error) {
      if (!statements.namedStatementLost(client, error, XID_STATEMENT.name) && !statements.namedStatementLost(client, error, begin.name)) throw error;
      // A pooler moved the session: a failed Bind of the id query aborted the transaction just begun (of the BEGIN: none began).
      await client.query('ROLLBACK');
    }
  }
  const result = await simpleQuery(client, `${beginSql}; ${XID_QUERY}`);
  const xid = (result.rows[0] as { xid?: unknown } | undefined)?.xid;
  report.began(xid === null || xid === undefined ? null : String(xid));
}

/** Whether the session may hold the plugin's prepared statements (the statement runner). */
export interface NamedStatements {
  readonly namesStatements: boolean;
  namedStatementLost(client: pg.PoolClient, error: unknown, name: string): boolean;
}

/** The prepared BEGIN and id query under one Sync (one write, one answer); the id (text, or null). */
function beganWithXid(client: pg.PoolClient, begin: NamedStatement): Promise<string | null> {
  return new Promise((resolve, reject) => submit(client, preparedThenValue(begin, XID_STATEMENT, (error, xid) => (error ? reject(error) : resolve(xid)))));
}
