import { Method } from '../shared/protocol';
import { ConnectionBudgetDivider, type BudgetShareholder } from './connection-budget-divider';
import type { WorkerSupervisor } from './worker-supervisor';

/**
 * The `PluginManager`'s server-connection budget over its postgres workers:
 * each worker's share (see {@link ConnectionBudgetDivider}) is sent to it as
 * `worker/limits` when it starts (before any request) and whenever it
 * changes, with the idle-instance timeout.
 */
export class WorkerBudgets {
  private readonly divider: ConnectionBudgetDivider;
  private readonly holders = new Map<WorkerSupervisor, BudgetShareholder>();

  constructor(
    maxServerConnections: number,
    private readonly idleInstanceTimeoutMs: number,
  ) {
    this.divider = new ConnectionBudgetDivider(maxServerConnections);
  }

  /** A new postgres worker takes part: the others' shares shrink to make its own. */
  join(supervisor: WorkerSupervisor): void {
    const holder: BudgetShareholder = {
      // A worker that is gone has closed its connections: that counts as within the limit too.
      setLimit: (maxServerConnections) => supervisor.request(Method.workerLimits, { maxServerConnections }).then(() => undefined, () => undefined),
    };
    this.holders.set(supervisor, holder);
    this.divider.add(holder);
  }

  /** The worker has stopped for good: its share goes to the others. */
  leave(supervisor: WorkerSupervisor): void {
    const holder = this.holders.get(supervisor);
    this.holders.delete(supervisor);
    if (holder) this.divider.remove(holder);
  }

  /** The worker (re)started: its limits go before any request. */
  started(supervisor: WorkerSupervisor): void {
    const holder = this.holders.get(supervisor);
    if (!holder) return;
    const limits = { maxServerConnections: this.divider.limitOf(holder), idleInstanceTimeoutMs: this.idleInstanceTimeoutMs };
    void supervisor.request(Method.workerLimits, limits).catch(() => undefined);
  }
}
