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
