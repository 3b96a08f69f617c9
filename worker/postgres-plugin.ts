import type { NormalizedConfig } from '../shared/config-schema';
import { statementParamsSchema, type StatementParams } from '../shared/operation-params';
import type { ConnectionStats, ExecuteResult, QueryResult } from '../shared/results';
import { parseOrThrow } from '../shared/validation';
import { PluginError } from '../shared/plugin-error';
import { PluginErrorCode } from '../shared/error-codes';
import { TransactionErrors } from '../shared/errors';
import { fromAbortSignal, type Cancellation } from './statements/cancellation';
import { toPluginError } from './connection/error-mapping';
import type pg from 'pg';
import { createState, type PluginContext, type PluginState } from './instance/instance';
import { firstRow, firstValue, toExecuteResult } from './statements/result-shapes';
import type { TransactionStore } from './transactions/transaction-store';
import * as crud from './crud/crud-service';
import { batchInsert } from './batch/batch-insert';
import { batchInsertParamsSchema, type BatchInsertParams, type BatchInsertResult } from '../shared/batch-params';
import {
  countParamsSchema,
  deleteParamsSchema,
  findOneParamsSchema,
  findParamsSchema,
  insertParamsSchema,
  updateParamsSchema,
  type FindParams,
} from '../shared/crud-params';
import { runBatchTransaction, type BatchResult } from './transactions/transaction-operation';
import * as schemaService from './schema/schema-service';
import {
  alterTableParamsSchema,
  createTableParamsSchema,
  describeTableParamsSchema,
  dropTableParamsSchema,
  listTablesParamsSchema,
  type AlterationInput,
  type TableDescription,
  type TableSpecInput,
} from '../shared/schema-params';
import {
  beginTransactionParamsSchema,
  transactionIdParamsSchema,
  transactionParamsSchema,
  type BeginTransactionParams,
  type TransactionParams,
} from '../shared/transaction-params';

/** A statement as the in-process API takes it: SQL text, or the params object of the wire. */
export type StatementInput = string | (StatementParams & { signal?: AbortSignal });

/** Options of `transaction` and `beginTransaction` in the in-process API. */
export type TransactionOptions = Omit<TransactionParams, 'operations'>;

/**
 * The plugin in process: one configuration, one pool. The worker keeps one of
 * these per instanceId and forwards operations to it.
 *
 * ```ts
 * const plugin = new PostgresPlugin({ config });
 * await plugin.initialize();
 * const n = await plugin.queryValue('SELECT 1 as test'); // 1
 * ```
 */
export class PostgresPlugin {
  private state: PluginState | undefined;
  private connected = false;

  constructor(context?: PluginContext) {
    if (context) this.state = createState(context, (p, c) => this.runAlone(p, c));
  }

  /** Validates the configuration (throws `POSTGRES_INVALID_PARAMS` naming each bad key) and prepares the pool. */
  async initialize(context?: PluginContext): Promise<void> {
    if (context) {
      await this.state?.transactions.rollbackAll();
      await this.state?.source.end();
      this.state = createState(context, (p, c) => this.runAlone(p, c));
      this.connected = false;
    }
    this.ready();
  }

  /** The normalised configuration in force. */
  get config(): NormalizedConfig {
    return this.ready().config;
  }

  /** Canonical fingerprint of the configuration: equal settings, equal fingerprint. */
  get fingerprint(): string {
    return this.ready().fingerprint;
  }

  /** Opens a connection to prove the server is reachable and the credentials work. */
  async connect(): Promise<void> {
    const state = this.ready();
    state.source.release(await state.source.acquire(Date.now() + state.config.options.queryTimeout));
    this.connected = true;
  }

  /** Rolls back open transactions and ends the pool; a later call opens a new one. */
  async disconnect(): Promise<void> {
    this.connected = false;
    await this.state?.transactions.rollbackAll();
    await this.state?.source.end();
  }

  async isConnected(): Promise<boolean> {
    return this.connected && this.state?.source.hasPool === true;
  }

  /** `true` when `SELECT 1` succeeds within `timeout` (default the config's query timeout). */
  async ping(timeout?: number): Promise<boolean> {
    try {
      await this.runStatement({ sql: 'SELECT 1', ...(timeout !== undefined ? { timeout } : {}) });
      return true;
    } catch {
      return false;
    }
  }

  async query<Row = Record<string, unknown>>(input: StatementInput, params?: unknown[]): Promise<QueryResult<Row>> {
    const { statement, cancellation } = this.statement(input, params);
    return (await this.runStatement(statement, cancellation)) as QueryResult<Row>;
  }

  /** The first row, or `null`. */
  async queryOne<Row = Record<string, unknown>>(input: StatementInput, params?: unknown[]): Promise<Row | null> {
    return firstRow(await this.query<Row>(input, params));
  }

  /** The first column of the first row, or `null`. */
  async queryValue<T = unknown>(input: StatementInput, params?: unknown[]): Promise<T | null> {
    return firstValue(await this.query(input, params)) as T | null;
  }

  /** Runs a statement for its effect: `{ rowCount, command }`. */
  async execute(input: StatementInput, params?: unknown[]): Promise<ExecuteResult> {
    return toExecuteResult(await this.query(input, params));
  }

  async getStats(): Promise<ConnectionStats> {
    const state = this.ready();
    const pool = state.source.hasPool ? state.source.current : undefined;
    const stats = state.runner.stats;
    return {
      total: pool?.totalCount ?? 0,
      idle: pool?.idleCount ?? 0,
      waiting: pool?.waitingCount ?? 0,
      max: state.config.pool.max,
      min: state.config.pool.min,
      queryCount: stats.queryCount,
      errorCount: stats.errorCount,
      avgQueryTime: round(stats.avgQueryTime),
      maxQueryTime: round(stats.maxQueryTime),
      openTransactions: state.transactions.size,
    };
  }

  /** Closes every pooled connection now; the next statement opens fresh ones. */
  async closeAllConnections(): Promise<void> {
    this.connected = false;
    await this.state?.transactions.rollbackAll();
    await this.state?.source.end();
  }

  /**
   * Stops everything for good, quickly: cancels running statements on the
   * server, then ends the pool. Used on worker shutdown.
   */
  async close(): Promise<void> {
    this.connected = false;
    const source = this.state?.source;
    if (!source) return;
    await source.cancelActive();
    await this.state?.transactions.rollbackAll();
    await source.end();
  }

  /**
   * Runs the statements in one transaction: all commit or none do.
   * `transaction([{ sql, params }], { isolationLevel: 'SERIALIZABLE' })`
   */
  async transaction(
    operations: TransactionParams['operations'] | TransactionParams,
    options: TransactionOptions = {},
  ): Promise<BatchResult> {
    const input = Array.isArray(operations) ? { ...options, operations } : operations;
    return this.runTransaction(parseOrThrow(transactionParamsSchema, input, 'params'));
  }

  /** Opens a transaction handle that later statements join with `transactionId`. */
  async beginTransaction(options: Omit<BeginTransactionParams, 'timeout'> = {}): Promise<{ transactionId: string }> {
    return this.ready().transactions.begin(parseOrThrow(beginTransactionParamsSchema, options, 'params'));
  }

  async commit(transactionId: string): Promise<null> {
    return this.ready().transactions.commit(parseOrThrow(transactionIdParamsSchema, { transactionId }, 'params').transactionId);
  }

  async rollback(transactionId: string): Promise<null> {
    return this.ready().transactions.rollback(parseOrThrow(transactionIdParamsSchema, { transactionId }, 'params').transactionId);
  }

  /** @internal validated `transaction` */
  async runTransaction(p: TransactionParams, cancellation?: Cancellation): Promise<BatchResult> {
    const state = this.ready();
    return this.withClient((client) => runBatchTransaction(client, state.runner, p, state.errorContext, cancellation));
  }

  /** @internal the transaction handles of this instance */
  get transactions(): TransactionStore {
    return this.ready().transactions;
  }

  /**
   * Creates a table with its keys, constraints and indexes in one transaction.
   * `table` may be `schema.table`; see docs/schema-operations.md for the spec.
   */
  async createTable(table: string, schema: TableSpecInput): Promise<null> {
    return schemaService.createTable(this, parseOrThrow(createTableParamsSchema, { table, schema }, 'params'));
  }

  /** Applies the alterations in order, in one transaction: all of them or none. */
  async alterTable(table: string, alterations: AlterationInput[]): Promise<null> {
    return schemaService.alterTable(this, parseOrThrow(alterTableParamsSchema, { table, alterations }, 'params'));
  }

  async dropTable(table: string, options: { ifExists?: boolean; cascade?: boolean } = {}): Promise<null> {
    return schemaService.dropTable(this, parseOrThrow(dropTableParamsSchema, { ...options, table }, 'params'));
  }

  /** Table names of `schema` (default `public`), sorted; `schema: '*'` lists every non-system schema as `schema.table`. */
  async listTables(options: { schema?: string } = {}): Promise<string[]> {
    return schemaService.listTables(this, parseOrThrow(listTablesParamsSchema, options, 'params'));
  }

  /** Columns, keys, indexes and constraints of a table, read from the catalog in one query. */
  async describeTable(table: string): Promise<TableDescription> {
    return schemaService.describeTable(this, parseOrThrow(describeTableParamsSchema, { table }, 'params'));
  }

  /** Inserts one row: the inserted row with `returning` (`true` or column names), else `{ rowCount }`. */
  async insert(table: string, data: Record<string, unknown>, returning?: true | string[]): Promise<unknown> {
    return crud.insert(this, parseOrThrow(insertParamsSchema, { table, data, ...(returning ? { returning } : {}) }, 'params'));
  }

  /** Updates the rows matching `where` (an empty `where` needs `allowAll`): `{ rowCount, rows? }`. */
  async update(table: string, data: Record<string, unknown>, where: Record<string, unknown>, returning?: true | string[], options: { allowAll?: boolean } = {}): Promise<{ rowCount: number | null; rows?: unknown[] }> {
    return crud.update(this, parseOrThrow(updateParamsSchema, { table, data, where, ...(returning ? { returning } : {}), ...options }, 'params'));
  }

  /** Deletes the rows matching `where` (an empty `where` needs `allowAll`): `{ rowCount, rows? }`. */
  async delete(table: string, where: Record<string, unknown>, returning?: true | string[], options: { allowAll?: boolean } = {}): Promise<{ rowCount: number | null; rows?: unknown[] }> {
    return crud.remove(this, parseOrThrow(deleteParamsSchema, { table, where, ...(returning ? { returning } : {}), ...options }, 'params'));
  }

  /** Rows of `table` matching `where`, with `select`, `orderBy`, `limit`, `offset`. */
  async find(table: string, where?: Record<string, unknown>, options: Omit<FindParams, 'table' | 'where'> = {}): Promise<unknown[]> {
    return crud.find(this, parseOrThrow(findParamsSchema, { table, ...(where ? { where } : {}), ...options }, 'params'));
  }

  /** The first row matching `where`, or `null`. */
  async findOne(table: string, where: Record<string, unknown>, select?: string[]): Promise<unknown> {
    return crud.findOne(this, parseOrThrow(findOneParamsSchema, { table, where, ...(select ? { select } : {}) }, 'params'));
  }

  /** Number of rows matching `where`. */
  async count(table: string, where?: Record<string, unknown>): Promise<number> {
    return crud.count(this, parseOrThrow(countParamsSchema, { table, ...(where ? { where } : {}) }, 'params'));
  }

  /** Inserts many records in one transaction: `{ inserted, updated, skipped }`. */
  async batchInsert(table: string, records: unknown[], options: Omit<BatchInsertParams, 'table' | 'records'> = {}): Promise<BatchInsertResult> {
    return batchInsert(this, parseOrThrow(batchInsertParamsSchema, { table, records, ...options }, 'params'));
  }

  /**
   * Runs an already-validated statement. This is the worker's hot path, so it
   * skips re-validation.
   * @internal
   */
  async runStatement(p: StatementParams, cancellation?: Cancellation): Promise<QueryResult> {
    const state = this.ready();
    if (p.transactionId !== undefined) return state.transactions.run(p.transactionId, p, cancellation);
    if (state.lanes?.accepts(p)) {
      try {
        const result = await state.lanes.run(p, cancellation);
        this.connected = true;
        return result;
      } catch (error) {
        if ((error as PluginError).code === PluginErrorCode.CONNECTION_FAILED) this.connected = false;
        throw error;
      }
    }
    return this.runAlone(p, cancellation);
  }

  /** Runs a statement outside any transaction handle on a connection of its own. */
  private async runAlone(p: StatementParams, cancellation?: Cancellation): Promise<QueryResult> {
    const state = this.ready();
    const client = await state.source.acquire(Date.now() + (p.timeout ?? state.config.options.queryTimeout));
    let result: QueryResult;
    try {
      result = await state.runner.run(client, p, { cancellation });
    } catch (error) {
      // A lost connection must not go back to the pool; SQL errors leave it usable, except
      // after a script: it may have opened a transaction before failing, and pg reports the
      // error before the server's ReadyForQuery says so.
      const lost = (error as PluginError).code === PluginErrorCode.CONNECTION_FAILED;
      if (lost) this.connected = false;
      state.source.release(client, lost || p.multiStatement ? (error as Error) : undefined);
      throw error;
    }
    this.connected = true;
    const status = client.getTransactionStatus();
    if (status === 'T' || status === 'E') {
      // `BEGIN` (or a script ending inside a transaction) outside a transaction handle:
      // no later request could end it. It is rolled back before the answer leaves, so no
      // one sees the session inside it afterwards; a session that can't roll back is closed.
      const error = TransactionErrors.leftOpen();
      const rolledBack = await client.query('ROLLBACK').then(
        () => client.getTransactionStatus() === 'I',
        () => false,
      );
      state.source.release(client, rolledBack ? undefined : error);
      throw error;
    }
    state.source.release(client);
    return result;
  }

  /**
   * Runs `fn` with one checked-out client and releases it after, whatever
   * happens. Errors are mapped to plugin errors (query phase).
   * @internal
   */
  async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const state = this.ready();
    const client = await state.source.acquire(Date.now() + state.config.options.queryTimeout);
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (error) {
      const mapped = toPluginError(error, { ...state.errorContext, phase: 'query' });
      if (mapped.code === PluginErrorCode.CONNECTION_FAILED) broken = mapped;
      throw mapped;
    } finally {
      state.source.release(client, broken);
    }
  }

  /**
   * Runs `fn` inside BEGIN … COMMIT on one client; any error rolls back.
   * @internal
   */
  async withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  private statement(input: StatementInput, params?: unknown[]): { statement: StatementParams; cancellation?: Cancellation } {
    if (typeof input === 'string') {
      return { statement: parseOrThrow(statementParamsSchema, params ? { sql: input, params } : { sql: input }, 'params') };
    }
    const { signal, ...rest } = input;
    const statement = parseOrThrow(statementParamsSchema, params ? { ...rest, params } : rest, 'params');
    return signal ? { statement, cancellation: fromAbortSignal(signal) } : { statement };
  }

  private ready(): PluginState {
    if (!this.state) {
      throw new PluginError(PluginErrorCode.INVALID_PARAMS, 'Invalid params: config: the plugin has no configuration; pass { config } to the constructor or initialize()', {
        issues: [{ path: 'config', message: 'required' }],
      });
    }
    return this.state;
  }
}

export type { PluginContext } from './instance/instance';

/** Creates and initialises a plugin in one step. */
export async function initialize(context: PluginContext): Promise<PostgresPlugin> {
  const plugin = new PostgresPlugin(context);
  await plugin.initialize();
  return plugin;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
