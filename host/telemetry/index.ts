/** Host-side tracing and metrics (docs/observability.md). */
export { PluginTelemetry, type TelemetryOptions } from './plugin-telemetry';
export { workerViews, type TelemetrySnapshotData, type InstanceTotals, type WorkerTotals, type WorkerView } from './telemetry-snapshot';
