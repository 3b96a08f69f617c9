import type { TimingsParams } from '../../shared/protocol';
import { EncodedJson } from '../../shared/transport/encoded-json';
import type { Cancellation, RequestTrace } from '../statements/cancellation';
import { encodeInSlices } from './sliced-encoding';

/**
 * Serves one `execute` that carried a `traceparent`: the operation gets a
 * cancellation with a {@link RequestTrace} (the runner adds its connection wait
 * and server time to it, and its log lines the trace id), the answer is
 * encoded here so that time is known, and `report` gets the timings just
 * before the answer leaves (the notification is written first, so the host
 * has them when the answer arrives). Untraced requests never come here.
 */
export async function runTraced(
  traceparent: string,
  token: Cancellation,
  run: (cancellation: Cancellation) => Promise<unknown>,
  report: (timings: TimingsParams) => void,
): Promise<unknown> {
  const started = performance.now();
  const trace: RequestTrace = { traceId: traceparent.slice(3, 35), waitMs: 0, serverMs: 0 };
  const cancellation: Cancellation = {
    get isCancellationRequested() {
      return token.isCancellationRequested;
    },
    onCancellationRequested: (listener) => token.onCancellationRequested(listener),
    trace,
  };
  let encodeMs = 0;
  const timings = (): TimingsParams => ({
    traceparent,
    workerMs: ms(performance.now() - started),
    waitMs: ms(trace.waitMs),
    serverMs: ms(trace.serverMs),
    encodeMs: ms(encodeMs),
  });
  let answer: unknown;
  try {
    const result = await run(cancellation);
    const encoding = performance.now();
    const encoded = await encodeInSlices(result);
    answer = encoded instanceof EncodedJson || encoded === undefined ? encoded : new EncodedJson(JSON.stringify(encoded));
    encodeMs = performance.now() - encoding;
  } catch (error) {
    report(timings());
    throw error;
  }
  report(timings());
  return answer;
}

/** Milliseconds to the microsecond. */
function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}
