import type pg from 'pg';
import { simpleQuery } from '../connection/pg-internals';

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

/**
 * Runs `beginSql`; with a report, learns the transaction's id in the same
 * round trip (one simple-protocol message holding both statements) and
 * reports it.
 */
export async function beginTransaction(client: pg.ClientBase, beginSql: string, report: XidReport | undefined): Promise<void> {
  if (report === undefined) {
    await client.query(beginSql);
    return;
  }
  const result = await simpleQuery(client, `${beginSql}; ${XID_QUERY}`);
  const xid = (result.rows[0] as { xid?: unknown } | undefined)?.xid;
  report.began(xid === null || xid === undefined ? null : String(xid));
}
