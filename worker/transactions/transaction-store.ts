import crypto from 'node:crypto';
import type pg from 'pg';
import { CursorErrors } from '../../shared/cursor-errors';
import { TransactionErrors, type TransactionReason } from '../../shared/errors';
import { isRetryableSqlState, PluginErrorCode } from '../../shared/error-codes';
import type { StatementParams } from '../../shared/operation-params';
import { PluginError } from '../../shared/plugin-error';
import type { QueryResult } from '../../shared/results';
import type { BeginTransactionParams } from '../../shared/transaction-params';
import { invalidParams } from '../../shared/validation';
import type { Cancellation } from '../statements/cancellation';
import type { ConnectionSource } from '../connection/connection-source';
import { toPluginError, type ErrorContext } from '../connection/error-mapping';
import type { Logger } from '../runtime/logger';
import type { StatementRunner } from '../statements/statement-runner';
import { isTransactionControl } from '../sql/statement-kinds';
import { beginStatement, READ_ONLY_LOCK_IN } from '../sql/transaction-sql';
import { endingOf } from './transaction-ending';
import { TransactionStatusWatch } from './transaction-status';
import { beginTransaction, type XidReport } from './xid-report';

interface Handle {
  id: string;
  client: pg.PoolClient;
  watch: TransactionStatusWatch;
  readOnly: boolean;
  idleTimeoutMs: number;
  timer: NodeJS.Timeout | undefined;
  /** The chain that serialises requests on this handle. */
  tail: Promise<unknown>;
  busy: number;
  finished: TransactionReason | undefined;
  /** A cursor reading on the handle's client: no statement runs beside it. */
  lease: TransactionLease | undefined;
}

/** Something that holds a handle's client for a while (a cursor) and can be ended when the transaction ends. */
export interface TransactionLease {
  readonly id: string;
  /** Ends the lease (it calls {@link TransactionStore.unlease}); the transaction is ending. */
  end(): Promise<void>;
}

/** How many finished ids are remembered, to say what happened to them. */
const REMEMBERED_ENDINGS = 10_000;

/**
 * The open transaction handles of one instance. Ids are random UUIDs; each
 * handle owns one pooled client until commit, rollback or idle timeout;
 * requests on one handle run one after the other, never interleaved.
 */
export class TransactionStore {
  private readonly open = new Map<string, Handle>();
  private readonly endings = new Map<string, TransactionReason>();

  constructor(
    private readonly source: ConnectionSource,
    private readonly runner: StatementRunner,
    private readonly defaultIdleTimeoutMs: number,
    private readonly errorContext: Omit<ErrorContext, 'phase'>,
    private readonly logger: Logger,
    private readonly onEnded: (transactionId: string, reason: TransactionReason) => void = () => undefined,
  ) {}

  get size(): number {
    return this.open.size;
  }

  async begin(p: BeginTransactionParams, xid?: XidReport): Promise<{ transactionId: string }> {
    const client = await this.source.acquire(p.timeout !== undefined ? Date.now() + p.timeout : undefined);
    const watch = new TransactionStatusWatch(client);
    try {
      await beginTransaction(client, beginStatement(p), p.readOnly ? undefined : xid, this.runner);
      if (p.readOnly) await client.query(READ_ONLY_LOCK_IN);
    } catch (error) {
      watch.dispose();
      const mapped = toPluginError(error, { ...this.errorContext, phase: 'query' });
      this.source.release(client, mapped.code === PluginErrorCode.CONNECTION_FAILED ? mapped : undefined);
      throw mapped;
    }
    const handle: Handle = {
      id: crypto.randomUUID(),
      client,
      watch,
      readOnly: p.readOnly === true,
      idleTimeoutMs: p.idleTimeout ?? this.defaultIdleTimeoutMs,
      timer: undefined,
      tail: Promise.resolve(),
      busy: 0,
      finished: undefined,
      lease: undefined,
    };
    this.open.set(handle.id, handle);
    this.arm(handle);
    return { transactionId: handle.id };
  }

  /** Runs a statement on the handle's client, after whatever is already queued on it. */
  run(transactionId: string, p: StatementParams, cancellation?: Cancellation): Promise<QueryResult> {
    const handle = this.lookup(transactionId);
    return this.serialize(handle, async () => {
      this.ensureUsable(handle);
      if (p.multiStatement && handle.readOnly) {
        throw refused('params.multiStatement', 'not allowed inside a readOnly transaction');
      }
      if (isTransactionControl(p.sql)) {
        throw refused('params.sql', 'transaction control statements are not allowed inside a transaction; use commit or rollback');
      }
      let result: QueryResult;
      try {
        result = await this.runner.run(handle.client, p, { cancellation });
      } catch (error) {
        throw await this.statementError(handle, error as PluginError);
      }
      const ending = endingOf(result.command, handle.watch.status);
      if (ending !== undefined) {
        // Refused up front by the grammar; should one get through, the handle ends and the answer
        // says what the server did. A session left in a chained transaction is closed, not pooled.
        await this.finish(handle, ending === 'committed' ? 'committed' : 'aborted');
        throw TransactionErrors.endedByStatement(transactionId, ending);
      }
      return result;
    });
  }

  /**
   * Runs `fn` with the handle's client, serialised like a statement (used by
   * batchInsert's COPY). A failure aborts the handle as a statement's would.
   */
  withClient<T>(transactionId: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const handle = this.lookup(transactionId);
    return this.serialize(handle, async () => {
      this.ensureUsable(handle);
      try {
        return await fn(handle.client);
      } catch (error) {
        throw await this.statementError(handle, toPluginError(error, { ...this.errorContext, phase: 'query' }));
      }
    });
  }

  /**
   * Hands the handle's client to `lease` (a cursor) until {@link unlease}:
   * meanwhile statements on the handle are refused, it has no idle timeout of
   * its own, and commit or rollback end the lease first.
   */
  lease(transactionId: string, lease: TransactionLease): Promise<pg.PoolClient> {
    const handle = this.lookup(transactionId);
    return this.serialize(handle, async () => {
      this.ensureUsable(handle);
      handle.lease = lease;
      handle.busy++;
      return handle.client;
    });
  }

  unlease(transactionId: string, lease: TransactionLease): void {
    const handle = this.open.get(transactionId);
    if (handle?.lease !== lease) return;
    handle.lease = undefined;
    handle.busy--;
    if (handle.busy === 0 && !handle.finished) this.arm(handle);
  }

  commit(transactionId: string): Promise<null> {
    const handle = this.lookup(transactionId);
    return this.serialize(handle, async () => {
      if (handle.finished) throw TransactionErrors.notFound(handle.id, handle.finished);
      await handle.lease?.end();
      if (handle.watch.status === 'E') {
        await this.rollbackAndFinish(handle, 'aborted', true);
        throw TransactionErrors.commitOfAborted(handle.id);
      }
      try {
        const result = await handle.client.query('COMMIT');
        // COMMIT of a transaction the server already failed answers ROLLBACK.
        if (result.command === 'ROLLBACK') {
          await this.finish(handle, 'aborted', undefined, true);
          throw TransactionErrors.commitOfAborted(handle.id);
        }
      } catch (error) {
        if (error instanceof PluginError) throw error;
        const mapped = toPluginError(error, { ...this.errorContext, phase: 'query' });
        if (mapped.code === PluginErrorCode.CONNECTION_FAILED) {
          await this.finish(handle, 'unknown', mapped, true);
          throw mapped;
        }
        await this.rollbackAndFinish(handle, 'aborted', true);
        const sqlState = mapped.details.sqlState as string | undefined;
        throw TransactionErrors.commitFailed(handle.id, mapped.message, mapped.details, isRetryableSqlState(sqlState));
      }
      await this.finish(handle, 'committed', undefined, true);
      return null;
    });
  }

  rollback(transactionId: string): Promise<null> {
    const handle = this.lookup(transactionId);
    return this.serialize(handle, async () => {
      if (handle.finished) throw TransactionErrors.notFound(handle.id, handle.finished);
      await this.rollbackAndFinish(handle, 'rolled-back', true);
      return null;
    });
  }

  /** Rolls back every open handle (shutdown, disconnect, closeAllConnections). */
  async rollbackAll(): Promise<void> {
    await Promise.all(
      [...this.open.values()].map((handle) =>
        this.serialize(handle, async () => {
          if (!handle.finished) await this.rollbackAndFinish(handle, 'rolled-back');
        }).catch(() => undefined),
      ),
    );
  }

  private lookup(transactionId: string): Handle {
    const handle = this.open.get(transactionId);
    if (!handle) throw TransactionErrors.notFound(transactionId, this.endings.get(transactionId) ?? 'unknown');
    return handle;
  }

  private ensureUsable(handle: Handle): void {
    if (handle.finished) throw TransactionErrors.notFound(handle.id, handle.finished);
    if (handle.lease) throw CursorErrors.transactionBusy(handle.id, handle.lease.id);
    if (handle.watch.status === 'E') throw TransactionErrors.aborted(handle.id);
  }

  /** Maps a statement failure inside a handle; the server has aborted the transaction. */
  private async statementError(handle: Handle, error: PluginError): Promise<PluginError> {
    if (error.code === PluginErrorCode.CONNECTION_FAILED) {
      await this.finish(handle, 'aborted', error);
      return error;
    }
    // Timeouts and cancellations keep their own code; the handle is aborted all the same.
    if (error.code === PluginErrorCode.QUERY_TIMEOUT || error.code === PluginErrorCode.QUERY_CANCELLED) {
      error.details.transactionId = handle.id;
      error.details.reason = 'aborted';
      return error;
    }
    if (error.code !== PluginErrorCode.QUERY_FAILED) return error;
    return TransactionErrors.statementFailed(handle.id, error.message, error.details);
  }

  private serialize<T>(handle: Handle, fn: () => Promise<T>): Promise<T> {
    if (handle.timer) clearTimeout(handle.timer);
    handle.timer = undefined;
    handle.busy++;
    const run = handle.tail.then(fn);
    handle.tail = run
      .catch(() => undefined)
      .then(() => {
        handle.busy--;
        if (handle.busy === 0 && !handle.finished) this.arm(handle);
      });
    return run;
  }

  private arm(handle: Handle): void {
    handle.timer = setTimeout(() => {
      handle.timer = undefined;
      void this.serialize(handle, async () => {
        if (handle.finished) return;
        this.logger.info({ transactionId: handle.id, idleTimeoutMs: handle.idleTimeoutMs }, 'transaction idle too long: rolled back');
        await this.rollbackAndFinish(handle, 'idle-timeout');
      }).catch(() => undefined);
    }, handle.idleTimeoutMs);
    handle.timer.unref();
  }

  private async rollbackAndFinish(handle: Handle, reason: TransactionReason, requested = false): Promise<void> {
    await handle.lease?.end().catch(() => undefined);
    let broken: Error | undefined;
    try {
      await handle.client.query('ROLLBACK');
    } catch (error) {
      // A client that can't even roll back is not given back to the pool.
      broken = error as Error;
    }
    await this.finish(handle, reason, broken, requested);
  }

  /** Ends the handle; `requested`: by the host's own commit or rollback, whose answer tells it already. */
  private async finish(handle: Handle, reason: TransactionReason, broken?: Error, requested = false): Promise<void> {
    if (handle.finished) return;
    handle.finished = reason;
    if (handle.timer) clearTimeout(handle.timer);
    handle.watch.dispose();
    this.open.delete(handle.id);
    this.endings.set(handle.id, reason);
    if (this.endings.size > REMEMBERED_ENDINGS) this.endings.delete(this.endings.keys().next().value!);
    if (!requested) this.onEnded(handle.id, reason);
    await this.source.release(handle.client, broken);
  }
}

function refused(path: string, message: string): PluginError {
  return invalidParams([{ path, message }]);
}

