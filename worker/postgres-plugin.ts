import type { NormalizedConfig } from '../shared/config-schema';
import type { OperationParams } from '../shared/operation-types';
import { statementParamsSchema, type StatementParams } from '../shared/operation-params';
import type { ConnectionStats, ExecuteResult, QueryResult, TransactionResult, WriteResult } from '../shared/results';
import { invalidParams, parseOrThrow } from '../shared/validation';
import { batchInsertParamsSchema, type BatchInsertParams, type BatchInsertResult } from '../shared/batch-params';
import {
  countParamsSchema,
  deleteParamsSchema,
  findOneParamsSchema,
  findParamsSchema,
  insertParamsSchema,
  updateParamsSchema,
} from '../shared/crud-params';
import { findInput, type ColumnValues, type FindOptions, type Where } from './crud/find-input';
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
} from '../shared/transaction-params';
import { batchInsert } from './batch/batch-insert';
import * as crud from './crud/crud-service';
import { Instance } from './instance/instance';
import type { InstanceContext, PluginContext, PluginServices } from './instance/plugin-context';
import { toPluginLogger } from './runtime/console-logger';
import type { LogLevel } from './runtime/logger';
import * as schemaService from './schema/schema-service';
import { fromAbortSignal, type Cancellation } from './statements/cancellation';
import { firstRow, firstValue, toExecuteResult } from './statements/result-shapes';

/** A statement as the in-process API takes it: SQL text, or the params object of the wire. */
export type StatementInput = string | (StatementParams & { signal?: AbortSignal });

/** `transaction`'s params as a caller writes them (the schema's input: isolation levels with spaces too). */
type TransactionInput = OperationParams<'transaction'>;

/** Options of `transaction` and `beginTransaction` in the in-process API. */
export type TransactionOptions = Omit<TransactionInput, 'operations'>;

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
  private instance: Instance | undefined;
  private context: PluginContext | undefined;

  constructor(context?: PluginContext) {
    if (context) this.instance = this.instanceFor(context);
  }

  /**
   * Validates the configuration (throws `POSTGRES_INVALID_PARAMS` naming each bad key) and prepares the pool.
   * The context the plugin already has, passed again (the documentation's `new PostgresPlugin(context)` then
   * `initialize(context)`), keeps its pool.
   */
  async initialize(context?: PluginContext): Promise<void> {
    if (context && context !== this.context) {
      const next = this.instanceFor(context);
      await this.instance?.closeConnections();
      this.instance = next;
    }
    this.ready();
  }

  /** The host's services of the context (the plugin system's registry), when it was given one. */
  get services(): PluginServices | undefined {
    return this.context?.services;
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
    await this.ready().connect();
  }

  /** Rolls back open transactions and ends the pool; a later call opens a new one. */
  async disconnect(): Promise<void> {
    await this.instance?.closeConnections();
  }

  async isConnected(): Promise<boolean> {
    return this.instance?.connected === true;
  }

  /** `true` when `SELECT 1` succeeds within `timeout` (default the config's query timeout). */
  async ping(timeout?: number): Promise<boolean> {
    return this.ready().ping(timeout);
  }

  async query<Row = Record<string, unknown>>(input: StatementInput, params?: unknown[]): Promise<QueryResult<Row>> {
    const { statement, cancellation } = this.statement(input, params);
    return (await this.ready().run(statement, cancellation)) as QueryResult<Row>;
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
    return this.ready().stats();
  }

  /** Closes every pooled connection now; the next statement opens fresh ones. */
  async closeAllConnections(): Promise<void> {
    await this.instance?.closeConnections();
  }

  /**
   * Stops everything for good, quickly: cancels running statements on the
   * server, then ends the pool.
   */
  async close(): Promise<void> {
    await this.instance?.close();
  }

  /**
   * Runs the statements in one transaction: all commit or none do.
   * `transaction([{ sql, params }], { isolationLevel: 'SERIALIZABLE' })`
   */
  async transaction<Row = Record<string, unknown>>(
    operations: TransactionInput['operations'] | TransactionInput,
    options: TransactionOptions = {},
  ): Promise<TransactionResult<Row>> {
    const input = Array.isArray(operations) ? { ...options, operations } : operations;
    return (await this.ready().runTransaction(parseOrThrow(transactionParamsSchema, input, 'params'))) as TransactionResult<Row>;
  }

  /**
   * Opens a transaction handle that later statements join with `transactionId`; resolves to its id, as the
   * plugin documentation declares (`beginTransaction(): Promise<string>`; the wire answers `{ transactionId }`).
   */
  async beginTransaction(options: Omit<BeginTransactionParams, 'timeout'> = {}): Promise<string> {
    return (await this.ready().transactions.begin(parseOrThrow(beginTransactionParamsSchema, options, 'params'))).transactionId;
  }

  async commit(transactionId: string): Promise<null> {
    return this.ready().transactions.commit(parseOrThrow(transactionIdParamsSchema, { transactionId }, 'params').transactionId);
  }

  async rollback(transactionId: string): Promise<null> {
    return this.ready().transactions.rollback(parseOrThrow(transactionIdParamsSchema, { transactionId }, 'params').transactionId);
  }

  /**
   * Creates a table with its keys, constraints and indexes in one transaction.
   * `table` may be `schema.table`; see docs/schema-operations.md for the spec.
   */
  async createTable(table: string, schema: TableSpecInput): Promise<null> {
    return schemaService.createTable(this.ready(), parseOrThrow(createTableParamsSchema, { table, schema }, 'params'));
  }

  /** Applies the alterations in order, in one transaction: all of them or none. */
  async alterTable(table: string, alterations: AlterationInput[]): Promise<null> {
    return schemaService.alterTable(this.ready(), parseOrThrow(alterTableParamsSchema, { table, alterations }, 'params'));
  }

  async dropTable(table: string, options: { ifExists?: boolean; cascade?: boolean } = {}): Promise<null> {
    return schemaService.dropTable(this.ready(), parseOrThrow(dropTableParamsSchema, { ...options, table }, 'params'));
  }

  /**
   * Table names of `schema` (default `public`), sorted; `'*'` lists every non-system schema as `schema.table`.
   * `listTables('app')` as the documentation writes it, or `listTables({ schema: 'app' })` as on the wire.
   */
  async listTables(schema: string | { schema?: string } = {}): Promise<string[]> {
    const options = typeof schema === 'string' ? { schema } : schema;
    return schemaService.listTables(this.ready(), parseOrThrow(listTablesParamsSchema, options, 'params'));
  }

  /** Columns, keys, indexes and constraints of a table, read from the catalog in one query. */
  async describeTable(table: string): Promise<TableDescription> {
    return schemaService.describeTable(this.ready(), parseOrThrow(describeTableParamsSchema, { table }, 'params'));
  }

  /** Inserts one row: the inserted row with `returning` (`true` or column names), else `{ rowCount }`. */
  async insert<Row = Record<string, unknown>>(table: string, data: ColumnValues, returning: true | string[]): Promise<Row>;
  async insert(table: string, data: ColumnValues): Promise<{ rowCount: number | null }>;
  async insert(table: string, data: ColumnValues, returning?: true | string[]): Promise<unknown> {
    return crud.insert(this.ready(), parseOrThrow(insertParamsSchema, { table, data, ...(returning ? { returning } : {}) }, 'params'));
  }

  /** Updates the rows matching `where` (an empty `where` needs `allowAll`): `{ rowCount, rows? }`. */
  async update<Row = Record<string, unknown>>(table: string, data: ColumnValues, where: Where, returning?: true | string[], options: { allowAll?: boolean } = {}): Promise<WriteResult<Row>> {
    return (await crud.update(this.ready(), parseOrThrow(updateParamsSchema, { table, data, where, ...(returning ? { returning } : {}), ...options }, 'params'))) as WriteResult<Row>;
  }

  /** Deletes the rows matching `where` (an empty `where` needs `allowAll`): `{ rowCount, rows? }`. */
  async delete<Row = Record<string, unknown>>(table: string, where: Where, returning?: true | string[], options: { allowAll?: boolean } = {}): Promise<WriteResult<Row>> {
    return (await crud.remove(this.ready(), parseOrThrow(deleteParamsSchema, { table, where, ...(returning ? { returning } : {}), ...options }, 'params'))) as WriteResult<Row>;
  }

  /**
   * Rows of `table`: `find('users', { where: { name: 'Ada' }, orderBy: ['id'], limit: 10 })`, as the plugin
   * documentation declares it (canonical). The earlier `find(table, where, options?)` still works (find-input).
   */
  async find<Row = Record<string, unknown>>(table: string, options?: FindOptions): Promise<Row[]>;
  /** The earlier form, kept for compatibility: `where` first, the other options after it. */
  async find<Row = Record<string, unknown>>(table: string, where: Where & { [K in keyof FindOptions]?: never }, options?: Omit<FindOptions, 'where'>): Promise<Row[]>;
  async find(table: string, first?: FindOptions | Where, second?: Omit<FindOptions, 'where'>): Promise<unknown[]> {
    return crud.find(this.ready(), parseOrThrow(findParamsSchema, findInput(table, first, second), 'params'));
  }

  /** The first row matching `where`, or `null`. */
  async findOne<Row = Record<string, unknown>>(table: string, where: Where, select?: string[]): Promise<Row | null> {
    return (await crud.findOne(this.ready(), parseOrThrow(findOneParamsSchema, { table, where, ...(select ? { select } : {}) }, 'params'))) as Row | null;
  }

  /** Number of rows matching `where`. */
  async count(table: string, where?: Where): Promise<number> {
    return crud.count(this.ready(), parseOrThrow(countParamsSchema, { table, ...(where ? { where } : {}) }, 'params'));
  }

  /** Inserts many records in one transaction: `{ inserted, updated, skipped }`. */
  async batchInsert(table: string, records: unknown[], options: Omit<BatchInsertParams, 'table' | 'records'> = {}): Promise<BatchInsertResult> {
    return batchInsert(this.ready(), parseOrThrow(batchInsertParamsSchema, { table, records, ...options }, 'params'));
  }

  private statement(input: StatementInput, params?: unknown[]): { statement: StatementParams; cancellation?: Cancellation } {
    if (typeof input === 'string') {
      return { statement: parseOrThrow(statementParamsSchema, params ? { sql: input, params } : { sql: input }, 'params') };
    }
    const { signal, ...rest } = input;
    const statement = parseOrThrow(statementParamsSchema, params ? { ...rest, params } : rest, 'params');
    return signal ? { statement, cancellation: fromAbortSignal(signal) } : { statement };
  }

  /** An Instance for the documentation's context: its logger, console-like or pino, made the plugin's logger. */
  private instanceFor(context: PluginContext): Instance {
    const { logger, services: _services, ...rest } = context;
    const level = (context.config as { logging?: { level?: LogLevel } } | undefined)?.logging?.level ?? 'info';
    const instanceContext: InstanceContext = logger ? { ...rest, logger: toPluginLogger(logger, level) } : rest;
    const instance = new Instance(instanceContext);
    this.context = context;
    return instance;
  }

  private ready(): Instance {
    if (!this.instance) {
      throw invalidParams([{ path: 'config', message: 'the plugin has no configuration; pass { config } to the constructor or initialize()' }]);
    }
    return this.instance;
  }
}

export type { PluginContext, PluginServices } from './instance/plugin-context';
export type { ConsoleLikeLogger } from './runtime/console-logger';

/** Creates and initialises a plugin in one step. */
export async function initialize(context: PluginContext): Promise<PostgresPlugin> {
  const plugin = new PostgresPlugin(context);
  await plugin.initialize();
  return plugin;
}

