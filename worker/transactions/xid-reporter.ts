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
  if (journal && operation === 'transaction' && typeof token === 'number') return { began: (xid) => journal.write(token, xid), delivered: () => DELIVERED };
  return { began: (xid) => message.notify({ token, xid }), delivered: () => message.drain() };
}
