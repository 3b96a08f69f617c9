/**
 * The closed-loop load generator: `concurrency` independent async loops, each
 * issuing one request, awaiting it, and issuing the next, until a deadline.
 * Loops check the clock before every request, so a cell stops by itself; the
 * requests in flight at the deadline are awaited and counted.
 */
import { LatencyRecorder, summarize, type LatencySummary } from './latency-stats';

/** One request: resolves on success, throws (with a readable message) on any failure. */
export type Operation = () => Promise<void>;

export interface LoadOptions {
  concurrency: number;
  /** Unmeasured run before the measurement (ms): connections opened, statements prepared, JIT warm. */
  warmupMs: number;
  /** Measured run (ms). */
  durationMs: number;
}

/** A measured cell plus the first few distinct failure messages, for the report. */
export interface LoadResult extends LatencySummary {
  failureSamples: string[];
}

const MAX_FAILURE_SAMPLES = 5;

interface Phase {
  recorder: LatencyRecorder;
  failures: number;
  failureSamples: string[];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `concurrency` loops for `durationMs`; returns the wall time from start to the last answer. */
async function runPhase(operation: Operation, concurrency: number, durationMs: number, phase: Phase): Promise<bigint> {
  const startNs = process.hrtime.bigint();
  const deadlineNs = startNs + BigInt(Math.round(durationMs * 1e6));
  const loop = async (): Promise<void> => {
    while (process.hrtime.bigint() < deadlineNs) {
      const t0 = process.hrtime.bigint();
      try {
        await operation();
        phase.recorder.record(t0);
      } catch (error) {
        phase.failures++;
        const message = describe(error);
        if (phase.failureSamples.length < MAX_FAILURE_SAMPLES && !phase.failureSamples.includes(message)) {
          phase.failureSamples.push(message);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return process.hrtime.bigint() - startNs;
}

/**
 * Warms up, then measures one cell. Failures during the warm-up count too:
 * a request that fails is a failure whenever it happens.
 */
export async function runLoad(operation: Operation, options: LoadOptions): Promise<LoadResult> {
  const warm: Phase = { recorder: new LatencyRecorder(), failures: 0, failureSamples: [] };
  if (options.warmupMs > 0) await runPhase(operation, options.concurrency, options.warmupMs, warm);
  const measured: Phase = { recorder: new LatencyRecorder(), failures: 0, failureSamples: [...warm.failureSamples] };
  const elapsedNs = await runPhase(operation, options.concurrency, options.durationMs, measured);
  return {
    ...summarize(measured.recorder, warm.failures + measured.failures, elapsedNs),
    failureSamples: measured.failureSamples,
  };
}
