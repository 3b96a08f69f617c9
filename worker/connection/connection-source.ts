import pg from 'pg';
import type { NormalizedConfig } from '../../shared/config-schema';
import { PluginErrorCode } from '../../shared/error-codes';
import { Errors } from '../../shared/errors';
import type { PluginError } from '../../shared/plugin-error';
import type { InstanceState } from '../../shared/protocol';
import type { StateListener } from '../instance/plugin-context';
import { toPluginError, type ErrorContext } from './error-mapping';
import type { Logger } from '../runtime/logger';
import { closeLongestIdle } from './pg-internals';
import { poolOptionsFor, serverKeyOf } from './pool-options';
import { needsReset, resetSession } from './session-reset';
import { cancelRunningStatement } from './cancel-request';
import type { PoolerWatch } from './pooler-watch';
import { sessionEnded, watchSessionEnding } from './session-ending';
import type { ConnectionBudget } from './connection-budget';
import type { BudgetMember } from './budget-member';
import type { ServerBudget } from './server-budget';
import { SessionSetup, type SessionListener } from './session-setup';

export type { StateListener } from '../instance/plugin-context';

/**
 * Owns one instance's `pg.Pool`: created lazily, ended on demand, re-created on
 * next use. Every checkout goes through {@link acquire}, the one place where
 * connect-phase errors are mapped (nothing was sent, so they are retryable),
 * and through the server's connection budget: a checked-out client (a
 * statement's, a lane's, a transaction handle's, a cursor's) counts as busy
 * until {@link release}; idle ones may be closed to make room for other
 * instances.
 */
export class ConnectionSource implements BudgetMember {
  private pool: pg.Pool | undefined;
  private endings = new Set<Promise<void>>();
  /** Clients checked out right now, so shutdown can cancel what they run. */
  private readonly active = new Set<pg.PoolClient>();
  private readonly serverBudget: ServerBudget;
  /** Connections of every pool of this source (the current one and those ending) that exist on the server or may. */
  private aliveCount = 0;
  lastUsed = 0;

  private state: InstanceState | undefined;
  private reachable = false;
  private readonly setup: SessionSetup;

  constructor(
    private readonly config: NormalizedConfig,
    private readonly logger: Logger,
    private readonly errorContext: Omit<ErrorContext, 'phase'>,
    readonly pooler: PoolerWatch, // what is known of a pooler in front; the first checkout informs it
    private readonly onState: StateListener = () => undefined,
    budget: ConnectionBudget,
    sessions?: SessionListener,
  ) {
    this.serverBudget = budget.server(serverKeyOf(config));
    this.setup = new SessionSetup(config.options.connectionCheckInterval, logger, sessions);
  }

  /** The live pool, created on first use. */
  get current(): pg.Pool {
    return (this.pool ??= this.createPool());
  }

  /** Whether a pool exists (it may have no connection open yet). */
  get hasPool(): boolean {
    return this.pool !== undefined;
  }

  /**
   * Whether the server answered: true after a connection was checked out,
   * false again once a statement lost its connection or the pool was ended.
   */
  get connected(): boolean {
    return this.reachable && this.pool !== undefined;
  }

  /** A statement lost its connection: {@link connected} is false until the next checkout. */
  connectionLost(): void {
    this.reachable = false;
  }

  /**
   * Checks out a client, or rejects with a mapped connect-phase error. With
   * `options.autoReconnect`, a failed connection is retried every
   * `reconnectInterval` up to `maxReconnectAttempts` times, never past
   * `deadline` (epoch ms). Nothing has been sent yet, so retrying is safe.
   * While the first one tells whether a pooler is in front, others wait (pooler-watch).
   */
  acquire(deadline?: number): Promise<pg.PoolClient> {
    return this.pooler.first(() => this.checkout(deadline));
  }

  private async checkout(deadline: number | undefined): Promise<pg.PoolClient> {
    const { autoReconnect, reconnectInterval, maxReconnectAttempts } = this.config.options;
    for (let attempt = 0; ; attempt++) {
      const pool = this.current;
      const withSettings = this.pooler.sessionSettings;
      try {
        this.lastUsed = Date.now();
        const client = await this.serverBudget.checkout(this, this.waitMs(deadline), (poolFull) => this.exhausted(poolFull));
        if (!this.pooler.known) await this.pooler.check(client).catch((error: Error) => (client.release(error), Promise.reject(error)));
        this.active.add(client);
        this.reachable = true;
        if (this.state !== 'connected') this.setState('connected');
        return client;
      } catch (error) {
        if (withSettings && this.pooler.refusedAtConnect(error)) {
          // Nothing was sent: reconnect without them; the old pool holds nothing (ending it would strand its queue).
          if (this.pool === pool) this.pool = undefined;
          attempt--;
          continue;
        }
        const mapped = toPluginError(error, {
          ...this.errorContext,
          phase: 'connect',
          poolMax: this.config.pool.max,
          acquireTimeoutMs: this.config.pool.connectionTimeoutMillis,
        });
        // A server with no slot left (53300) is retried like one that can't be reached.
        const unreachable = (mapped.code === PluginErrorCode.CONNECTION_FAILED && mapped.retryable) || mapped.details.reason === 'server-full';
        const inTime = deadline === undefined || Date.now() + reconnectInterval < deadline;
        if (!autoReconnect || !unreachable || attempt >= maxReconnectAttempts || !inTime) {
          if (unreachable) {
            mapped.details.attempts = attempt + 1;
            this.setState('failed', attempt + 1, mapped);
          }
          throw mapped;
        }
        this.setState('reconnecting', attempt + 1, mapped);
        await new Promise((resolve) => setTimeout(resolve, reconnectInterval));
      }
    }
  }

  /** How long a checkout may wait for room: `connectionTimeoutMillis` (0: no bound), never past `deadline`. */
  private waitMs(deadline: number | undefined): number {
    const own = this.config.pool.connectionTimeoutMillis > 0 ? this.config.pool.connectionTimeoutMillis : Infinity;
    return deadline === undefined ? own : Math.min(own, deadline - Date.now());
  }

  private exhausted(poolFull: boolean): PluginError {
    const waited = this.config.pool.connectionTimeoutMillis;
    if (poolFull) return Errors.poolExhausted(this.config.pool.max, waited);
    const b = this.serverBudget;
    return Errors.budgetExhausted(this.config.pool.max, waited, { server: b.server, maxServerConnections: b.limit, open: b.open, waiting: b.waiting });
  }

  private setState(state: InstanceState, attempt?: number, error?: PluginError): void {
    if (state === this.state && state !== 'reconnecting') return;
    this.state = state;
    this.onState(state, attempt, error);
    if (state !== 'connected' || attempt !== undefined) this.logger.info({ state, attempt }, `instance ${state}`);
  }

  /**
   * Returns a client; with an error it is destroyed instead of reused. When the session is reset
   * first, the reset's promise: a request answers after it, once its locks and temp tables are gone.
   */
  release(client: pg.PoolClient, error?: Error): Promise<void> | undefined {
    this.active.delete(client);
    // The server said FATAL (session-ending): gone even if its socket has not closed yet.
    if (error === undefined && sessionEnded(client)) return void client.release(new Error('the server ended the session'));
    const status = client.getTransactionStatus();
    if (error === undefined && (status === 'T' || status === 'E')) {
      // Never pool a session still inside a transaction: the next request would run in it.
      // Destroying the client closes the session, which rolls the transaction back.
      this.logger.warn({ status }, 'a pooled session was released inside a transaction: closed');
      client.release(new Error('session released inside a transaction'));
      return undefined;
    }
    if (error === undefined && needsReset(client) && !this.pooler.transactionPooled) {
      // A statement may have left session state behind (a SET, a temp table, a lock): clear it first.
      return resetSession(client, this.setup.afterReset).then(
        () => this.giveBack(client),
        (failure: Error) => this.giveBack(client, failure),
      );
    }
    this.giveBack(client, error);
    return undefined;
  }

  /** Back to the pool (or closed, with an error); an instance waiting for a connection may now get it. */
  private giveBack(client: pg.PoolClient, error?: Error): void {
    this.lastUsed = Date.now();
    client.release(error);
    this.serverBudget.pulse();
  }

  /** Cancels, on the server, whatever the checked-out clients are running. */
  async cancelActive(): Promise<void> {
    await Promise.all([...this.active].map((client) => cancelRunningStatement(client)));
  }

  /** Number of clients checked out now. */
  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Ends the pool: idle clients close now, checked-out ones when released.
   * The next {@link acquire} starts a fresh pool.
   */
  async end(): Promise<void> {
    this.reachable = false;
    this.serverBudget.dropWaiters(this, Errors.poolClosed());
    const pool = this.pool;
    this.pool = undefined;
    if (!pool) return;
    const ending = pool.end().catch((error: Error) => {
      this.logger.warn({ err: error.message }, 'error while ending pool');
    });
    this.endings.add(ending);
    await ending;
    this.endings.delete(ending);
    if (this.aliveCount === 0 && !this.pool) this.serverBudget.leave(this);
  }

  /** Resolves when every pool this source ever ended has finished ending. */
  async drained(): Promise<void> {
    await Promise.all([...this.endings]);
  }

  // BudgetMember: what the server budget asks of this instance.
  get alive(): number {
    return this.aliveCount;
  }

  get takeableIdle(): number {
    const pool = this.pool;
    return pool ? pool.idleCount - pool.waitingCount : 0;
  }

  get canOpen(): boolean {
    const pool = this.pool;
    return !pool || (pool.idleCount === 0 && pool.totalCount < this.config.pool.max);
  }

  get idleCount(): number {
    return this.pool?.idleCount ?? 0;
  }

  get busyCount(): number {
    return this.active.size;
  }

  /** Checkouts of this instance waiting for a connection (their turn in the budget, or a client of the full pool). */
  get waitingCount(): number {
    return this.serverBudget.waitingOf(this) + (this.pool?.waitingCount ?? 0);
  }

  closeIdle(): Promise<void> | undefined {
    return this.pool && closeLongestIdle(this.pool);
  }

  checkoutNow(): Promise<pg.PoolClient> {
    return this.current.connect();
  }

  /**
   * pg's Client, counted: from its creation (before it connects) until its
   * socket has closed, so the budget never undercounts what the server may
   * still hold.
   */
  private readonly CountedClient = ((source: ConnectionSource) =>
    class CountedClient extends pg.Client {
      constructor(config?: string | pg.ClientConfig) {
        super(config);
        source.aliveCount++;
        source.serverBudget.connectionOpened();
        this.once('end', () => {
          source.aliveCount--;
          if (source.aliveCount === 0 && !source.pool) source.serverBudget.leave(source);
          source.serverBudget.connectionClosed();
        });
      }
    })(this);

  private createPool(): pg.Pool {
    this.serverBudget.join(this);
    const pool = new pg.Pool({ ...poolOptionsFor(this.config, this.pooler.sessionSettings), Client: this.CountedClient, onConnect: this.setup.onConnect });
    pool.on('remove', this.setup.onRemove);
    // An idle client dying (server restart, network) must never crash the process.
    pool.on('error', (error: Error) => {
      this.logger.warn({ err: error.message }, 'idle PostgreSQL client failed and was removed from the pool');
    });
    // pg-pool listens for errors only while a client is idle. A checked-out client
    // whose server goes away between statements (e.g. an immediate shutdown)
    // emits 'error' too; without a listener that would crash the worker. The
    // statement in flight, if any, fails on its own; the client is not reused.
    pool.on('connect', (client: pg.PoolClient) => {
      client.on('error', (error: Error) => this.logger.warn({ err: error.message }, 'PostgreSQL connection failed'));
      watchSessionEnding(client);
    });
    if (this.config.logging.logConnections) {
      pool.on('connect', () => this.logger.info({ total: pool.totalCount }, 'pool opened a connection'));
      pool.on('remove', () => this.logger.info({ total: pool.totalCount }, 'pool closed a connection'));
    }
    return pool;
  }
}
