import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { PluginErrorCode } from '../../shared/error-codes';
import type { TimingsParams } from '../../shared/protocol';
import type { PluginResult } from '../envelope';
import { endpointAttributes, operationAttributes } from './operation-attributes';
import { TelemetryMetrics, type MetricSources } from './telemetry-metrics';
import { TelemetryTotals, type TelemetrySnapshotData } from './telemetry-snapshot';

/** `PluginManagerOptions.telemetry`. Everything goes through `@opentelemetry/api`: a no-op until the application registers an SDK. */
export interface TelemetryOptions {
  /** Put each statement's parameter values on its span as `db.query.parameter.<index>`. Default false: values may be personal data. */
  captureParameters?: boolean;
  /**
   * Append the trace context to the SQL of traced statements as a comment (sqlcommenter style), so it
   * shows in PostgreSQL's own logs. Default false: every traced statement's text is then unique, so it
   * is parsed and prepared anew each time instead of reusing a named prepared statement (docs/observability.md).
   */
  sqlCommenter?: boolean;
}

const TRACER_NAME = 'postgres-plugin';
const SQL_OPERATIONS = new Set(['query', 'queryOne', 'queryValue', 'execute', 'openCursor']);

/**
 * The host's tracing and metrics around each `executePlugin`: one CLIENT span
 * per call on the database semantic conventions, parented to the caller's
 * active context, whose W3C traceparent travels in the request (only when the
 * span records, so an application without an SDK pays a no-op span and no
 * extra bytes); the worker's timings become a span event; the durations,
 * timeouts, restarts and circuit changes feed the metrics and the plain snapshot.
 */
export class PluginTelemetry {
  private readonly spans = new Map<string, { span: Span; instanceId: string }>();
  private readonly endpoints = new Map<string, { pluginName: string; instanceId: string; config: Record<string, unknown>; attributes: Attributes }>();
  private readonly metrics: TelemetryMetrics;
  private readonly totals = new TelemetryTotals();

  constructor(
    private readonly options: TelemetryOptions = {},
    private readonly sources: Omit<MetricSources, 'instances'>,
  ) {
    this.metrics = new TelemetryMetrics({ ...sources, instances: () => this.endpoints.values() }, this.totals);
  }

  /** Runs one call (`send` gets the traceparent to carry, if any, and the params to send) inside its span. */
  async record<T>(
    pluginName: string,
    instanceId: string,
    config: Record<string, unknown> | undefined,
    operation: string,
    params: Record<string, unknown> | undefined,
    send: (traceparent: string | undefined, params: Record<string, unknown> | undefined) => Promise<PluginResult<T>>,
  ): Promise<PluginResult<T>> {
    const started = performance.now();
    const attributes = { ...this.endpoint(pluginName, instanceId, config), ...operationAttributes(operation, params, this.options.captureParameters === true) };
    const span = trace.getTracer(TRACER_NAME).startSpan(String(attributes['db.query.summary']), { kind: SpanKind.CLIENT, attributes: { ...attributes, 'db.client.connection.pool.name': instanceId } }, context.active());
    let traceparent: string | undefined;
    if (span.isRecording()) {
      const { traceId, spanId, traceFlags } = span.spanContext();
      traceparent = `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
      this.spans.set(traceparent, { span, instanceId });
      if (this.options.sqlCommenter && typeof params?.sql === 'string' && SQL_OPERATIONS.has(operation)) {
        // On a line of its own: a trailing `--` comment in the text must not swallow it.
        params = { ...params, sql: `${params.sql}\n/*traceparent='${traceparent}'*/` };
      }
    }
    let result: PluginResult<T> | undefined;
    try {
      return (result = await send(traceparent, params));
    } finally {
      if (traceparent !== undefined) this.spans.delete(traceparent);
      this.finish(span, attributes, pluginName, instanceId, result, performance.now() - started);
    }
  }

  /** `telemetry/timings` from a worker: an event on the span it belongs to, and the connection wait metric. */
  onTimings(timings: TimingsParams): void {
    const traced = this.spans.get(timings.traceparent);
    if (traced === undefined) return;
    traced.span.addEvent('postgres_plugin.worker', {
      'postgres_plugin.worker.connection_wait_ms': timings.waitMs,
      'postgres_plugin.worker.server_ms': timings.serverMs,
      'postgres_plugin.worker.encode_ms': timings.encodeMs,
      'postgres_plugin.worker.total_ms': timings.workerMs,
    });
    this.metrics.connectionWait(traced.instanceId, timings.waitMs);
  }

  /** Counts a worker event of the PluginManager (restarts, circuit changes). */
  onWorkerEvent(event: { pluginName: string; tenant?: string; type: string; expected?: boolean }): void {
    this.totals.workerEvent(event);
    if (event.type === 'exit' && event.expected === false) this.metrics.restarted(event.pluginName, event.tenant);
  }

  /** A plain snapshot for hosts without OpenTelemetry: per instance, calls, errors, timeouts and durations; per worker, restarts and the circuit. */
  snapshot(): TelemetrySnapshotData {
    return this.totals.snapshot(this.sources.workers());
  }

  private finish(span: Span, attributes: Attributes, pluginName: string, instanceId: string, result: PluginResult<unknown> | undefined, ms: number): void {
    const error = result === undefined ? { code: PluginErrorCode.WORKER_CRASHED, message: 'the call threw', details: undefined } : result.success ? undefined : result.error;
    const metric: Attributes = {
      'db.system.name': 'postgresql',
      'db.operation.name': attributes['db.operation.name'],
      'db.client.connection.pool.name': instanceId,
    };
    for (const key of ['db.namespace', 'server.address', 'server.port', 'db.collection.name'] as const) if (attributes[key] !== undefined) metric[key] = attributes[key];
    if (error !== undefined) {
      const sqlState = (error.details as { sqlState?: unknown } | undefined)?.sqlState;
      const errorType = typeof sqlState === 'string' && sqlState !== '' ? sqlState : error.code;
      if (typeof sqlState === 'string' && sqlState !== '') {
        span.setAttribute('db.response.status_code', sqlState);
        metric['db.response.status_code'] = sqlState;
      }
      span.setAttributes({ 'error.type': errorType, 'postgres_plugin.error.code': error.code });
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      metric['error.type'] = errorType;
    }
    span.end();
    this.totals.operation(pluginName, instanceId, ms, error?.code);
    this.metrics.operation(metric, ms, error?.code);
  }

  /** The endpoint attributes of an instance, recomputed only when its config object changes. */
  private endpoint(pluginName: string, instanceId: string, config: Record<string, unknown> | undefined): Attributes {
    const key = `${pluginName}\u0000${instanceId}`;
    const known = this.endpoints.get(key);
    if (config === undefined || known?.config === config) return known?.attributes ?? {};
    const attributes = endpointAttributes(config);
    this.endpoints.set(key, { pluginName, instanceId, config, attributes });
    return attributes;
  }
}
