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
