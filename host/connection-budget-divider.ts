/** A worker taking part in the budget: how to give it a new limit. */
export interface BudgetShareholder {
  /** Sends the limit; resolves once the worker is within it (or is gone, which closes its connections). */
  setLimit(maxServerConnections: number): Promise<void>;
}

interface Share {
  /** What the worker should have: an equal part of the total. */
  target: number;
  /** The limit last sent. */
  sent: number;
  /** What the worker may be using: the limit sent, or more while a lower one is not yet confirmed. */
  held: number;
  /** Bumped per send: only the latest send's confirmation counts. */
  sequence: number;
}

/**
 * Divides the `PluginManager`'s `maxServerConnections` among its postgres
 * workers (under tenant isolation there are several) so that their
 * connections to one server never add up to more than it, while workers
 * come and go: each worker's target is an equal part; a worker's limit is
 * lowered first, and what it gives back goes to the others only once the
 * worker confirms it is within its new limit (idle connections close at
 * once, busy ones when released). A worker that stops hands its whole share
 * back.
 */
export class ConnectionBudgetDivider {
  private readonly shares = new Map<BudgetShareholder, Share>();

  constructor(readonly total: number) {}

  /** Adds a worker; it gets what is free now, and more as the others give back. */
  add(worker: BudgetShareholder): void {
    if (this.shares.has(worker)) return;
    this.shares.set(worker, { target: 0, sent: 0, held: 0, sequence: 0 });
    this.rebalance();
  }

  /** A worker has stopped: its connections are gone, its share goes to the others. */
  remove(worker: BudgetShareholder): void {
    if (this.shares.delete(worker)) this.rebalance();
  }

  /** The limit the worker should have now (sent again whenever it starts). */
  limitOf(worker: BudgetShareholder): number {
    return this.shares.get(worker)?.sent ?? 0;
  }

  private rebalance(): void {
    const n = this.shares.size;
    if (n === 0) return;
    const base = Math.floor(this.total / n);
    let extra = this.total % n;
    for (const share of this.shares.values()) share.target = base + (extra-- > 0 ? 1 : 0);
    for (const [worker, share] of this.shares) if (share.target < share.sent) this.send(worker, share, share.target);
    let free = this.total;
    for (const share of this.shares.values()) free -= share.held;
    for (const [worker, share] of this.shares) {
      if (share.target <= share.sent) continue;
      const limit = Math.min(share.target, share.held + free);
      if (limit <= share.sent) continue;
      free -= Math.max(0, limit - share.held);
      share.held = Math.max(share.held, limit);
      this.send(worker, share, limit);
    }
  }

  private send(worker: BudgetShareholder, share: Share, limit: number): void {
    share.sent = limit;
    const sequence = ++share.sequence;
    void worker.setLimit(limit).then(() => {
      if (share.sequence !== sequence || this.shares.get(worker) !== share) return;
      share.held = share.sent;
      this.rebalance();
    });
  }
}
