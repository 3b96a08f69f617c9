/**
 * postgres-plugin: the in-process plugin class, the protocol declarations, and
 * (under `postgres-plugin/host`) the host library that runs it out of process.
 */
export { PostgresPlugin, initialize, type PluginContext, type PluginServices, type ConsoleLikeLogger, type StatementInput } from './worker/postgres-plugin';
export { ConnectionBudget, type ConnectionBudgetOptions } from './worker/connection/connection-budget';
export { PluginError, type PluginErrorData } from './shared/plugin-error';
export { ErrorCodes, PluginErrorCode, RpcErrorCode } from './shared/error-codes';
export { GenericErrorCode } from './shared/generic-plugin-errors';
export { pluginConfigSchema, normalizeConfig, type PluginConfig, type NormalizedConfig } from './shared/config-schema';
export { CONFIG_DEFAULTS } from './shared/config-defaults';
export { WORKER_LIMIT_DEFAULTS, type ServerConnectionStats, type WorkerConnectionStats } from './shared/worker-limits';
export { Method, PROTOCOL_VERSION, PLUGIN_NAME } from './shared/protocol';
export { OPERATION_NAMES, type OperationName } from './shared/operation-params';
export type { AnyOperationParams, OperationArgs, OperationParams, OperationResult, OperationResults } from './shared/operation-types';
export type { QueryResult, ExecuteResult, ConnectionStats, FieldInfo, TransactionResult, WriteResult } from './shared/results';
