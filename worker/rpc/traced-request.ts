import type { TimingsParams } from '../../shared/protocol';
import { EncodedJson } from '../../shared/transport/encoded-json';
import type { Cancellation, RequestTrace } from '../statements/cancellation';
import { encodeInSlices } from './sliced-encoding';

/** The request's cancellation with the {@link RequestTrace} the runner adds its times to (one small object, no closures). */
class TracedCancellation implements Cancellation {
  readonly trace: RequestTrace;

  constructor(
    private readonly token: Cancellation,
    traceparent: string,
  ) {
    this.trace = { traceId: traceparent.slice(3, 35), waitMs: 0, serverMs: 0, checkedOut: false };
  }

  get isCancellationRequested(): boolean {
    return this.token.isCancellationRequested;
  }

  onCancellationRequested(listener: () => void): { dispose(): void } {
    return this.token.onCancellationRequested(listener);
  }
}

/**
 * Serves one `execute` that carried a `traceparent`: the operation gets a
 * cancellation with a {@link RequestTrace} (the runner adds its connection wait
 * and server time to it, and its log lines the trace id), and the answer is
 * encoded here so that time is known. A success answers
 * `{ result, timings: { workerMs, waitMs, serverMs, encodeMs, checkedOut } }`, one
 * message (the worker announces this as `capabilities.timingsInAnswer`); a
 * failure gives `reportFailure` the timings just before its error leaves
 * (`telemetry/timings`, written first, so the host has them when the error
 * arrives). Untraced requests never come here.
 */
export async function runTraced(
  traceparent: string,
  token: Cancellation,
  run: (cancellation: Cancellation) => Promise<unknown>,
  reportFailure: (timings: TimingsParams) => void,
): Promise<EncodedJson> {
  const started = performance.now();
  const cancellation = new TracedCancellation(token, traceparent);
  const { trace } = cancellation;
  let encoding: number | undefined;
  try {
    const result = await run(cancellation);
    encoding = performance.now();
    let encoded = encodeInSlices(result);
    if (encoded instanceof Promise) encoded = await encoded;
    const text = encoded instanceof EncodedJson ? encoded.text : encoded === undefined ? 'null' : JSON.stringify(encoded);
    const now = performance.now();
    // Numbers only past the result: the timings cost a few dozen bytes, no second message.
    return new EncodedJson(
      `{"result":${text},"timings":{"workerMs":${ms(now - started)},"waitMs":${ms(trace.waitMs)},"serverMs":${ms(trace.serverMs)},"encodeMs":${ms(now - encoding)},"checkedOut":${trace.checkedOut}}}`,
    );
  } catch (error) {
    const now = performance.now();
    reportFailure({ traceparent, workerMs: ms(now - started), waitMs: ms(trace.waitMs), serverMs: ms(trace.serverMs), encodeMs: encoding === undefined ? 0 : ms(now - encoding), checkedOut: trace.checkedOut });
    throw error;
  }
}

/** Milliseconds to the microsecond. */
function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}
