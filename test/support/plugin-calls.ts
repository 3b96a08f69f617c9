import type { PluginManager, PluginResult } from '../../host';
import { UNTYPED_POSTGRES_PLUGIN } from './untyped-plugin-name';

/** The error envelope of a call that failed; `details` typed loosely, for reading in assertions. */
export interface CallFailure {
  code: string;
  message: string;
  details: Record<string, any>;
  timestamp: string;
  retryable: boolean;
}

/** Where a suite's calls go, read at each call (a suite's beforeAll sets them after the calls are defined). */
export interface CallTarget {
  plugins: PluginManager;
  config: Record<string, unknown> | undefined;
}

/**
 * A suite's calls of `manager.executePlugin('postgres-plugin', instanceId, config, operation, params)`,
 * each with an optional other instance id:
 * - `run`: the `{ success, data | error }` envelope as it came;
 * - `data`: the data of a call that must succeed (else it throws with the error's code and message);
 * - `refused`: the error of a call that must fail (else it throws).
 */
export function pluginCalls(instanceId: string, target: () => CallTarget) {
  const run = <T = any>(operation: string, params: Record<string, unknown> = {}, id = instanceId): Promise<PluginResult<T>> => {
    const { plugins, config } = target();
    return plugins.executePlugin<string, T>(UNTYPED_POSTGRES_PLUGIN, id, config, operation, params);
  };
  async function data<T = any>(operation: string, params: Record<string, unknown> = {}, id = instanceId): Promise<T> {
    const res = await run<T>(operation, params, id);
    if (!res.success) throw new Error(`${operation} failed: ${res.error.code} ${res.error.message}`);
    return res.data;
  }
  async function refused(operation: string, params: Record<string, unknown> = {}, id = instanceId): Promise<CallFailure> {
    const res = await run(operation, params, id);
    if (res.success) throw new Error(`${operation} unexpectedly succeeded`);
    return res.error;
  }
  return { run, data, refused };
}
