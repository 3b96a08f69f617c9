import net from 'node:net';
import type pg from 'pg';
import { cancelRequestPacket } from '../../shared/postgres-startup-packets';
import { cancelTargetOf, type CancelTarget } from './pg-internals';

const CANCEL_SOCKET_TIMEOUT_MS = 2_000;

/**
 * Sends PostgreSQL's CancelRequest for a backend on a fresh connection, so a
 * running statement really stops on the server. Resolves when the server has
 * taken the request (it closes the socket), never rejects: cancellation is
 * best effort, and the caller's own error path stays in charge.
 */
export function cancelBackend(target: CancelTarget): Promise<void> {
  if (target.processID === null || target.secretKey === null) return Promise.resolve();
  const packet = cancelRequestPacket(target.processID, target.secretKey);
  const host = target.host ?? 'localhost';
  const port = target.port ?? 5432;
  return new Promise((resolve) => {
    const socket = host.startsWith('/') ? net.connect(`${host}/.s.PGSQL.${port}`) : net.connect(port, host);
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, CANCEL_SOCKET_TIMEOUT_MS);
    socket.once('connect', () => socket.write(packet));
    socket.once('error', done);
    socket.once('close', done);
    socket.once('end', done);
  });
}

/** Cancels, on the server, whatever `client`'s session is running now (see {@link cancelBackend}). */
export function cancelRunningStatement(client: pg.ClientBase): Promise<void> {
  return cancelBackend(cancelTargetOf(client));
}

/** Pause before a cancel is sent again for a statement that is still running. */
const CANCEL_RESEND_MS = 250;
/** Cancels sent for one statement at most (about 2 s of trying). */
const CANCEL_SENDS = 8;

/**
 * Cancelling one statement until it has ended. PostgreSQL ignores a cancel
 * that reaches the backend while it reads its next command, so one sent just
 * as the statement was written (or still on its way to the server) can be
 * lost and the statement runs to its end. The cancel is sent again every
 * 250 ms (at most 8 times) until `finish()`, which the statement's owner calls
 * once the statement has been answered.
 */
export class StatementCancel {
  private sends = 0;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  /** `onSend` runs at each send (a lane counts a following statement's 57014 as the cancel's side effect). */
  constructor(
    private readonly client: pg.ClientBase,
    private readonly onSend?: () => void,
  ) {
    this.send();
  }

  /** The statement has ended: no more cancels; resolves once the one on its way (if any) has reached the server. */
  finish(): Promise<void> {
    this.finished = true;
    clearTimeout(this.timer);
    return this.inFlight ?? Promise.resolve();
  }

  private send(): void {
    this.sends++;
    this.onSend?.();
    const sent = cancelRunningStatement(this.client);
    this.inFlight = sent;
    void sent.then(() => {
      if (this.inFlight === sent) this.inFlight = undefined;
      if (!this.finished && this.sends < CANCEL_SENDS) this.timer = setTimeout(() => this.send(), CANCEL_RESEND_MS);
    });
  }
}
