/**
 * The closed-loop load generator: `concurrency` independent async loops, each
 * issuing one request, awaiting it, and issuing the next, until a deadline.
 * Loops check the clock before every request, so a cell stops by itself; the
 * requests in flight at the deadline are awaited and counted.
 */
import { LatencyRecorder, summarize, type LatencySummary } from './latency-stats';
import { cpuMicros } from './process-cpu';

/** One request: resolves on success, throws (with a readable message) on any failure. */
export type Operation = () => Promise<void>;

/** A measured cell plus the first few distinct failure messages, for the report. */
export interface LoadResult extends LatencySummary {
  failureSamples: string[];
  /** CPU per successful request over the measured phases, µs: this process, and the contender's child (NaN without one). */
  cpuMicrosPerRequest: { host: number; child: number };
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

/** Counts a failed request, keeping the first few distinct messages. */
function recordFailure(phase: Phase, error: unknown): void {
  phase.failures++;
  const message = describe(error);
  if (phase.failureSamples.length < MAX_FAILURE_SAMPLES && !phase.failureSamples.includes(message)) phase.failureSamples.push(message);
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
        recordFailure(phase, error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return process.hrtime.bigint() - startNs;
}

/**
 * One cell measured in one or more rounds: each round warms up, then
 * measures; the samples and the measured time of every round add up, so
 * rounds of different cells can take turns (this VM's speed drifts over a
 * minute) and still be summarised as one cell. Failures during a warm-up
 * count too: a request that fails is a failure whenever it happens.
 */
export class CellMeasure {
  private readonly measured: Phase = { recorder: new LatencyRecorder(), failures: 0, failureSamples: [] };
  private warmFailures = 0;
  private elapsedNs = 0n;
  private readonly cpu = { host: 0, child: 0 };

  constructor(
    private readonly operation: Operation,
    private readonly concurrency: number,
    /** The process serving the requests besides this one (a worker, an echo child), whose CPU is counted too. */
    private readonly childPid: () => number | undefined = () => undefined,
  ) {}

  async round(warmupMs: number, durationMs: number): Promise<void> {
    const warm: Phase = { recorder: new LatencyRecorder(), failures: 0, failureSamples: this.measured.failureSamples };
    if (warmupMs > 0) await runPhase(this.operation, this.concurrency, warmupMs, warm);
    this.warmFailures += warm.failures;
    const pid = this.childPid();
    const before = { host: cpuMicros(), child: pid === undefined ? Number.NaN : cpuMicros(pid) };
    this.elapsedNs += await runPhase(this.operation, this.concurrency, durationMs, this.measured);
    this.cpu.host += cpuMicros() - before.host;
    this.cpu.child += (pid === undefined ? Number.NaN : cpuMicros(pid)) - before.child;
  }

  result(): LoadResult {
    const summary = summarize(this.measured.recorder, this.warmFailures + this.measured.failures, this.elapsedNs);
    const perRequest = (micros: number): number => (summary.requests > 0 ? micros / summary.requests : Number.NaN);
    return {
      ...summary,
      failureSamples: this.measured.failureSamples,
      cpuMicrosPerRequest: { host: perRequest(this.cpu.host), child: perRequest(this.cpu.child) },
    };
  }
}

/**
 * Operations measured call by call at 1 in flight: one loop whose calls take turns
 * (a, b, a, b, …), so every operation meets the same moment of this VM's drifting
 * speed, which rounds of a few hundred ms only average out (for differences of a
 * few percent). An operation's throughput is its calls over the time spent in them:
 * what it would reach alone, one call at a time. CPU is not split by operation (NaN).
 */
export async function measureInterleaved(operations: readonly Operation[], warmupMs: number, durationMs: number): Promise<LoadResult[]> {
  const failureSamples: string[] = [];
  const phases: Phase[] = operations.map(() => ({ recorder: new LatencyRecorder(), failures: 0, failureSamples }));
  const timeNs = operations.map(() => 0n);
  const run = async (ms: number, record: boolean): Promise<void> => {
    const deadlineNs = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
    for (let call = 0; process.hrtime.bigint() < deadlineNs; call++) {
      const index = call % operations.length;
      const phase = phases[index]!;
      const t0 = process.hrtime.bigint();
      try {
        await operations[index]!();
        if (!record) continue;
        phase.recorder.record(t0);
        timeNs[index] = timeNs[index]! + (process.hrtime.bigint() - t0);
      } catch (error) {
        recordFailure(phase, error);
      }
    }
  };
  await run(warmupMs, false);
  await run(durationMs, true);
  return phases.map((phase, i) => ({
    ...summarize(phase.recorder, phase.failures, timeNs[i]!),
    failureSamples,
    cpuMicrosPerRequest: { host: Number.NaN, child: Number.NaN },
  }));
}

/** What {@link measureInTurns} needs of the run's settings. */
export interface TurnSettings {
  seconds: number;
  warmupSeconds: number;
  rounds: number;
}

/**
 * Measures each contender's operation at `concurrency`, the contenders taking
 * turns round by round (cells compared with each other run next to each
 * other in time; this VM's speed drifts over a minute). Results in the order given.
 */
export async function measureInTurns<C extends { operation: Operation; enter?(): void; leave?(): void; childPid?(): number | undefined }>(
  contenders: readonly C[],
  concurrency: number,
  settings: TurnSettings,
): Promise<{ contender: C; result: LoadResult }[]> {
  const measures = contenders.map((contender) => ({ contender, measure: new CellMeasure(contender.operation, concurrency, contender.childPid?.bind(contender)) }));
  for (let round = 0; round < settings.rounds; round++) {
    for (const { contender, measure } of measures) {
      // A contender may switch something on for its own turns only (the lookup suite's OpenTelemetry SDK).
      contender.enter?.();
      try {
        await measure.round((settings.warmupSeconds * 1000) / settings.rounds, (settings.seconds * 1000) / settings.rounds);
      } finally {
        contender.leave?.();
      }
    }
  }
  return measures.map(({ contender, measure }) => ({ contender, result: measure.result() }));
}
