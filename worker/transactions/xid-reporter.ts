import type { TransactionXidParams } from '../../shared/protocol';
import type { XidJournalWriter } from '../runtime/xid-journal-writer';
import type { XidReport } from './xid-report';

// Apart from xid-report.ts (which loads pg): the worker makes reporters before pg is loaded.
const DELIVERED = Promise.resolve();

/**
 * Where a request that carried an outcomeToken reports its transaction id: for `transaction`, the
 * host's journal when it gave one (no message, no wake-up of the host per transaction); otherwise
 * `transaction/xid` (for `beginTransaction` it leaves with the answer), `delivered` waiting until
 * that is with the OS.
 */
export function xidReporter(
  token: string | number,
  operation: string,
  journal: XidJournalWriter | undefined,
  message: { notify(params: TransactionXidParams): void; drain(): Promise<void> },
): XidReport {
  if (journal && operation === 'transaction' && typeof token === 'number') return journaled(journal, token);
  return { began: (xid) => message.notify({ token, xid }), delivered: () => message.drain() };
}

/**
 * The journal's report: the id is written in the loop turn after `began` (once the
 * transaction's next statement has left, while the server runs it, so the write is
 * off the path of a request alone), or by `delivered` before COMMIT if that comes first.
 * A worker that dies before the write has sent no COMMIT: nothing journaled means rolled back.
 */
function journaled(journal: XidJournalWriter, token: number): XidReport {
  let pending: { xid: string | null } | undefined;
  const write = (): void => {
    if (pending === undefined) return;
    journal.write(token, pending.xid);
    pending = undefined;
  };
  return {
    began: (xid) => {
      pending = { xid };
      setImmediate(write);
    },
    delivered: () => {
      write();
      return DELIVERED;
    },
  };
}
