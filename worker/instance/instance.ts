import type pg from 'pg';
import { CONFIG_DEFAULTS } from '../../shared/config-defaults';
import { configFingerprint } from '../../shared/config-fingerprint';
import { normalizeConfig, pluginConfigSchema, type NormalizedConfig } from '../../shared/config-schema';
import { PluginErrorCode } from '../../shared/error-codes';
import { TransactionErrors } from '../../shared/errors';
import type { StatementParams } from '../../shared/operation-params';
import type { PluginError } from '../../shared/plugin-error';
import type { ConnectionStats, QueryResult } from '../../shared/results';
import type { TransactionParams } from '../../shared/transaction-params';
import { parseOrThrow } from '../../shared/validation';
import { ConnectionBudget } from '../connection/connection-budget';
import { ConnectionSource } from '../connection/connection-source';
import { toPluginError, type ErrorContext } from '../connection/error-mapping';
import { endpointOf, secretsOf } from '../connection/pool-options';
import { PoolerWatch } from '../connection/pooler-watch';
import { createLogger, type Logger } from '../runtime/logger';
import { grammarLoaded, grammarReady } from '../sql/statement-reading';
import type { Cancellation } from '../statements/cancellation';
import { RUN_ALONE, StatementLanes } from '../statements/statement-lanes';
import { StatementRunner } from '../statements/statement-runner';
import { runTransactionOperation, type TransactionOperationResult } from '../transactions/transaction-operation';
import { TransactionStore } from '../transactions/transaction-store';
import type { XidReport } from '../transactions/xid-report';
import { CursorStore } from '../cursors/cursor-store';
import type { InstanceContext } from './plugin-context';

/**
 * One configuration of the plugin at work: its pool, its statement path
 * (lanes or a connection of its own), client scopes, transaction handles and
 * stats. The worker keeps one per instanceId; `PostgresPlugin` is a thin
 * validated face over one. Everything here takes validated params.
 */
export class Instance {
  readonly config: NormalizedConfig;
  /** Canonical fingerprint of the configuration: equal settings, equal fingerprint. */
  readonly fingerprint: string;
  readonly transactions: TransactionStore;
  readonly logger: Logger;
  readonly cursors: CursorStore;
  private readonly errorContext: Omit<ErrorContext, 'phase'>;
  private readonly source: ConnectionSource;
  private readonly runner: StatementRunner;
  /** Present when `options.pipelining` is on. */
  private readonly lanes: StatementLanes | undefined;

  /** Validates the configuration: throws `POSTGRES_INVALID_PARAMS` naming each bad key. */
  constructor(context: InstanceContext) {
    const config = normalizeConfig(parseOrThrow(pluginConfigSchema, context.config, 'config'));
    // Without a logger of the caller's, the plugin runs in the caller's process: it logs under the plugin's name.
    const logger: Logger = context.logger ?? createLogger(config.logging.level, 'postgres-plugin');
    this.config = config;
    this.logger = logger;
    this.fingerprint = configFingerprint(config);
    this.errorContext = { ...endpointOf(config), secrets: secretsOf(config), retryHostNotFound: config.options.retryHostNotFound };
    const pooler = new PoolerWatch(config.options.pooler, logger);
    this.source = new ConnectionSource(config, logger, this.errorContext, pooler, context.onStateChange, context.connectionBudget ?? new ConnectionBudget(), context.onSession);
    this.runner = new StatementRunner(config, logger, this.errorContext, CONFIG_DEFAULTS.preparedStatementCacheSize, pooler);
    this.lanes = config.options.pipelining ? new StatementLanes(this.source, this.runner, logger, config.pool.max, config.options.queryTimeout) : undefined;
    this.transactions = new TransactionStore(this.source, this.runner, config.options.transactionIdleTimeout, this.errorContext, logger, context.onTransactionEnded);
    this.cursors = new CursorStore(this.source, this.transactions, config, this.errorContext, logger);
  }

  /** Whether nothing runs or waits for a connection on the instance and no transaction handle or cursor is open. */
  get idle(): boolean {
    return this.source.activeCount === 0 && this.source.waitingCount === 0 && this.transactions.size === 0 && this.cursors.size === 0;
  }

  /** Whether the server answered the last checkout and no statement lost its connection since. */
  get connected(): boolean {
    return this.source.connected;
  }

  /** Opens a connection to prove the server is reachable and the credentials work. */
  async connect(): Promise<void> {
    this.source.release(await this.source.acquire(Date.now() + this.config.options.queryTimeout));
  }

  /**
   * Runs one statement: inside its transaction handle, on a pipelined lane,
   * or on a connection of its own. This is the worker's hot path.
   */
  async run(p: StatementParams, cancellation?: Cancellation): Promise<QueryResult> {
    if (!grammarLoaded()) await grammarReady;
    if (p.transactionId !== undefined) return serverTimed(cancellation, this.transactions.run(p.transactionId, p, cancellation));
    const lanes = this.lanes;
    if (lanes === undefined || !lanes.accepts(p)) return this.runAlone(p, cancellation);
    // Lanes share a connection between statements; behind a transaction pooler they don't run.
    const pooler = this.source.pooler;
    if (!pooler.known) await pooler.settled(() => this.source.acquire(Date.now() + this.config.options.queryTimeout).then((c) => this.source.release(c)));
    if (pooler.transactionPooled) return this.runAlone(p, cancellation);
    lanes.entered();
    try {
      const result = await serverTimed(cancellation, lanes.run(p, cancellation));
      return result === RUN_ALONE ? await this.runAlone(p, cancellation) : result;
    } catch (error) {
      if ((error as PluginError).code === PluginErrorCode.CONNECTION_FAILED) this.source.connectionLost();
      throw error;
    } finally {
      lanes.left();
    }
  }

  /** `true` when `SELECT 1` succeeds within `timeout` (default the config's query timeout). */
  async ping(timeout?: number): Promise<boolean> {
    try {
      await this.run({ sql: 'SELECT 1', ...(timeout !== undefined ? { timeout } : {}) });
      return true;
    } catch {
      return false;
    }
  }

  /** The `transaction` operation: the statements in one transaction, all or nothing. */
  async runTransaction(p: TransactionParams, cancellation?: Cancellation, xid?: XidReport): Promise<TransactionOperationResult> {
    if (!grammarLoaded()) await grammarReady;
    const trace = cancellation?.trace;
    const waiting = trace && performance.now();
    return this.withClient((client) => {
      if (trace) {
        trace.waitMs += performance.now() - waiting!;
        trace.checkedOut = true;
      }
      return serverTimed(cancellation, runTransactionOperation(client, this.runner, p, this.errorContext, cancellation, xid));
    });
  }

  /**
   * Runs `fn` with one checked-out client and releases it after, whatever
   * happens. Errors are mapped to plugin errors (query phase).
   */
  async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.source.acquire(Date.now() + this.config.options.queryTimeout);
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (error) {
      const mapped = toPluginError(error, { ...this.errorContext, phase: 'query' });
      if (mapped.code === PluginErrorCode.CONNECTION_FAILED) {
        broken = mapped;
        this.source.connectionLost();
      }
      throw mapped;
    } finally {
      await this.source.release(client, broken);
    }
  }

  /** Runs `fn` inside BEGIN … COMMIT on one client; any error rolls back. */
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

  stats(): ConnectionStats {
    const pool = this.source.hasPool ? this.source.current : undefined;
    const stats = this.runner.stats;
    return {
      total: pool?.totalCount ?? 0,
      idle: pool?.idleCount ?? 0,
      waiting: this.source.waitingCount,
      max: this.config.pool.max,
      min: this.config.pool.min,
      queryCount: stats.queryCount,
      errorCount: stats.errorCount,
      avgQueryTime: round(stats.avgQueryTime),
      maxQueryTime: round(stats.maxQueryTime),
      openTransactions: this.transactions.size,
      openCursors: this.cursors.size,
    };
  }

  /** Rolls back open transactions and ends the pool; the next statement opens a new one. */
  async closeConnections(): Promise<void> {
    await this.cursors.closeAll();
    await this.transactions.rollbackAll();
    await this.source.end();
  }

  /**
   * Stops everything for good, quickly: cancels running statements on the
   * server, then rolls back and ends the pool. Used on worker shutdown.
   */
  async close(): Promise<void> {
    await this.source.cancelActive();
    await this.closeConnections();
  }

  /** Runs a statement outside any transaction handle on a connection of its own. */
  private async runAlone(p: StatementParams, cancellation: Cancellation | undefined): Promise<QueryResult> {
    const source = this.source;
    const trace = cancellation?.trace;
    const waiting = trace && performance.now();
    const client = await source.acquire(Date.now() + (p.timeout ?? this.config.options.queryTimeout));
    if (trace) {
      trace.waitMs += performance.now() - waiting!;
      trace.checkedOut = true;
    }
    let result: QueryResult;
    try {
      result = await serverTimed(cancellation, this.runner.run(client, p, { cancellation }));
    } catch (error) {
      // A lost connection must not go back to the pool; SQL errors leave it usable, except
      // after a script: it may have opened a transaction before failing, and pg reports the
      // error before the server's ReadyForQuery says so.
      const lost = (error as PluginError).code === PluginErrorCode.CONNECTION_FAILED;
      if (lost) source.connectionLost();
      await source.release(client, lost || p.multiStatement ? (error as Error) : undefined);
      throw error;
    }
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
      await source.release(client, rolledBack ? undefined : error);
      throw error;
    }
    const resetting = source.release(client);
    if (resetting) await resetting;
    return result;
  }
}

/** Adds the time `answer` takes to the request's server time when it is traced; otherwise `answer` itself. */
function serverTimed<T>(cancellation: Cancellation | undefined, answer: Promise<T>): Promise<T> {
  const trace = cancellation?.trace;
  if (trace === undefined) return answer;
  const started = performance.now();
  const count = () => void (trace.serverMs += performance.now() - started);
  answer.then(count, count);
  return answer;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
