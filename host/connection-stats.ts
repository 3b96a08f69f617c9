import { Method } from '../shared/protocol';
import type { ServerConnectionStats, WorkerConnectionStats } from '../shared/worker-limits';
import type { WorkerSupervisor } from './worker-supervisor';

/** One worker's part of {@link ConnectionStatsView}. */
export interface WorkerConnectionView extends WorkerConnectionStats {
  pid: number | undefined;
  /** The tenant the worker serves, under tenant isolation. */
  tenant?: string;
}

/** `PluginManager.connectionStats()`: the plugin's connections over all of its workers. */
export interface ConnectionStatsView {
  /** The manager's budget per server, divided among the workers. */
  maxServerConnections: number;
  /** Per server, summed over the workers; `maxConnections` is the sum of their shares. */
  servers: ServerConnectionStats[];
  instances: { open: number; idleClosed: number };
  waiting: number;
  workers: WorkerConnectionView[];
}

/** Sums the workers' views server by server. */
export function combineConnectionStats(maxServerConnections: number, workers: WorkerConnectionView[]): ConnectionStatsView {
  const servers = new Map<string, ServerConnectionStats>();
  const instances = { open: 0, idleClosed: 0 };
  let waiting = 0;
  for (const worker of workers) {
    instances.open += worker.instances.open;
    instances.idleClosed += worker.instances.idleClosed;
    waiting += worker.waiting;
    for (const s of worker.servers) {
      const sum = servers.get(s.server);
      if (!sum) {
        servers.set(s.server, { ...s });
        continue;
      }
      for (const key of ['maxConnections', 'open', 'idle', 'busy', 'waiting', 'instances'] as const) sum[key] += s[key];
    }
  }
  return { maxServerConnections, servers: [...servers.values()], instances, waiting, workers };
}

/** Asks every running worker of `pluginName` (keys: the plugin, or plugin NUL tenant) for `worker/stats` and sums them. */
export async function collectConnectionStats(maxServerConnections: number, supervisors: ReadonlyMap<string, WorkerSupervisor>, pluginName: string): Promise<ConnectionStatsView> {
  const workers = await Promise.all(
    [...supervisors].map(async ([key, s]): Promise<WorkerConnectionView | undefined> => {
      const [plugin, tenant] = key.split('\u0000');
      if (plugin !== pluginName || s.pid === undefined) return undefined;
      const stats = await s.request<WorkerConnectionStats>(Method.workerStats, null).catch(() => undefined);
      return stats && { ...stats, pid: s.pid, ...(tenant !== undefined ? { tenant } : {}) };
    }),
  );
  return combineConnectionStats(maxServerConnections, workers.filter((w) => w !== undefined));
}
