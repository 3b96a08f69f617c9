/**
 * Latency samples of one benchmark cell and what the report shows of them:
 * throughput over the measured wall time and percentiles read from the sorted
 * samples (nearest-rank, no interpolation).
 */

/** Per-request latencies in nanoseconds, appended as requests complete. */
export class LatencyRecorder {
  private samples: number[] = [];

  /** Records one request that started at `startNs` (a `process.hrtime.bigint()` reading) and ended now. */
  record(startNs: bigint): void {
    this.samples.push(Number(process.hrtime.bigint() - startNs));
  }

  get count(): number {
    return this.samples.length;
  }

  /** The samples sorted ascending (the recorder is spent afterwards). */
  takeSorted(): Float64Array {
    // A typed array sorts numerically and without the comparator call per pair.
    const sorted = Float64Array.from(this.samples).sort();
    this.samples = [];
    return sorted;
  }
}

/** Nearest-rank percentile (`p` in 0..100) of ascending samples; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The summary of one measured cell. */
export interface LatencySummary {
  requests: number;
  failures: number;
  elapsedMs: number;
  /** Successful requests per second of measured wall time (failures are counted, not timed). */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Summarises a cell: `elapsedNs` is the wall time from the first request issued to the last one answered. */
export function summarize(recorder: LatencyRecorder, failures: number, elapsedNs: bigint): LatencySummary {
  const sorted = recorder.takeSorted();
  const elapsedMs = Number(elapsedNs) / 1e6;
  const toMs = (ns: number): number => ns / 1e6;
  return {
    requests: sorted.length,
    failures,
    elapsedMs,
    throughput: elapsedMs > 0 ? (sorted.length * 1000) / elapsedMs : 0,
    p50Ms: toMs(percentile(sorted, 50)),
    p99Ms: toMs(percentile(sorted, 99)),
    maxMs: toMs(sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN),
  };
}
