/**
 * The two PostgreSQL startup messages a cancel needs, byte for byte (protocol
 * 3.0, "Message Formats"): both sides send CancelRequests without a driver.
 */

const CANCEL_REQUEST_CODE = 80877102;
const SSL_REQUEST_CODE = 80877103;

/** CancelRequest: sent on a fresh connection instead of a startup packet; the server closes it without a reply. */
export function cancelRequestPacket(backendPid: number, cancelKey: number): Buffer {
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(backendPid, 8);
  packet.writeInt32BE(cancelKey, 12);
  return packet;
}

/** SSLRequest: the server answers one byte, `S` (TLS handshake next) or `N` (go on in plain text). */
export function sslRequestPacket(): Buffer {
  const packet = Buffer.alloc(8);
  packet.writeInt32BE(8, 0);
  packet.writeInt32BE(SSL_REQUEST_CODE, 4);
  return packet;
}
