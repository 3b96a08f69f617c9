import { metrics, ValueType, type Attributes, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
import { PluginErrorCode } from '../../shared/error-codes';
import type { ConnectionStats } from '../../shared/results';
import type { PluginResult } from '../envelope';
import type { TelemetryTotals, WorkerView } from './telemetry-snapshot';

const METER_NAME = 'postgres-plugin';
/** The semantic conventions' bucket boundaries for db.client.operation.duration (seconds). */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** What the PluginManager lets the metrics read. */
export interface MetricSources {
  /** Workers running or starting. */
  workers(): Iterable<WorkerView>;
  /** Instances that have been used, by plugin. */
  instances(): Iterable<{ pluginName: string; instanceId: string }>;
  /** `getStats` of an instance whose worker runs; undefined when none does (no worker is started to answer). */
  stats(pluginName: string, instanceId: string): Promise<PluginResult<ConnectionStats> | undefined>;
}

interface Instruments {
  duration: Histogram;
  wait: Histogram;
  timeouts: Counter;
  connectionTimeouts: Counter;
  restarts: Counter;
}

/**
 * The metrics through the OpenTelemetry metrics API. Instruments are made
 * from the global meter provider the first time a call finds it changed (an
 * SDK registered after the PluginManager was made still gets them); the
 * gauges (connections by state, pending requests, in-flight requests, circuit
 * state) are read only when a reader collects, the pool figures by asking
 * each running worker's instances for `getStats` then.
 */
export class TelemetryMetrics {
  private provider: MeterProvider | undefined;
  private instruments: Instruments | undefined;

  constructor(
    private readonly sources: MetricSources,
    private readonly totals: TelemetryTotals,
  ) {}

  /** One finished call: its duration (seconds, as the conventions say) and, by its error, a timeout. `pool`: the instance's pool-name attributes. */
  operation(attributes: Attributes, pool: Attributes, ms: number, errorCode: string | undefined): void {
    const i = this.current();
    i.duration.record(ms / 1000, attributes);
    if (errorCode === PluginErrorCode.QUERY_TIMEOUT) i.timeouts.add(1, pool);
    if (errorCode === PluginErrorCode.POOL_EXHAUSTED) i.connectionTimeouts.add(1, pool);
  }

  /** The worker's wait for a pooled connection (from the timings of traced calls only). */
  connectionWait(pool: Attributes, ms: number): void {
    this.current().wait.record(ms / 1000, pool);
  }

  restarted(pluginName: string, tenant: string | undefined): void {
    this.current().restarts.add(1, workerAttributes(pluginName, tenant));
  }

  private current(): Instruments {
    const provider = metrics.getMeterProvider();
    if (provider !== this.provider || this.instruments === undefined) {
      this.provider = provider;
      this.instruments = this.create(provider);
    }
    return this.instruments;
  }

  private create(provider: MeterProvider): Instruments {
    const meter = provider.getMeter(METER_NAME);
    const connections = meter.createObservableUpDownCounter('db.client.connection.count', { unit: '{connection}', description: 'Connections of each instance pool, by state (idle, used)' });
    const pending = meter.createObservableUpDownCounter('db.client.connection.pending_requests', { unit: '{request}', description: 'Requests waiting for a pooled connection in the worker' });
    const max = meter.createObservableUpDownCounter('db.client.connection.max', { unit: '{connection}', description: 'The pool size of each instance' });
    const inFlight = meter.createObservableUpDownCounter('postgres_plugin.worker.requests_in_flight', { unit: '{request}', description: 'Requests sent to a worker and not yet answered' });
    const circuit = meter.createObservableGauge('postgres_plugin.worker.circuit_open', { unit: '1', description: '1 while the restart circuit of a worker is open, else 0', valueType: ValueType.INT });
    meter.addBatchObservableCallback(
      async (result) => {
        for (const w of this.sources.workers()) result.observe(inFlight, w.inFlight, workerAttributes(w.pluginName, w.tenant));
        for (const c of this.totals.circuits()) result.observe(circuit, c.circuit === 'open' ? 1 : 0, workerAttributes(c.pluginName, c.tenant));
        const instances = [...this.sources.instances()];
        const answers = await Promise.all(instances.map((i) => this.sources.stats(i.pluginName, i.instanceId).catch(() => undefined)));
        answers.forEach((answer, n) => {
          if (!answer?.success) return;
          const pool = { 'db.client.connection.pool.name': instances[n]!.instanceId };
          result.observe(connections, answer.data.idle, { ...pool, 'db.client.connection.state': 'idle' });
          result.observe(connections, answer.data.total - answer.data.idle, { ...pool, 'db.client.connection.state': 'used' });
          result.observe(pending, answer.data.waiting, pool);
          result.observe(max, answer.data.max, pool);
        });
      },
      [connections, pending, max, inFlight, circuit],
    );
    return {
      duration: meter.createHistogram('db.client.operation.duration', { unit: 's', description: 'Duration of executePlugin calls', advice: { explicitBucketBoundaries: DURATION_BUCKETS } }),
      wait: meter.createHistogram('db.client.connection.wait_time', { unit: 's', description: 'Time the worker waited for a pooled connection (traced calls)', advice: { explicitBucketBoundaries: DURATION_BUCKETS } }),
      timeouts: meter.createCounter('postgres_plugin.query.timeouts', { unit: '{timeout}', description: 'Statements that ran past their timeout (POSTGRES_QUERY_TIMEOUT)' }),
      connectionTimeouts: meter.createCounter('db.client.connection.timeouts', { unit: '{timeout}', description: 'No pooled connection within connectionTimeoutMillis (POSTGRES_POOL_EXHAUSTED)' }),
      restarts: meter.createCounter('postgres_plugin.worker.restarts', { unit: '{restart}', description: 'Unexpected worker exits, each followed by a restart' }),
    };
  }
}

function workerAttributes(pluginName: string, tenant: string | undefined): Attributes {
  return tenant === undefined ? { 'postgres_plugin.plugin': pluginName } : { 'postgres_plugin.plugin': pluginName, 'postgres_plugin.tenant': tenant };
}
