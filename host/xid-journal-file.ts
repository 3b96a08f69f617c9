import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readXidRecord, XID_JOURNAL_SLOTS, XID_SLOT_BYTES } from '../shared/xid-journal';

/**
 * The host's side of the transaction-id journal (shared/xid-journal.ts): a
 * temporary file, unlinked as soon as it is open (nothing is left behind, even
 * if the host is killed), handed to one worker as a descriptor and read only
 * after that worker died.
 */
export class XidJournalFile {
  readonly fd: number;
  readonly slots = XID_JOURNAL_SLOTS;
  private closed = false;

  constructor() {
    const file = path.join(os.tmpdir(), `postgres-plugin-xids-${process.pid}-${Math.random().toString(36).slice(2)}`);
    this.fd = fs.openSync(file, 'w+', 0o600);
    fs.unlinkSync(file);
    fs.ftruncateSync(this.fd, this.slots * XID_SLOT_BYTES);
  }

  /** What the worker wrote for `token`: its transaction id, null (none to be had), or undefined (nothing written). */
  read(token: number): string | null | undefined {
    if (this.closed) return undefined;
    const slot = Buffer.alloc(XID_SLOT_BYTES);
    fs.readSync(this.fd, slot, 0, XID_SLOT_BYTES, (token % this.slots) * XID_SLOT_BYTES);
    return readXidRecord(slot, token);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
