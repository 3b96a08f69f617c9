import type { InFlightCall } from './in-flight-calls';

/** What the server says became of a transaction whose worker died mid-commit. */
export type CommitOutcome = 'committed' | 'rolled-back' | 'unknown';

/** Pause between two questions while the transaction is still in progress or the server can't be asked. */
const POLL_MS = 25;

/**
 * Finds out what became of server transaction `xid`: `ask` runs
 * `txid_status(xid)` on a live worker (the restarted one) and answers its text
 * (`committed`, `aborted`, `in progress`, or null when the server no longer
 * knows). A transaction still in progress (its backend has not yet noticed its
 * client is gone, or is finishing the COMMIT) is asked about again, as is one
 * the server can't be asked about yet. `unknown` only when `timeoutMs` passes
 * without an answer, or at once when `ask` answers null itself (nobody left to ask).
 */
export async function findCommitOutcome(ask: (timeoutMs: number) => Promise<unknown> | null, timeoutMs: number): Promise<CommitOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return 'unknown';
    let status: unknown;
    try {
      status = await ask(Math.max(1, left));
    } catch {
      status = undefined; // no worker yet, or the server can't be reached: ask again
    }
    if (status === 'committed') return 'committed';
    if (status === 'aborted') return 'rolled-back';
    if (status === null) return 'unknown';
    if (deadline - Date.now() <= POLL_MS) return 'unknown';
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * What became of the transaction of a call whose worker died: for the
 * `transaction` operation and a handle's `commit` (undefined for other calls;
 * `handleXid` is the commit's handle's id). The worker sends COMMIT only once
 * the transaction's id is with the host, so a call with no id reported never
 * committed; one with an id is looked up with `ask` (see findCommitOutcome).
 */
export async function callOutcome(
  call: InFlightCall,
  handleXid: string | null | undefined,
  ask: (xid: string, timeoutMs: number) => Promise<unknown> | null,
  timeoutMs: number,
): Promise<CommitOutcome | undefined> {
  let xid: string | null | undefined;
  if (call.operation === 'transaction') {
    if (call.journalOverrun) return 'unknown';
    xid = call.xid;
  } else if (call.operation === 'commit') {
    if (handleXid === undefined) return 'unknown'; // begun before ids were learned
    xid = handleXid;
  } else return undefined;
  if (xid === undefined || xid === null) return 'rolled-back';
  const known = xid;
  return findCommitOutcome((left) => ask(known, left), timeoutMs);
}
