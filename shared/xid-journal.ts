/**
 * The transaction-id journal: a file both sides share (the worker inherits it
 * as a file descriptor), where the worker writes a `transaction` call's server
 * transaction id into a fixed slot before it sends COMMIT, and which the host
 * reads only when the worker dies. A write there is one `pwrite` into the page
 * cache, which survives the writer's death; unlike a notification it does not
 * wake the host on every transaction. Declarations only.
 */

/** `fd:slots` of the journal, in the worker's environment. */
export const XID_JOURNAL_ENV = 'POSTGRES_PLUGIN_XID_JOURNAL';
/** The descriptor the journal is inherited on (the one after stderr). */
export const XID_JOURNAL_FD = 3;
/** Slots of the ring: the record of token `n` is at slot `n % slots`. */
export const XID_JOURNAL_SLOTS = 8192;
/** Bytes per slot: `<token> <xid or ->`, space-padded, newline-ended. */
export const XID_SLOT_BYTES = 40;

/** Writes the record of `token` into `record` (XID_SLOT_BYTES long, reused by the writer): its id, or `-` when the server can commit no writes (in recovery). */
export function writeXidRecord(record: Buffer, token: number, xid: string | null): Buffer {
  record.fill(0x20);
  record.write(`${token} ${xid ?? '-'}`, 0, 'latin1');
  record[XID_SLOT_BYTES - 1] = 0x0a;
  return record;
}

/** What a slot says about `token`: its id (null: none to be had), or undefined when the slot holds no record of it. */
export function readXidRecord(slot: Buffer, token: number): string | null | undefined {
  const [owner, xid] = slot.toString('latin1').trim().split(' ');
  if (owner !== String(token) || xid === undefined) return undefined;
  return xid === '-' ? null : xid;
}
