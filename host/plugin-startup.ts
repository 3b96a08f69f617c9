import { asGenericError } from '../shared/generic-plugin-errors';
import { CHECK_INSTANCE, CHECK_OPERATION } from '../shared/generic-worker-protocol';
import type { PluginError } from '../shared/plugin-error';
import { PLUGIN_NAME } from '../shared/protocol';
import type { PluginResult } from './envelope';
import type { PluginCatalog, PluginLoadReport } from './plugin-catalog';

/** What the startup check needs of the manager. */
interface Executor {
  executePlugin(pluginName: string, instanceId: string, config: Record<string, unknown> | undefined, operation: string): Promise<PluginResult>;
}

/**
 * The startup check of the plugins served by the generic worker, all at once:
 * each one's worker is started (which loads its entry, in that process) and
 * its `initialize(context)` is run with its startup config. A plugin that
 * fails is marked broken (logged with its name, path and reason) and
 * `forget` stops its worker; the others keep theirs running, ready.
 */
export async function checkModulePlugins(
  catalog: PluginCatalog,
  manager: Executor,
  forget: (name: string, instanceId: string) => Promise<void>,
): Promise<PluginLoadReport> {
  await Promise.all(
    catalog.modulePlugins.map(async (plugin) => {
      const res = await manager.executePlugin(plugin.name, CHECK_INSTANCE, catalog.startupConfig(plugin.name), CHECK_OPERATION);
      if (res.success) return;
      catalog.markBroken(plugin, startupFailure(res.error));
      await forget(plugin.name, CHECK_INSTANCE);
    }),
  );
  return catalog.report();
}

/** The reason a failed start gives: the worker's own words (the entry's load error, what initialize threw) when it said them. */
function startupFailure(error: { message: string; details: Record<string, unknown> }): string {
  const stderr = Array.isArray(error.details.stderr) ? (error.details.stderr as unknown[]).map(String) : [];
  const said = stderr
    .map((line) => {
      try {
        return (JSON.parse(line) as { msg?: string }).msg;
      } catch {
        return line;
      }
    })
    .filter((msg): msg is string => typeof msg === 'string' && msg.length > 0);
  return said.length > 0 ? `${error.message} (worker said: ${said.slice(-2).join(' / ')})` : error.message;
}

/**
 * The error a caller of `pluginName` sees: PostgreSQL's plugin keeps the
 * `POSTGRES_…` names; any other plugin gets the conditions raised on the host
 * side under their generic names (`PLUGIN_WORKER_CRASHED`, …).
 */
export function presentError(pluginName: string, error: PluginError): PluginError {
  return pluginName === PLUGIN_NAME ? error : asGenericError(error);
}
