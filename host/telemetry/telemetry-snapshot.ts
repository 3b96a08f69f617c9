import { PluginErrorCode } from '../../shared/error-codes';

/** One worker as the telemetry sees it (plugin isolation: no tenant). */
export interface WorkerView {
  pluginName: string;
  tenant?: string;
  pid: number | undefined;
  inFlight: number;
}

export interface InstanceTotals {
  calls: number;
  errors: number;
  /** POSTGRES_QUERY_TIMEOUT answers. */
  timeouts: number;
  /** POSTGRES_POOL_EXHAUSTED answers: no connection within connectionTimeoutMillis. */
  connectionTimeouts: number;
  totalMs: number;
  maxMs: number;
}

export interface WorkerTotals extends WorkerView {
  restarts: number;
  circuit: 'open' | 'closed';
}

/** `PluginManager.telemetry.snapshot()`: what the metrics say, as plain numbers. */
export interface TelemetrySnapshotData {
  instances: Record<string, InstanceTotals & { pluginName: string; instanceId: string }>;
  workers: WorkerTotals[];
}

/** Worker key: the plugin, and with tenant isolation the tenant. */
export function workerKey(pluginName: string, tenant: string | undefined): string {
  return tenant === undefined ? pluginName : `${pluginName}\u0000${tenant}`;
}

/**
 * The counters behind the plain snapshot (and the circuit-state gauge),
 * kept whether or not an OpenTelemetry SDK is registered: a few additions per call.
 */
export class TelemetryTotals {
  private readonly instances = new Map<string, InstanceTotals & { pluginName: string; instanceId: string }>();
  private readonly workers = new Map<string, { pluginName: string; tenant?: string; restarts: number; circuit: 'open' | 'closed' }>();

  /** The totals of an instance, made on its first call. */
  instance(pluginName: string, instanceId: string): InstanceTotals {
    const key = `${pluginName}\u0000${instanceId}`;
    let totals = this.instances.get(key);
    if (totals === undefined) {
      totals = { pluginName, instanceId, calls: 0, errors: 0, timeouts: 0, connectionTimeouts: 0, totalMs: 0, maxMs: 0 };
      this.instances.set(key, totals);
    }
    return totals;
  }

  /** One finished call of the instance whose totals these are. */
  operation(totals: InstanceTotals, ms: number, errorCode: string | undefined): void {
    totals.calls++;
    totals.totalMs += ms;
    if (ms > totals.maxMs) totals.maxMs = ms;
    if (errorCode === undefined) return;
    totals.errors++;
    if (errorCode === PluginErrorCode.QUERY_TIMEOUT) totals.timeouts++;
    if (errorCode === PluginErrorCode.POOL_EXHAUSTED) totals.connectionTimeouts++;
  }

  /** A `worker` event of the PluginManager: an unexpected exit is a restart; the circuit opens and closes. */
  workerEvent(event: { pluginName: string; tenant?: string; type: string; expected?: boolean }): void {
    const key = workerKey(event.pluginName, event.tenant);
    let totals = this.workers.get(key);
    if (totals === undefined) {
      totals = { pluginName: event.pluginName, ...(event.tenant !== undefined ? { tenant: event.tenant } : {}), restarts: 0, circuit: 'closed' };
      this.workers.set(key, totals);
    }
    if (event.type === 'exit' && event.expected === false) totals.restarts++;
    if (event.type === 'circuit-open') totals.circuit = 'open';
    if (event.type === 'circuit-closed') totals.circuit = 'closed';
  }

  /** Circuit state of every worker seen, by plugin and tenant. */
  circuits(): { pluginName: string; tenant?: string; circuit: 'open' | 'closed' }[] {
    return [...this.workers.values()];
  }

  snapshot(running: Iterable<WorkerView>): TelemetrySnapshotData {
    const workers = new Map<string, WorkerTotals>();
    for (const w of this.workers.values()) workers.set(workerKey(w.pluginName, w.tenant), { ...w, pid: undefined, inFlight: 0 });
    for (const view of running) {
      const key = workerKey(view.pluginName, view.tenant);
      workers.set(key, { restarts: 0, circuit: 'closed', ...workers.get(key), ...view });
    }
    const instances: TelemetrySnapshotData['instances'] = {};
    for (const totals of this.instances.values()) instances[totals.instanceId] = { ...totals };
    return { instances, workers: [...workers.values()] };
  }
}

/** The PluginManager's supervisors (keyed by plugin, or plugin NUL tenant) as worker views. */
export function workerViews(supervisors: ReadonlyMap<string, { pid: number | undefined; inFlight: number }>): WorkerView[] {
  const views: WorkerView[] = [];
  for (const [key, supervisor] of supervisors) {
    const nul = key.indexOf('\u0000');
    const view: WorkerView = { pluginName: nul === -1 ? key : key.slice(0, nul), pid: supervisor.pid, inFlight: supervisor.inFlight };
    if (nul !== -1) view.tenant = key.slice(nul + 1);
    views.push(view);
  }
  return views;
}
