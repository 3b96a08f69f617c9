import { context, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { PluginErrorCode } from '../../shared/error-codes';
import type { TimingsParams } from '../../shared/protocol';
import type { PluginResult } from '../envelope';
import { failedMetric, InstanceEndpoint, type CallShape } from './call-shapes';
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
/** The span event that carries the worker's timings of a call. */
export const WORKER_EVENT = 'postgres_plugin.worker';

/** The attributes of {@link WORKER_EVENT}. */
export function workerEventAttributes(timings: Pick<TimingsParams, 'waitMs' | 'serverMs' | 'encodeMs' | 'workerMs'>): Attributes {
  return {
    'postgres_plugin.worker.connection_wait_ms': timings.waitMs,
    'postgres_plugin.worker.server_ms': timings.serverMs,
    'postgres_plugin.worker.encode_ms': timings.encodeMs,
    'postgres_plugin.worker.total_ms': timings.workerMs,
  };
}
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
  private readonly spans = new Map<string, { span: Span; endpoint: InstanceEndpoint }>();
  private readonly endpoints = new Map<string, Map<string, InstanceEndpoint>>();
  private readonly metrics: TelemetryMetrics;
  private readonly totals = new TelemetryTotals();
  private tracerProvider: TracerProvider | undefined;
  private tracer: Tracer | undefined;

  constructor(
    private readonly options: TelemetryOptions = {},
    private readonly sources: Omit<MetricSources, 'instances'>,
  ) {
    this.metrics = new TelemetryMetrics({ ...sources, instances: () => this.configuredInstances() }, this.totals);
  }

  /**
   * Runs one call (`send` gets the traceparent to carry, if any, and the params to send) inside its span;
   * a rejection of `send`'s promise is answered by `failure`. One promise and no async frame of its own:
   * under an AsyncLocalStorage context manager every promise costs hook calls.
   */
  record<T>(
    pluginName: string,
    instanceId: string,
    config: Record<string, unknown> | undefined,
    operation: string,
    params: Record<string, unknown> | undefined,
    send: (traceparent: string | undefined, params: Record<string, unknown> | undefined) => Promise<PluginResult<T>>,
    failure: (error: unknown) => PluginResult<T>,
  ): Promise<PluginResult<T>> {
    const started = performance.now();
    const endpoint = this.endpoint(pluginName, instanceId, config);
    const shape = endpoint.shape(operation, params, this.options.captureParameters === true);
    const span = this.currentTracer().startSpan(shape.name, { kind: SpanKind.CLIENT, attributes: shape.span }, context.active());
    let traceparent: string | undefined;
    if (span.isRecording()) {
      const { traceId, spanId, traceFlags } = span.spanContext();
      traceparent = `00-${traceId}-${spanId}-${traceFlags === TraceFlags.SAMPLED ? '01' : traceFlags.toString(16).padStart(2, '0')}`;
      this.spans.set(traceparent, { span, endpoint });
      if (this.options.sqlCommenter && typeof params?.sql === 'string' && SQL_OPERATIONS.has(operation)) {
        // On a line of its own: a trailing `--` comment in the text must not swallow it.
        params = { ...params, sql: `${params.sql}\n/*traceparent='${traceparent}'*/` };
      }
    }
    const end = (result: PluginResult<T> | undefined): void => {
      if (traceparent !== undefined) this.spans.delete(traceparent);
      this.finish(span, shape, endpoint, result, performance.now() - started);
    };
    let sent: Promise<PluginResult<T>>;
    try {
      sent = send(traceparent, params);
    } catch (error) {
      end(undefined);
      throw error;
    }
    return sent.then(
      (result) => (end(result), result),
      (error: unknown) => {
        end(undefined);
        return failure(error);
      },
    );
  }

  /** The worker's timings of a traced call (in its answer, or `telemetry/timings`): an event on its span, and the connection wait metric. */
  onTimings(timings: TimingsParams): void {
    const traced = this.spans.get(timings.traceparent);
    if (traced === undefined) return;
    traced.span.addEvent(WORKER_EVENT, workerEventAttributes(timings));
    // A statement on a pipelined lane or a transaction handle took no connection from the pool: no wait to count.
    if (timings.checkedOut !== false) this.metrics.connectionWait(traced.endpoint.pool, timings.waitMs);
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

  private finish(span: Span, shape: CallShape, endpoint: InstanceEndpoint, result: PluginResult<unknown> | undefined, ms: number): void {
    const error = result === undefined ? { code: PluginErrorCode.WORKER_CRASHED, message: 'the call threw', details: undefined } : result.success ? undefined : result.error;
    let metric = shape.metric;
    if (error !== undefined) {
      const sqlState = (error.details as { sqlState?: unknown } | undefined)?.sqlState;
      const status = typeof sqlState === 'string' && sqlState !== '' ? sqlState : undefined;
      const errorType = status ?? error.code;
      if (status !== undefined) span.setAttribute('db.response.status_code', status);
      span.setAttributes({ 'error.type': errorType, 'postgres_plugin.error.code': error.code });
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      metric = failedMetric(shape, errorType, status);
    }
    span.end();
    this.totals.operation(endpoint.totals, ms, error?.code);
    this.metrics.operation(metric, endpoint.pool, ms, error?.code);
  }

  /** The tracer of the global provider, fetched again only when the provider changes (an SDK registered or disabled later). */
  private currentTracer(): Tracer {
    const provider = trace.getTracerProvider();
    if (provider !== this.tracerProvider || this.tracer === undefined) {
      this.tracerProvider = provider;
      this.tracer = provider.getTracer(TRACER_NAME);
    }
    return this.tracer;
  }

  /** The instance's endpoint, its attributes read again only when its config object changes. */
  private endpoint(pluginName: string, instanceId: string, config: Record<string, unknown> | undefined): InstanceEndpoint {
    let byInstance = this.endpoints.get(pluginName);
    if (byInstance === undefined) this.endpoints.set(pluginName, (byInstance = new Map()));
    let endpoint = byInstance.get(instanceId);
    if (endpoint === undefined) byInstance.set(instanceId, (endpoint = new InstanceEndpoint(pluginName, instanceId, this.totals.instance(pluginName, instanceId))));
    endpoint.configure(config);
    return endpoint;
  }

  private *configuredInstances(): Iterable<{ pluginName: string; instanceId: string }> {
    for (const byInstance of this.endpoints.values()) for (const endpoint of byInstance.values()) if (endpoint.configured) yield endpoint;
  }
}
