/**
 * What the OpenTelemetry SDK itself costs per call, without the plugin: in
 * this process, with the SDK registered as in the lookup suite, the span a
 * lookup gets (its name and attributes, from the host's own call shapes),
 * the worker's timings event, and the two histogram points a traced call
 * records (operation duration, connection wait). The telemetry overhead
 * line of the lookup report sets it against the machine's time per lookup:
 * the part of the overhead no integration can remove.
 */
import { context, metrics, SpanKind, trace } from '@opentelemetry/api';
import { InstanceEndpoint } from '../../host/telemetry/call-shapes';
import { WORKER_EVENT, workerEventAttributes } from '../../host/telemetry/plugin-telemetry';
import { TelemetryTotals } from '../../host/telemetry/telemetry-snapshot';
import type { TelemetrySdk } from './telemetry-sdk';

const WARMUP_CALLS = 50_000;
const CALLS_PER_ROUND = 100_000;
const ROUNDS = 5;
/** Calls between yields to the event loop, so the batch span processor exports as it would. */
const CALLS_PER_TURN = 512;
/** A lookup's timings as a worker reports them (ms). */
const TIMINGS = { waitMs: 0.002, serverMs: 0.087, encodeMs: 0.011, workerMs: 0.123 };

/** Median CPU µs per call over the rounds. */
export async function sdkOwnWorkMicros(sdk: TelemetrySdk, config: Record<string, unknown>, sql: string): Promise<number> {
  const endpoint = new InstanceEndpoint('postgres-plugin', 'bench:sdk-own-work', new TelemetryTotals().instance('postgres-plugin', 'bench:sdk-own-work'));
  endpoint.configure(config);
  const shape = endpoint.shape('query', { sql, params: [1] }, false);
  sdk.enter();
  try {
    const tracer = trace.getTracer('postgres-plugin');
    const meter = metrics.getMeter('postgres-plugin');
    const duration = meter.createHistogram('db.client.operation.duration', { unit: 's' });
    const wait = meter.createHistogram('db.client.connection.wait_time', { unit: 's' });
    const call = (): void => {
      const span = tracer.startSpan(shape.name, { kind: SpanKind.CLIENT, attributes: shape.span }, context.active());
      span.addEvent(WORKER_EVENT, workerEventAttributes(TIMINGS));
      wait.record(0.000002, endpoint.pool);
      span.end();
      duration.record(0.0003, shape.metric);
    };
    const run = async (calls: number): Promise<void> => {
      for (let i = 1; i <= calls; i++) {
        call();
        if (i % CALLS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    await run(WARMUP_CALLS);
    const rounds: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = process.cpuUsage();
      await run(CALLS_PER_ROUND);
      const used = process.cpuUsage(before);
      rounds.push((used.user + used.system) / CALLS_PER_ROUND);
    }
    return rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
  } finally {
    sdk.leave();
  }
}
