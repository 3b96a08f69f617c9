import type { z } from 'zod';
import type { BatchInsertResult } from './batch-params';
import type { FetchResult, OpenCursorResult } from './cursor-params';
import type { operationParamsSchemas, OperationName } from './operation-params';
import type { ConnectionStats, ExecuteResult, QueryResult, TransactionResult, WriteResult } from './results';
import type { PLUGIN_NAME } from './protocol';
import type { TableDescription } from './schema-params';

/**
 * The compile-time face of the operations (docs/plugin-api.md): each
 * operation's params as the caller writes them, derived from the zod schema
 * that validates them on the wire (`z.input`, so a field the schema defaults
 * or coerces is optional here too), and the shape of its answer. Declarations
 * only; `PluginManager.executePlugin` and the in-process class are typed by
 * them, and test/types/ keeps them honest.
 */

/** What `operation` takes as `params`. */
export type OperationParams<O extends OperationName> = z.input<(typeof operationParamsSchemas)[O]>;

/** Every operation's answer; `Row` is the caller's row type (default: a column → value object). */
export interface OperationResults<Row = Record<string, unknown>> {
  connect: null;
  disconnect: null;
  isConnected: boolean;
  ping: boolean;
  query: QueryResult<Row>;
  queryOne: Row | null;
  queryValue: unknown;
  execute: ExecuteResult;
  getStats: ConnectionStats;
  closeAllConnections: null;
  transaction: TransactionResult<Row>;
  beginTransaction: { transactionId: string };
  commit: null;
  rollback: null;
  /** The inserted row with `returning`; the overload for that case says `Row`. */
  insert: { rowCount: number | null };
  update: WriteResult<Row>;
  delete: WriteResult<Row>;
  find: Row[];
  findOne: Row | null;
  count: number;
  batchInsert: BatchInsertResult;
  openCursor: OpenCursorResult;
  fetch: FetchResult<Row>;
  closeCursor: null;
  createTable: null;
  alterTable: null;
  dropTable: null;
  listTables: string[];
  describeTable: TableDescription;
}

/** What `operation` answers, as `data` of a successful result. */
export type OperationResult<O extends OperationName, Row = Record<string, unknown>> = OperationResults<Row>[O];

/** Any operation's params (the union), for calls whose operation is only known as an OperationName. */
export type AnyOperationParams = { [O in OperationName]: OperationParams<O> }[OperationName];

/**
 * The params argument (and what follows it) of an operation: optional when
 * every field is, required otherwise (`query` without `sql` does not compile).
 */
export type OperationArgs<O extends OperationName, Options> =
  {} extends OperationParams<O> ? [params?: OperationParams<O>, options?: Options] : [params: OperationParams<O>, options?: Options];

/** The bundled PostgreSQL plugin's name, for which `executePlugin` is typed by operation. */
export type PostgresPluginName = typeof PLUGIN_NAME;
/** A plugin name that is not the postgres plugin's (whose calls take the typed signatures). */
export type OtherPluginName<P extends string> = P extends PostgresPluginName ? never : P;
