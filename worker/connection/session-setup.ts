import type pg from 'pg';
import type { Logger } from '../runtime/logger';
import type { SessionTls } from '../../shared/protocol';
import { cancelTargetOf, tlsOf } from './pg-internals';

/** A pooled session as the host needs it to cancel its statements on its own (connection/opened). */
export interface SessionFacts {
  backendPid: number;
  cancelKey: number;
  host: string;
  port: number;
  tls: SessionTls | false;
}

/** Told when a pooled session opens and closes. */
export interface SessionListener {
  opened(session: SessionFacts): void;
  closed(backendPid: number): void;
}

/**
 * What every new session of one pool gets before its first use: the host is
 * told its backend pid and cancel key (so statements of a worker that died
 * can be cancelled from outside), and on PostgreSQL 14+ it gets
 * `client_connection_check_interval`, so the server itself stops a statement
 * whose client vanished. The setting is a session-level SET (a startup option
 * would make servers before 14 refuse the connection, and PgBouncer refuses
 * unknown startup options), so it is set again after `DISCARD ALL`.
 */
export class SessionSetup {
  /** Whether the server has the setting: learned from the first session (by its version). */
  private checkSupported: boolean | undefined;

  constructor(
    private readonly checkIntervalMs: number,
    private readonly logger: Logger,
    private readonly listener: SessionListener | undefined,
  ) {}

  /** pg-pool's `onConnect`: awaited before the session is handed out; never rejects. */
  readonly onConnect = async (client: pg.ClientBase): Promise<void> => {
    const target = cancelTargetOf(client);
    if (this.listener && target.processID !== null && target.secretKey !== null) {
      this.listener.opened({
        backendPid: target.processID,
        cancelKey: target.secretKey,
        host: target.host ?? 'localhost',
        port: target.port ?? 5432,
        tls: tlsOf(client),
      });
    }
    if (this.checkIntervalMs <= 0 || this.checkSupported === false) return;
    try {
      if (this.checkSupported) {
        await client.query(this.setCheckInterval);
        return;
      }
      const result = await client.query(
        `SELECT set_config('client_connection_check_interval', '${this.checkIntervalMs}', false) WHERE current_setting('server_version_num')::int >= 140000`,
      );
      this.checkSupported = result.rowCount === 1;
    } catch (error) {
      // A session that can't take the setting still works; the host's cancels remain.
      this.logger.warn({ err: (error as Error).message }, 'could not set client_connection_check_interval');
    }
  };

  /** pg-pool's `remove`. */
  readonly onRemove = (client: pg.ClientBase): void => {
    const pid = cancelTargetOf(client).processID;
    if (this.listener && pid !== null) this.listener.closed(pid);
  };

  /** What runs with `DISCARD ALL` (in the same round trip) to restore the session's setup. */
  get afterReset(): string | undefined {
    return this.checkSupported && this.checkIntervalMs > 0 ? this.setCheckInterval : undefined;
  }

  private get setCheckInterval(): string {
    return `SET client_connection_check_interval = ${this.checkIntervalMs}`;
  }
}
