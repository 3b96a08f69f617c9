import { Inject, Injectable, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Observable } from 'rxjs';
import { PluginManager, type InstanceStateEvent } from '../host/plugin-manager';
import type { PluginLoadReport } from '../host/plugin-catalog';
import type { WorkerEvent } from '../host/worker-supervisor';
import { PLUGINS_MODULE_OPTIONS, type PluginsModuleOptions } from './plugins-module-definition';

/** A `worker` event of the manager: the WorkerEvent with its plugin (and tenant, with tenant isolation). */
export type PluginWorkerEvent = WorkerEvent & { pluginName: string; tenant?: string };

/** What one worker looks like now, for health checks. */
export interface WorkerStatus {
  pluginName: string;
  tenant?: string;
  pid: number | undefined;
  /** `open` while its restarts are exhausted (calls answer `…_WORKER_UNAVAILABLE` fast). */
  circuit: 'closed' | 'open';
}

/**
 * `PluginManager` as a Nest provider: `executePlugin(pluginName, instanceId,
 * config, operation, params)` returns the documented envelope; the plugins of
 * the module's folder are checked when the module initialises (broken ones
 * logged by name and path, see `loadReport`); every worker is stopped when the
 * module is destroyed or the application shuts down (`app.close()`, or a
 * signal with `enableShutdownHooks()`). The manager's events are also
 * Observables: `instanceState$`, `workerEvents$`.
 */
@Injectable()
export class PluginManagerService extends PluginManager implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  /** `instance/state` of every instance: connected, reconnecting, failed, closed. */
  readonly instanceState$: Observable<InstanceStateEvent>;
  /** Worker starts, exits, unresponsive kills and circuit changes. */
  readonly workerEvents$: Observable<PluginWorkerEvent>;
  private report: PluginLoadReport | undefined;
  private readonly workers = new Map<string, WorkerStatus>();

  constructor(@Inject(PLUGINS_MODULE_OPTIONS) options: PluginsModuleOptions) {
    super(options);
    this.instanceState$ = this.observe<InstanceStateEvent>('instanceState');
    this.workerEvents$ = this.observe<PluginWorkerEvent>('worker');
    this.on('worker', (event: PluginWorkerEvent) => this.track(event));
  }

  /** Checks the folder's plugins before the application serves anything. */
  async onModuleInit(): Promise<void> {
    this.report = await this.loadPlugins();
  }

  /** The plugins that loaded and the problems found at startup (empty before the module initialised). */
  get loadReport(): PluginLoadReport {
    return this.report ?? { plugins: [], problems: [] };
  }

  /** Every worker the manager has started and not stopped, with its circuit. */
  workerStatus(): WorkerStatus[] {
    return [...this.workers.values()].map((w) => ({ ...w }));
  }

  async onModuleDestroy(): Promise<void> {
    await this.shutdown();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  override async shutdown(): Promise<void> {
    await super.shutdown();
    this.emit('closed');
  }

  private observe<T>(event: string): Observable<T> {
    return new Observable<T>((subscriber) => {
      const next = (value: T) => subscriber.next(value);
      const complete = () => subscriber.complete();
      this.on(event, next);
      this.once('closed', complete);
      return () => {
        this.off(event, next);
        this.off('closed', complete);
      };
    });
  }

  private track(event: PluginWorkerEvent): void {
    const key = `${event.pluginName}\u0000${event.tenant ?? ''}`;
    const known = this.workers.get(key);
    const base = { pluginName: event.pluginName, ...(event.tenant !== undefined ? { tenant: event.tenant } : {}) };
    if (event.type === 'start') this.workers.set(key, { ...base, pid: event.pid, circuit: 'closed' });
    else if (event.type === 'exit' && event.expected) this.workers.delete(key);
    else if (event.type === 'exit') this.workers.set(key, { ...base, pid: undefined, circuit: known?.circuit ?? 'closed' });
    else if (event.type === 'circuit-open') this.workers.set(key, { ...base, pid: undefined, circuit: 'open' });
    else if (event.type === 'circuit-closed' && known) known.circuit = 'closed';
  }
}
