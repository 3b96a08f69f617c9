import fs from 'node:fs';
import { writeXidRecord, XID_JOURNAL_ENV, XID_SLOT_BYTES } from '../../shared/xid-journal';

/** The worker's side of the transaction-id journal (shared/xid-journal.ts), when its host gave it one. */
export interface XidJournalWriter {
  /** Writes the record of `token` (synchronously: it is in the page cache when this returns). */
  write(token: number, xid: string | null): void;
}

/** The journal named by the environment (`fd:slots`), or undefined when there is none or it can't be written. */
export function xidJournalFromEnv(): XidJournalWriter | undefined {
  const match = /^(\d+):(\d+)$/.exec(process.env[XID_JOURNAL_ENV] ?? '');
  if (!match) return undefined;
  const fd = Number(match[1]);
  const slots = Number(match[2]);
  try {
    fs.fstatSync(fd);
  } catch {
    return undefined;
  }
  // One record buffer for every write: a write is synchronous, so it is free again when write returns.
  const record = Buffer.alloc(XID_SLOT_BYTES);
  return { write: (token, xid) => void fs.writeSync(fd, writeXidRecord(record, token, xid), 0, XID_SLOT_BYTES, (token % slots) * XID_SLOT_BYTES) };
}
