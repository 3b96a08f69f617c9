import type pg from 'pg';
import type { NormalizedConfig } from '../../shared/config-schema';
import type { Logger } from '../runtime/logger';
import { cancelTargetOf } from './pg-internals';

/**
 * What an instance knows about a connection pooler between its pool and
 * PostgreSQL. Behind a transaction pooler (PgBouncer in transaction or
 * statement mode) consecutive transactions of one connection may run on
 * different server sessions, so nothing may rely on a session outliving its
 * transaction: named prepared statements (another session has the name, 42P05,
 * or lacks it, 26000), pipelined lanes, settings sent at connect, `SET`,
 * advisory locks, `LISTEN`. Such an instance runs unnamed statements one at a
 * time per connection, enforces timeouts from the worker, and refuses
 * session-bound statements (see sql/statement-reading `needsSession`).
 *
 * With `options.pooler: 'detect'` the first connection of the instance asks
 * the server for its backend pid: a pooler hands out keys of its own, so a pid
 * that differs from the one the connection was given means a proxy, taken as a
 * transaction pooler (a session-mode one can be declared with `'none'`). A
 * server that refuses the session settings at connect (PgBouncer's
 * "unsupported startup parameter") is one too.
 */
export class PoolerWatch {
  /** Sessions don't outlive transactions: the rules above apply. */
  transactionPooled: boolean;
  /** Whether the session settings (statement_timeout, lock_timeout, …) still go in the startup packet. */
  sessionSettings = true;
  private decided: boolean;
  private deciding: Promise<void> | undefined;
  /** The checkout that tells, while it runs. */
  private firstCheckout: Promise<unknown> | undefined;

  constructor(
    private readonly mode: NormalizedConfig['options']['pooler'],
    private readonly logger: Logger,
  ) {
    this.transactionPooled = mode === 'transaction';
    this.decided = mode !== 'detect';
  }

  /** Whether the first connection has been checked (always, unless `pooler: 'detect'`). */
  get known(): boolean {
    return this.decided;
  }

  /**
   * Runs `checkout`; while the first one is still telling whether a pooler is
   * in front, the others wait for it, so the check runs once and alone.
   */
  async first<T>(checkout: () => Promise<T>): Promise<T> {
    if (this.decided) return checkout();
    if (this.firstCheckout) {
      await this.firstCheckout.catch(() => undefined);
      return checkout();
    }
    const first = checkout();
    this.firstCheckout = first;
    try {
      return await first;
    } finally {
      this.firstCheckout = undefined;
    }
  }

  /** Resolves once {@link known}: after the first checkout in flight, else after `probe` (a checkout given back). Never rejects. */
  async settled(probe: () => Promise<void>): Promise<void> {
    if (this.decided) return;
    await (this.firstCheckout ?? probe()).then(
      () => undefined,
      () => undefined,
    );
  }

  /** Checks `client`, a fresh connection, once per instance; every caller waits for the same answer. */
  check(client: pg.ClientBase): Promise<void> {
    if (this.decided) return Promise.resolve();
    this.deciding ??= this.probe(client).finally(() => (this.deciding = undefined));
    return this.deciding;
  }

  /**
   * `error` came from connecting: when it is a pooler refusing the session
   * settings, they are dropped from the startup packet and `true` says to
   * connect again (nothing was sent).
   */
  refusedAtConnect(error: unknown): boolean {
    if (this.mode === 'none' || !isUnsupportedStartupParameter(error)) return false;
    this.sessionSettings = false;
    this.noteTransactionPooler('it refused the session settings at connect');
    return true;
  }

  /**
   * A named statement of the plugin's failed with 42P05 or 26000: the sessions
   * aren't the connection's own after all (a pooler the probe could not see, or
   * `pooler: 'none'` behind one). Named statements stop for this instance.
   */
  preparedNamesCollided(): void {
    this.noteTransactionPooler('its prepared statement names collided');
  }

  private async probe(client: pg.ClientBase): Promise<void> {
    const given = cancelTargetOf(client).processID;
    const { rows } = await client.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid');
    if (!this.decided && given !== null && rows[0]?.pid !== given) this.noteTransactionPooler('the server does not confirm the backend the connection was given');
    this.decided = true;
  }

  private noteTransactionPooler(why: string): void {
    this.decided = true;
    if (this.transactionPooled) return;
    this.transactionPooled = true;
    this.logger.warn(
      { reason: why },
      'a connection pooler is in front of PostgreSQL: statements run unnamed and unpipelined, session-bound statements are refused',
    );
  }
}

/** PgBouncer's answer to startup parameters it does not know (08P01, "unsupported startup parameter: …"). */
function isUnsupportedStartupParameter(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return e?.code === '08P01' && /unsupported startup parameter/i.test(e.message ?? '');
}
