import type pg from 'pg';
import type { NormalizedConfig } from '../../shared/config-schema';
import type { StatementParams } from '../../shared/operation-params';
import type { FieldInfo, QueryResult } from '../../shared/results';
import { Errors } from '../../shared/errors';
import { invalidParams } from '../../shared/validation';
import type { PluginError } from '../../shared/plugin-error';
import { type Cancellation } from './cancellation';
import { toPluginError, type ErrorContext } from '../connection/error-mapping';
import type { Logger } from '../runtime/logger';
import { QueryStats } from './query-stats';
import { noteStatement } from '../connection/session-reset';
import { StatementCancel } from '../connection/cancel-request';
import { extendedQuery, forgetPreparedStatement, forgetPreparedStatements, pipelinedQuery, simpleQuery, submit } from '../connection/pg-internals';
import { ResultBudget } from './result-budget';
import { readStatement } from '../sql/statement-reading';
import { PREPARED_NAME_PREFIX, PreparedStatementCache } from './prepared-statement-cache';
import type { PoolerWatch } from '../connection/pooler-watch';
import { refuseSessionBound } from './pooler-refusals';

/** SQLSTATE 0A000 with this message: a prepared plan went stale after DDL; re-preparing is safe. */
const STALE_PLAN = /cached plan must not change result type/;

/** Options of one statement beyond its params. */
export interface RunOptions {
  cancellation?: Cancellation | undefined;
}

/**
 * Runs one statement on a checked-out client: named prepared statements when
 * enabled, the per-request timeout enforced by cancelling on the server, host
 * cancellation, query logging, stats, and error mapping. Owns no client.
 */
export class StatementRunner {
  readonly stats = new QueryStats();
  private readonly prepared: PreparedStatementCache | undefined;
  private readonly errorContext: Omit<ErrorContext, 'phase'>;
  private readonly sessionTimeout: number;

  constructor(
    private readonly config: NormalizedConfig,
    private readonly logger: Logger,
    errorContext: Omit<ErrorContext, 'phase'>,
    preparedCapacity: number,
    /** Behind a transaction pooler: no names, timeouts kept by the worker, session-bound statements refused. */
    private readonly pooler: PoolerWatch,
  ) {
    this.prepared = config.options.preparedStatements ? new PreparedStatementCache(preparedCapacity) : undefined;
    this.errorContext = errorContext;
    this.sessionTimeout = config.options.queryTimeout;
  }

  /** Runs `p` on `client`; resolves with the wire result shape or rejects with a PluginError. */
  async run(client: pg.PoolClient, p: StatementParams, options: RunOptions = {}): Promise<QueryResult> {
    const started = performance.now();
    const cancellation = options.cancellation;
    if (cancellation?.isCancellationRequested) throw Errors.queryCancelled({ reason: 'cancelled before it started' });
    // Behind a transaction pooler no session carries statement_timeout: the worker cancels at queryTimeout.
    const pooled = this.pooler.transactionPooled;
    const timeout = p.timeout ?? (pooled ? this.sessionTimeout : undefined);
    let timedOut = false;
    let cancelled = false;
    let cancelSent: StatementCancel | undefined;
    const cancel = (): void => {
      cancelSent ??= new StatementCancel(client);
    };
    let timer: NodeJS.Timeout | undefined;
    let listener: { dispose(): void } | undefined;
    if (timeout !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        cancel();
      }, timeout);
    }
    if (cancellation) {
      listener = cancellation.onCancellationRequested(() => {
        cancelled = true;
        cancel();
      });
    }
    let failed = false;
    // Past options.maxResultBytes the statement is cancelled like a timed-out one.
    const budget = this.budget(cancel);
    try {
      const result =
        timeout !== undefined && timeout > this.sessionTimeout && !pooled
          ? await this.withStatementTimeout(client, timeout, () => this.send(client, p, budget))
          : await this.send(client, p, budget);
      return this.checkRows(result);
    } catch (error) {
      failed = true;
      if (budget.wasExceeded) throw budget.error();
      const ctx: ErrorContext = { ...this.errorContext, phase: 'query', cancelled };
      if (timedOut && timeout !== undefined) ctx.timedOutAfterMs = timeout;
      ctx.statementTimeoutMs = this.sessionTimeout;
      throw toPluginError(error, ctx);
    } finally {
      if (timer) clearTimeout(timer);
      listener?.dispose();
      // A cancel still on its way could hit the client's next statement; let it land first.
      if (cancelSent) await cancelSent.finish();
      this.finished(p, started, failed, cancellation?.trace?.traceId);
    }
  }

  /** The byte budget of one result (options.maxResultBytes); `cancel` stops the statement on the server. */
  budget(cancel: () => void): ResultBudget {
    return new ResultBudget(this.config.options.maxResultBytes, cancel);
  }

  /**
   * The extended-protocol query for `p`, its rows counted by `budget`, answered
   * through `callback`: named when prepared statements are on and the text is preparable.
   */
  query(p: StatementParams, budget: ResultBudget, callback: (error: Error | undefined, result: pg.QueryResult) => void): pg.Query {
    const config = extendedQuery(p.sql, p.params as unknown[] | undefined, { name: this.statementName(p), rowMode: p.rowMode });
    config.types = budget.types();
    return budget.watch(pipelinedQuery(config, callback));
  }

  /**
   * A statement sent elsewhere (a pipelined lane) answered with `result`:
   * its wire shape, counted and logged like one run here.
   */
  completed(p: StatementParams, started: number, result: pg.QueryResult): QueryResult {
    let shaped: QueryResult;
    try {
      shaped = this.checkRows(shape(result));
    } catch (error) {
      this.finished(p, started, true);
      throw error;
    }
    this.finished(p, started, false);
    return shaped;
  }

  /** A statement sent elsewhere failed with `error`: the plugin error for it, counted and logged. */
  failed(p: StatementParams, started: number, error: unknown, cancelled: boolean): PluginError {
    this.finished(p, started, true);
    return toPluginError(error, { ...this.errorContext, phase: 'query', cancelled, statementTimeoutMs: this.sessionTimeout });
  }

  /** A result with more rows than `options.maxResultRows` is refused. */
  private checkRows(result: QueryResult): QueryResult {
    const maxRows = this.config.options.maxResultRows;
    if (maxRows !== undefined && result.rows.length > maxRows) throw Errors.resultTooLarge(result.rows.length, maxRows);
    return result;
  }

  /** Counts a finished statement in the stats and logs it as the logging config says. */
  private finished(p: StatementParams, started: number, failed: boolean, traceId?: string): void {
    const duration = performance.now() - started;
    this.stats.record(duration, failed);
    this.logStatement(p, duration, failed, traceId);
  }

  private async send(client: pg.PoolClient, p: StatementParams, budget: ResultBudget): Promise<QueryResult> {
    const reading = readStatement(p.sql);
    if (this.pooler.transactionPooled) refuseSessionBound(reading, client.getTransactionStatus() !== 'I');
    noteStatement(client, reading, p.multiStatement);
    if (reading.preparedNames.length === 0) return this.sendStatement(client, p, budget);
    refuseReservedNames(reading.preparedNames);
    try {
      return await this.sendStatement(client, p, budget);
    } finally {
      // DEALLOCATE ALL or DISCARD ALL dropped the plugin's prepared statements too: pg must prepare them again.
      if (reading.preparedNames.includes('*')) forgetPreparedStatements(client);
    }
  }

  private async sendStatement(client: pg.PoolClient, p: StatementParams, budget: ResultBudget): Promise<QueryResult> {
    // The explicit opt-in: simple protocol, several statements, no params.
    if (p.multiStatement) return shape(await simpleQuery(client, p.sql));
    const name = this.statementName(p);
    try {
      return shape(await this.sendQuery(client, p, budget));
    } catch (error) {
      if (name !== undefined && this.namedStatementLost(client, error, name)) {
        // Parse or Bind failed, so nothing ran; outside a transaction it runs again unnamed
        // (inside, the failure aborted the transaction).
        if (client.getTransactionStatus() !== 'I') throw error;
        return shape(await this.sendQuery(client, p, budget));
      }
      // Inside a transaction the failure aborted it, so a retry could only fail again.
      if (name === undefined || !isStalePlan(error) || client.getTransactionStatus() !== 'I') throw error;
      // DDL changed the result type under a cached plan: forget it on this session and prepare again.
      await this.forgetPrepared(client, name);
      return shape(await this.sendQuery(client, p, budget));
    }
  }

  /** Whether this session's statements may be server-side prepared (named): off behind a transaction pooler. */
  get namesStatements(): boolean {
    return this.prepared !== undefined && !this.pooler.transactionPooled;
  }

  /**
   * Whether `error` says another server session has the plugin's statement `name` or this one lacks it
   * (a pooler moves the connection between sessions); if so, names are off from now on and pg forgets it.
   */
  namedStatementLost(client: pg.PoolClient, error: unknown, name: string): boolean {
    if (!isNameCollision(error, name)) return false;
    this.pooler.preparedNamesCollided();
    forgetPreparedStatement(client, name);
    return true;
  }

  /** The name `p` runs under: none behind a transaction pooler, else the cache's (none for texts it doesn't name). */
  private statementName(p: StatementParams): string | undefined {
    return this.pooler.transactionPooled ? undefined : this.prepared?.nameFor(p.sql);
  }

  private sendQuery(client: pg.PoolClient, p: StatementParams, budget: ResultBudget): Promise<pg.QueryResult> {
    return new Promise((resolve, reject) => {
      submit(client, this.query(p, budget, (error, result) => (error ? reject(error) : resolve(result))));
    });
  }

  private async forgetPrepared(client: pg.PoolClient, name: string): Promise<void> {
    forgetPreparedStatement(client, name);
    await client.query(`DEALLOCATE ${name}`);
  }

  /** Lifts the session's statement_timeout for one long statement, then restores it. */
  private async withStatementTimeout<T>(client: pg.PoolClient, timeout: number, fn: () => Promise<T>): Promise<T> {
    await client.query(`SET statement_timeout = ${Math.trunc(timeout) + 1000}`);
    try {
      return await fn();
    } finally {
      await client.query(`SET statement_timeout = ${this.sessionTimeout}`).catch(() => undefined);
    }
  }

  private logStatement(p: StatementParams, duration: number, failed: boolean, traceId: string | undefined): void {
    const logging = this.config.logging;
    const slow = duration >= logging.slowQueryThreshold;
    if (!logging.logQueries && !slow) return;
    const entry: Record<string, unknown> = { sql: p.sql, durationMs: Math.round(duration * 1000) / 1000, failed };
    if (traceId !== undefined) entry.traceId = traceId;
    if (logging.logParameters && p.params) entry.params = p.params;
    if (slow) this.logger.warn(entry, 'slow query');
    else this.logger.debug(entry, 'query');
  }
}

/** pg's result as the wire's result shape. */
export function shape(result: pg.QueryResult): QueryResult {
  const fields: FieldInfo[] = new Array(result.fields.length);
  for (let i = 0; i < result.fields.length; i++) {
    const f = result.fields[i]!;
    fields[i] = { name: f.name, dataTypeID: f.dataTypeID };
  }
  return { rows: result.rows, rowCount: result.rowCount, command: result.command, fields };
}

/** A caller's PREPARE, EXECUTE or DEALLOCATE may not touch the plugin's own prepared statements. */
function refuseReservedNames(names: readonly string[]): void {
  for (const name of names) {
    if (name.startsWith(PREPARED_NAME_PREFIX)) {
      throw invalidParams([{ path: 'params.sql', message: `prepared statement names starting with '${PREPARED_NAME_PREFIX}' are the plugin's own: choose another name` }]);
    }
  }
}

/** 42P05 (already exists) or 26000 (does not exist) naming the plugin's own statement `name`. */
function isNameCollision(error: unknown, name: string): boolean {
  const code = (error as { code?: string }).code;
  return (code === '42P05' || code === '26000') && (error as Error).message.includes(`"${name}"`);
}

function isStalePlan(error: unknown): boolean {
  return (error as { code?: string }).code === '0A000' && STALE_PLAN.test((error as Error).message);
}

