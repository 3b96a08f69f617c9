import type pg from 'pg';
import { Errors } from '../../shared/errors';
import type { Cancellation } from '../statements/cancellation';
import { StatementCancel } from '../connection/cancel-request';

/**
 * The `timeout` and host cancellation of a whole batchInsert, which runs
 * several statements on one client (the statement runner bounds one
 * statement at a time). Past the deadline, or on cancel, the statement in
 * flight is cancelled on the server, and its 57014 error is reported as
 * POSTGRES_QUERY_TIMEOUT or POSTGRES_QUERY_CANCELLED; so the host never
 * hears "timed out" about a batch that then commits.
 */
export class BatchGuard {
  private reason: 'timeout' | 'cancelled' | undefined;
  private client: pg.PoolClient | undefined;
  private cancelSent: StatementCancel | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly listener: { dispose(): void } | undefined;

  constructor(
    private readonly timeoutMs: number | undefined,
    cancellation: Cancellation | undefined,
  ) {
    if (cancellation?.isCancellationRequested) this.reason = 'cancelled';
    if (timeoutMs !== undefined) this.timer = setTimeout(() => this.stop('timeout'), timeoutMs);
    this.listener = cancellation?.onCancellationRequested(() => this.stop('cancelled'));
  }

  /** The client the batch runs on: the one a cancel is sent for. */
  use(client: pg.PoolClient): void {
    this.client = client;
    if (this.reason) this.stop(this.reason);
  }

  /** Between statements: throws once the deadline passed or the host cancelled. */
  check(): void {
    if (this.reason) throw this.error();
  }

  /** The error to report for `error`, which may be the server's answer to our cancel. */
  map(error: unknown): unknown {
    if (this.reason && (error as { code?: string }).code === '57014') return this.error();
    return error;
  }

  /** Stops the timer; waits for a cancel still on its way so it can't hit the client's next statement. */
  async dispose(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.listener?.dispose();
    await this.cancelSent?.finish();
  }

  private stop(reason: 'timeout' | 'cancelled'): void {
    this.reason ??= reason;
    if (this.client && !this.cancelSent) this.cancelSent = new StatementCancel(this.client);
  }

  private error(): Error {
    return this.reason === 'timeout' ? Errors.queryTimeout(this.timeoutMs ?? 0, { operation: 'batchInsert' }) : Errors.queryCancelled({ operation: 'batchInsert' });
  }
}
