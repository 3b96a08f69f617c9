/** The host library: spawn, supervise and talk to plugin workers. */
export {
  PluginManager,
  BUNDLED_WORKER,
  type PluginManagerOptions,
  type PluginDefinition,
  type ExecuteOptions,
  type InstanceStateEvent,
  type PostgresPluginName,
  type OtherPluginName,
} from './plugin-manager';
export type { WorkerEvent } from './worker-supervisor';
export type { ConnectionStatsView, WorkerConnectionView } from './connection-stats';
export type { ServerConnectionStats, WorkerConnectionStats } from '../shared/worker-limits';
export type { CrashReport, WorkerExitReason, MemoryReading } from './crash-report';
export type { InFlightSummary } from './in-flight-calls';
export type { CommitOutcome } from './commit-outcome';
export type { CancelSummary } from './worker-sessions';
export type { TelemetryOptions, TelemetrySnapshotData, InstanceTotals, WorkerTotals } from './telemetry';
export { WorkerProcess, type WorkerProcessOptions, type RequestOptions } from './worker-process';
export { RestartPolicy, DEFAULT_RESTART_POLICY, type RestartPolicyOptions, type CircuitState } from './restart-policy';
export { sandboxLaunch, SANDBOX_ENV_ALLOW_LIST, type SandboxOptions } from './sandbox';
export { WorkerExitedError, WorkerStartTimeoutError } from './host-errors';
export type { PluginResult } from './envelope';
export type { StreamQuery, StreamOptions } from './result-stream';
export { PluginError, type PluginErrorData } from '../shared/plugin-error';
export { ErrorCodes, PluginErrorCode, RpcErrorCode } from '../shared/error-codes';
export { GenericErrorCode } from '../shared/generic-plugin-errors';
export type { PluginConfig } from '../shared/config-schema';
export type { OperationName } from '../shared/operation-params';
export type { AnyOperationParams, OperationArgs, OperationParams, OperationResult, OperationResults } from '../shared/operation-types';
export type { QueryResult, ExecuteResult, ConnectionStats, FieldInfo, TransactionResult, WriteResult } from '../shared/results';
export type { OpenCursorResult, FetchResult } from '../shared/cursor-params';
