import crypto from 'node:crypto';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import type { NormalizedConfig } from '../../shared/config-schema';
import { CursorErrors, type CursorReason } from '../../shared/cursor-errors';
import { DEFAULT_CURSOR_BATCH, type FetchParams, type FetchResult, type OpenCursorParams, type OpenCursorResult } from '../../shared/cursor-params';
import { PluginErrorCode } from '../../shared/error-codes';
import type { PluginError } from '../../shared/plugin-error';
import type { FieldInfo } from '../../shared/results';
import { invalidParams } from '../../shared/validation';
import type { ConnectionSource } from '../connection/connection-source';
import { cancelRunningStatement } from '../connection/cancel-request';
import { toPluginError, type ErrorContext } from '../connection/error-mapping';
import { asCustomTypes, cursorFinished, submit } from '../connection/pg-internals';
import { noteSessionChanged, noteStatement } from '../connection/session-reset';
import { jsonSafeTypes } from '../connection/type-parsers';
import type { Logger } from '../runtime/logger';
import { isTransactionControl } from '../sql/statement-kinds';
import { grammarLoaded, grammarReady, readStatement } from '../sql/statement-reading';
import { refuseSessionBound } from '../statements/pooler-refusals';
import type { Cancellation } from '../statements/cancellation';
import type { TransactionLease, TransactionStore } from '../transactions/transaction-store';
import { readBatch, type ReadBounds } from './cursor-read';

/** How many ended cursor ids are remembered, to say what happened to them. */
const REMEMBERED_ENDINGS = 10_000;
/** Longest a cursor's close may wait for the server before its session is given up. */
const CLOSE_BOUND_MS = 5_000;

const CURSOR_TYPES = asCustomTypes(jsonSafeTypes);

interface OpenCursor extends TransactionLease {
  client: pg.PoolClient;
  cursor: Cursor;
  transactionId: string | undefined;
  batchSize: number;
  timeoutMs: number | undefined;
  idleTimeoutMs: number;
  fields: FieldInfo[];
  /** The first batch, read when the cursor opened, until the first fetch takes it. */
  first: { rows: unknown[]; done: boolean } | undefined;
  /** The chain that serialises fetches of this cursor. */
  tail: Promise<unknown>;
  /** The fetch the server is answering now. */
  reading: Promise<unknown> | undefined;
  timer: NodeJS.Timeout | undefined;
  ended: Promise<void> | undefined;
}

/**
 * The open cursors of one instance (pg-cursor): a result of any size read in
 * batches, the next batch read from the server only when a fetch asks for it.
 * A cursor is a lease like a transaction handle: it holds one pooled session
 * (or its transaction's, reading in that snapshot) until it is read to its
 * end, closed, idle past its timeout, or its transaction or worker ends.
 * Ids are random UUIDs; an ended one answers POSTGRES_CURSOR_NOT_FOUND with the reason.
 */
export class CursorStore {
  private readonly open = new Map<string, OpenCursor>();
  private readonly endings = new Map<string, CursorReason>();

  constructor(
    private readonly source: ConnectionSource,
    private readonly transactions: TransactionStore,
    private readonly config: NormalizedConfig,
    private readonly errorContext: Omit<ErrorContext, 'phase'>,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Starts the statement and reads its first batch (so a failing statement fails here); answers the id and columns. */
  async openCursor(p: OpenCursorParams, cancellation?: Cancellation): Promise<OpenCursorResult> {
    const max = this.config.options.maxCursors;
    if (this.open.size >= max) throw CursorErrors.tooMany(max);
    if (!grammarLoaded()) await grammarReady;
    if (isTransactionControl(p.sql)) {
      throw invalidParams([{ path: 'params.sql', message: 'transaction control statements are not read with a cursor; use beginTransaction, commit and rollback' }]);
    }
    const reading = readStatement(p.sql);
    // Behind a transaction pooler (pooler-watch) a cursor's statement is refused like any
    // session-bound one, and its batches are bounded by the worker: no session carries a timeout.
    const deadline = Date.now() + (p.timeout ?? this.config.options.queryTimeout);
    if (!this.source.pooler.known) await this.source.pooler.settled(() => this.source.acquire(deadline).then((c) => this.source.release(c)));
    const pooled = this.source.pooler.transactionPooled;
    if (pooled) refuseSessionBound(reading, p.transactionId !== undefined);
    const id = crypto.randomUUID();
    const entry = { id, transactionId: p.transactionId, tail: Promise.resolve() as Promise<unknown> } as OpenCursor;
    entry.end = () => this.end(entry, 'transaction-ended');
    entry.client =
      p.transactionId !== undefined
        ? await this.transactions.lease(p.transactionId, entry)
        : await this.source.acquire(deadline);
    noteStatement(entry.client, reading, false);
    if (!pooled) await this.liftStatementTimeout(entry);
    entry.cursor = new Cursor(p.sql, p.params as unknown[] | undefined, { ...(p.rowMode === 'array' ? { rowMode: 'array' as const } : {}), types: CURSOR_TYPES });
    entry.batchSize = p.batchSize ?? DEFAULT_CURSOR_BATCH;
    // Each batch is bounded by the worker: the server's statement_timeout would count the cursor's whole life.
    entry.timeoutMs = p.timeout ?? this.config.options.queryTimeout;
    entry.idleTimeoutMs = p.idleTimeout ?? this.config.options.cursorIdleTimeout;
    submit(entry.client, entry.cursor);
    this.open.set(id, entry);
    try {
      const batch = await this.read(entry, entry.batchSize, { cancellation, timeoutMs: entry.timeoutMs });
      entry.fields = batch.fields;
      entry.first = { rows: batch.rows, done: batch.done };
    } catch (error) {
      await this.end(entry, 'failed', error as PluginError);
      throw error;
    }
    // A result that fit the first batch needs its session no longer.
    if (entry.first.done) await this.release(entry);
    else this.arm(entry);
    return { cursorId: id, fields: entry.fields };
  }

  /** The next batch: up to `count` rows (default the cursor's batchSize); `done` once the result is read to its end. */
  fetch(p: FetchParams, cancellation?: Cancellation): Promise<FetchResult<unknown>> {
    const entry = this.lookup(p.cursorId);
    const run = entry.tail.then(async (): Promise<FetchResult<unknown>> => {
      if (entry.ended) throw CursorErrors.notFound(entry.id, this.endings.get(entry.id) ?? 'unknown');
      if (entry.timer) clearTimeout(entry.timer);
      const first = entry.first;
      let batch: { rows: unknown[]; done: boolean };
      if (first !== undefined) {
        entry.first = undefined;
        batch = first;
      } else {
        try {
          batch = await this.read(entry, p.count ?? entry.batchSize, { cancellation, timeoutMs: p.timeout ?? entry.timeoutMs });
        } catch (error) {
          await this.end(entry, 'failed', error as PluginError);
          throw error;
        }
      }
      if (batch.done) await this.end(entry, 'done');
      else this.arm(entry);
      return { rows: batch.rows, done: batch.done };
    });
    entry.tail = run.catch(() => undefined);
    return run;
  }

  /** Closes the cursor on the server (a fetch being answered is cancelled first). */
  async closeCursor(cursorId: string): Promise<null> {
    await this.end(this.lookup(cursorId), 'closed');
    return null;
  }

  /** Closes every cursor (shutdown, disconnect, closeAllConnections). */
  async closeAll(reason: CursorReason = 'closed'): Promise<void> {
    await Promise.all([...this.open.values()].map((entry) => this.end(entry, reason)));
  }

  private lookup(cursorId: string): OpenCursor {
    const entry = this.open.get(cursorId);
    if (!entry) throw CursorErrors.notFound(cursorId, this.endings.get(cursorId) ?? 'unknown');
    return entry;
  }

  private read(entry: OpenCursor, count: number, bounds: ReadBounds) {
    const reading = readBatch(entry.client, entry.cursor, count, bounds, this.errorContext);
    entry.reading = reading;
    return reading.finally(() => {
      if (entry.reading === reading) entry.reading = undefined;
    });
  }

  /**
   * PostgreSQL's statement_timeout runs from a cursor's first message to its
   * final Sync, idle time between fetches included, so it is lifted for the
   * cursor's session (SET LOCAL inside a transaction handle, restored when
   * the cursor ends; else SET, undone by the session reset on release).
   */
  private async liftStatementTimeout(entry: OpenCursor): Promise<void> {
    const inTransaction = entry.transactionId !== undefined;
    try {
      await entry.client.query(inTransaction ? 'SET LOCAL statement_timeout = 0' : 'SET statement_timeout = 0');
    } catch (error) {
      if (inTransaction) this.transactions.unlease(entry.transactionId!, entry);
      else this.source.release(entry.client, error as Error);
      throw toPluginError(error, { ...this.errorContext, phase: 'query' });
    }
    if (!inTransaction) noteSessionChanged(entry.client);
  }

  private arm(entry: OpenCursor): void {
    entry.timer = setTimeout(() => {
      this.logger.info({ cursorId: entry.id, idleTimeoutMs: entry.idleTimeoutMs }, 'cursor idle too long: closed');
      void this.end(entry, 'idle-timeout');
    }, entry.idleTimeoutMs);
    entry.timer.unref();
  }

  /** Ends the cursor once: forgotten with `reason`, closed on the server, its session given back. */
  private end(entry: OpenCursor, reason: CursorReason, error?: PluginError): Promise<void> {
    entry.ended ??= (async () => {
      if (entry.timer) clearTimeout(entry.timer);
      this.open.delete(entry.id);
      this.endings.set(entry.id, reason);
      if (this.endings.size > REMEMBERED_ENDINGS) this.endings.delete(this.endings.keys().next().value!);
      await this.release(entry, error);
    })();
    return entry.ended;
  }

  /** Closes the portal (cancelling a batch the server is producing) and gives the session back, once. */
  private release(entry: OpenCursor, error?: PluginError): Promise<void> {
    const client = entry.client;
    if (client === undefined) return Promise.resolve();
    (entry as { client: pg.PoolClient | undefined }).client = undefined;
    return (async () => {
      let broken: Error | undefined = error?.code === PluginErrorCode.CONNECTION_FAILED ? error : undefined;
      if (!broken && entry.reading) {
        // A batch is being produced: stop it on the server, then close what is left of the portal.
        await cancelRunningStatement(client);
        await entry.reading.catch(() => undefined);
      }
      if (!broken && !cursorFinished(entry.cursor)) broken = await closeWithin(entry.cursor, CLOSE_BOUND_MS);
      if (entry.transactionId !== undefined && !broken && !this.source.pooler.transactionPooled) {
        // The rest of the transaction has its statement_timeout again.
        await client.query(`SET LOCAL statement_timeout = ${this.config.options.queryTimeout}`).catch(() => undefined);
      }
      if (entry.transactionId !== undefined) this.transactions.unlease(entry.transactionId, entry);
      else await this.source.release(client, broken);
    })();
  }
}

/** Closes the cursor's portal; an error (the session is not to be pooled again) when the server does not answer in time. */
async function closeWithin(cursor: Cursor, boundMs: number): Promise<Error | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error('the cursor did not close in time')), boundMs);
  });
  try {
    return await Promise.race([cursor.close().then(() => undefined, (error: Error) => error), late]);
  } finally {
    clearTimeout(timer);
  }
}
