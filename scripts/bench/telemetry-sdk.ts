/**
 * An OpenTelemetry SDK as an application would register it (AsyncLocalStorage
 * context, every span sampled and batched to an exporter, a meter provider
 * with a reader), switched on only for one contender's turns in the lookup
 * suite, so the SDK-registered worker and the plain one run side by side.
 * The exporter drops what it is given: the cost measured is the plugin's and
 * the SDK's, not an exporter's network.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';

/** Spans dropped, counted (the closing note says how many spans the turns made). */
class CountingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A reader that is never asked: the instruments aggregate as they would between exports. */
class IdleReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export class TelemetrySdk {
  readonly exporter = new CountingExporter();
  private readonly contextManager = new AsyncLocalStorageContextManager();
  private readonly tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: this.exporter, maxQueueSize: 65_536 })] });
  private readonly meterProvider = new MeterProvider({ readers: [new IdleReader()] });

  /** Registers the SDK globally (what an application's tracing setup does at start). */
  enter(): void {
    context.setGlobalContextManager(this.contextManager.enable());
    trace.setGlobalTracerProvider(this.tracerProvider);
    metrics.setGlobalMeterProvider(this.meterProvider);
  }

  /** Back to the API's no-ops, as for every other contender. */
  leave(): void {
    trace.disable();
    metrics.disable();
    context.disable();
  }

  async close(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }
}
