import type { ServerConnectionStats } from '../../shared/worker-limits';
import { ServerBudget } from './server-budget';

export interface ConnectionBudgetOptions {
  /** Most connections to one PostgreSQL server (host, port) over every instance sharing the budget. Default: no limit. */
  maxServerConnections?: number;
}

/**
 * The server-connection budget of a worker (or of in-process plugins that
 * share one): one {@link ServerBudget} per server, all with the same limit.
 * The worker's instances share one; the host sets its limit with
 * `worker/limits` (under tenant isolation, the worker's share of the
 * `PluginManager`'s `maxServerConnections`).
 *
 * ```ts
 * const budget = new ConnectionBudget({ maxServerConnections: 50 });
 * const a = new PostgresPlugin({ config: configA, connectionBudget: budget });
 * const b = new PostgresPlugin({ config: configB, connectionBudget: budget });
 * ```
 */
export class ConnectionBudget {
  private readonly servers = new Map<string, ServerBudget>();
  private limitValue: number;
  private readonly withinListeners = new Set<() => void>();

  constructor(options: ConnectionBudgetOptions = {}) {
    this.limitValue = options.maxServerConnections ?? Infinity;
  }

  get maxServerConnections(): number {
    return this.limitValue;
  }

  /** @internal The budget of one server, `host:port` (for the instances' connection sources; kept out of the published declarations, which would otherwise need pg's types). */
  server(key: string): ServerBudget {
    let budget = this.servers.get(key);
    if (!budget) {
      budget = new ServerBudget(key, this.limitValue, () => this.checkWithin());
      this.servers.set(key, budget);
    }
    return budget;
  }

  /**
   * Changes the limit. Raising takes effect at once; lowering at once for new
   * connections, while idle connections over it close now and busy ones when
   * released. Resolves once every server is within the new limit.
   */
  setLimit(maxServerConnections: number): Promise<void> {
    this.limitValue = maxServerConnections;
    for (const budget of this.servers.values()) budget.limit = maxServerConnections;
    return new Promise<void>((resolve) => {
      const listener = (): void => {
        if (this.limitValue > maxServerConnections || this.isWithin()) {
          this.withinListeners.delete(listener);
          resolve();
        }
      };
      this.withinListeners.add(listener);
      listener();
    });
  }

  /** Requests waiting for a connection, over every server. */
  get waiting(): number {
    let n = 0;
    for (const budget of this.servers.values()) n += budget.waiting;
    return n;
  }

  /** Servers with an instance on them. */
  stats(): ServerConnectionStats[] {
    const out: ServerConnectionStats[] = [];
    // Servers are never forgotten: sources keep their server's budget, and there must be one per server.
    for (const budget of this.servers.values()) if (budget.memberCount > 0) out.push(budget.stats());
    return out;
  }

  private isWithin(): boolean {
    for (const budget of this.servers.values()) if (budget.open > this.limitValue) return false;
    return true;
  }

  private checkWithin(): void {
    for (const listener of [...this.withinListeners]) listener();
  }
}
