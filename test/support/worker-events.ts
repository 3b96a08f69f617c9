import type { PluginManager, WorkerEvent } from '../../host';

/** The `worker` events a manager emits from now on, kept in order; `stop()` ends the recording. */
export function recordWorkerEvents(plugins: PluginManager): { events: WorkerEvent[]; stop(): void } {
  const events: WorkerEvent[] = [];
  const listener = (event: WorkerEvent) => events.push(event);
  plugins.on('worker', listener);
  return { events, stop: () => plugins.off('worker', listener) };
}
