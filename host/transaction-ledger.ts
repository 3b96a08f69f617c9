import { PluginErrorCode } from '../shared/error-codes';
import { TransactionErrors } from '../shared/errors';
import type { PluginError } from '../shared/plugin-error';

/** Bound on remembered transaction ids (for `worker-restarted` answers). */
const REMEMBERED_TRANSACTIONS = 10_000;

interface Entry {
  /** The worker generation that holds the handle. */
  generation: number;
  /** Its server transaction id, when the worker reported one at begin. */
  xid: string | null | undefined;
}

/**
 * The transaction handles the host knows of: which worker generation holds
 * each (a handle of an earlier one answers `worker-restarted`), and its
 * server transaction id, so a commit whose worker dies can be looked up.
 */
export class TransactionLedger {
  private readonly entries = new Map<string, Entry>();

  /** Handles held by `generation`. */
  openIn(generation: number): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.generation === generation) n++;
    return n;
  }

  /** Throws `worker-restarted` for a handle of an earlier worker (and forgets it). */
  checkCurrent(transactionId: string, generation: number): void {
    const entry = this.entries.get(transactionId);
    if (entry !== undefined && entry.generation !== generation) {
      this.entries.delete(transactionId);
      throw TransactionErrors.notFound(transactionId, 'worker-restarted');
    }
  }

  /** The server transaction id of a handle, if known. */
  xidOf(transactionId: string): string | null | undefined {
    return this.entries.get(transactionId)?.xid;
  }

  /** After a successful call: a begun handle is remembered, a committed or rolled-back one forgotten. */
  track(operation: string, transactionId: string | undefined, result: unknown, generation: number, xid: string | null | undefined): void {
    if (operation === 'beginTransaction') {
      const id = (result as { transactionId?: unknown } | null)?.transactionId;
      if (typeof id === 'string') {
        this.entries.set(id, { generation, xid });
        if (this.entries.size > REMEMBERED_TRANSACTIONS) this.entries.delete(this.entries.keys().next().value!);
      }
    } else if ((operation === 'commit' || operation === 'rollback') && transactionId !== undefined) {
      this.entries.delete(transactionId);
    }
  }

  /** After a failed call: the worker no longer holds the handle after these. */
  failed(operation: string, transactionId: string, error: unknown): void {
    const code = (error as PluginError).code;
    if (operation === 'commit' || operation === 'rollback' || code === PluginErrorCode.TRANSACTION_NOT_FOUND) this.entries.delete(transactionId);
  }

  /** `transaction/ended`: the worker ended the handle on its own. */
  ended(transactionId: string): void {
    this.entries.delete(transactionId);
  }
}
