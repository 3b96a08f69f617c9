import type pg from 'pg';
import { simpleQuery, statementThenValue, submit } from '../connection/pg-internals';
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
const XID_STATEMENT = `${PREPARED_NAME_PREFIX}xid`;

/**
 * Runs `beginSql`; with a report, learns the transaction's id in the same
 * round trip and reports it. When the session may hold named statements
 * (`statements.namesStatements`), the id query is a prepared statement sent
 * behind the BEGIN under the same Sync: the server parses and plans it once per
 * session and answers both in one message, so each transaction pays only the
 * id query's execution. Without, one simple-protocol message holds both statements.
 */
export async function beginTransaction(client: pg.PoolClient, beginSql: string, report: XidReport | undefined, statements: NamedStatements): Promise<void> {
  if (report === undefined) {
    await client.query(beginSql);
    return;
  }
  if (statements.namesStatements) {
    try {
      report.began(await beganWithXid(client, beginSql));
      return;
    } catch (error) {
      if (!statements.namedStatementLost(client, error, XID_STATEMENT)) throw error;
      // A pooler moved the session: the failed Bind aborted the transaction just begun.
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

/** BEGIN and the prepared id query under one Sync (one write, one answer); the id (text, or null). */
function beganWithXid(client: pg.PoolClient, beginSql: string): Promise<string | null> {
  return new Promise((resolve, reject) => submit(client, statementThenValue(beginSql, XID_STATEMENT, XID_QUERY, (error, xid) => (error ? reject(error) : resolve(xid)))));
}
