import { Errors } from '../../shared/errors';
import type { TimingsParams, TracedAnswer } from '../../shared/protocol';

/**
 * The operation's result of a traced answer (`{ result, timings }`, from a worker
 * with `capabilities.timingsInAnswer`); its timings go to `onTimings`, as the
 * `telemetry/timings` notification's would.
 */
export function tracedResult<T>(answer: unknown, traceparent: string, onTimings: ((timings: TimingsParams) => void) | undefined): T {
  const traced = answer as Partial<TracedAnswer> | null;
  if (typeof traced !== 'object' || traced === null || !('result' in traced) || typeof traced.timings !== 'object' || traced.timings === null) {
    throw Errors.internal('a traced answer came without its timings');
  }
  onTimings?.({ traceparent, ...traced.timings });
  return traced.result as T;
}
