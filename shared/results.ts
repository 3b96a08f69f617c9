/** Result shapes of the operations (docs/plugin-api.md). Declarations only. */

export interface FieldInfo {
  name: string;
  dataTypeID: number;
}

export interface QueryResult<Row = Record<string, unknown>> {
  rows: Row[];
  rowCount: number | null;
  command: string;
  fields: FieldInfo[];
}

/** `transaction`'s answer: each statement's result, in order. */
export interface TransactionResult<Row = Record<string, unknown>> {
  results: { rows: Row[]; rowCount: number | null; command: string }[];
}

/** `update`/`delete`: rows affected, and the rows themselves with `returning`. */
export interface WriteResult<Row = Record<string, unknown>> {
  rowCount: number | null;
  rows?: Row[];
}

export interface ExecuteResult {
  rowCount: number | null;
  command: string;
}

/** Pool and query statistics of one instance; never carries a secret. */
export interface ConnectionStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
  min: number;
  queryCount: number;
  errorCount: number;
  avgQueryTime: number;
  maxQueryTime: number;
  /** Open transaction handles; each holds one of the `total` connections. */
  openTransactions: number;
  /** Open cursors; each holds one of the `total` connections, or its transaction's. */
  openCursors: number;
}
