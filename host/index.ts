/** The host library: spawn, supervise and talk to plugin workers. */
export { PluginManager, BUNDLED_WORKER, type PluginManagerOptions, type PluginDefinition } from './plugin-manager';
export { WorkerProcess, type WorkerProcessOptions } from './worker-process';
export { WorkerExitedError, WorkerStartTimeoutError } from './host-errors';
export type { PluginResult } from './envelope';
export { PluginError, type PluginErrorData } from '../shared/plugin-error';
export { PluginErrorCode, RpcErrorCode } from '../shared/error-codes';
export type { PluginConfig } from '../shared/config-schema';
export type { QueryResult, ExecuteResult, ConnectionStats, FieldInfo } from '../shared/results';
