import net from 'node:net';
import tls from 'node:tls';
import type { SessionTls } from '../shared/protocol';
import { cancelRequestPacket, sslRequestPacket } from '../shared/postgres-startup-packets';

/** A server session to cancel, as the worker reported it (connection/opened). */
export interface CancelTarget {
  host: string;
  port: number;
  backendPid: number;
  cancelKey: number;
  tls: SessionTls | false;
}

/** What became of one CancelRequest. */
export type CancelResult = { sent: true } | { sent: false; error: string };

/**
 * Sends PostgreSQL's CancelRequest for one session from the host, without a
 * driver: a new connection (TCP, or the Unix socket when `host` is a socket
 * directory), over TLS verified as the session was when it was made over TLS,
 * then the 16 bytes. Done when the server closes the connection (it never
 * answers a cancel); bounded by `timeoutMs`; never rejects.
 */
export function sendCancelRequest(target: CancelTarget, timeoutMs: number): Promise<CancelResult> {
  return new Promise((resolve) => {
    const unix = target.host.startsWith('/');
    const socket = unix ? net.connect(`${target.host}/.s.PGSQL.${target.port}`) : net.connect(target.port, target.host);
    let current: net.Socket = socket;
    let written = false;
    let settled = false;
    const finish = (result: CancelResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      current.destroy();
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ sent: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    const send = (stream: net.Socket): void => {
      current = stream;
      stream.once('close', () => finish(written ? { sent: true } : { sent: false, error: 'closed before the request was sent' }));
      stream.write(cancelRequestPacket(target.backendPid, target.cancelKey), () => (written = true));
    };
    socket.once('error', (error) => finish({ sent: false, error: error.message }));
    socket.once('connect', () => {
      // PostgreSQL has no TLS on Unix sockets; pg does not ask for it there either.
      if (target.tls === false || unix) return send(socket);
      socket.write(sslRequestPacket());
      socket.once('data', (answer) => {
        if (answer[0] !== 0x53 /* S */) return send(socket); // N: the server goes on in plain text
        const options: tls.ConnectionOptions = { socket, ...(target.tls as SessionTls) };
        // As pg does: the server name is the host unless that is an address (RFC 6066 allows no IPs there).
        if (options.servername === undefined && net.isIP(target.host) === 0) options.servername = target.host;
        const secure = tls.connect(options);
        current = secure;
        secure.once('error', (error) => finish({ sent: false, error: error.message }));
        secure.once('secureConnect', () => send(secure));
      });
    });
  });
}
