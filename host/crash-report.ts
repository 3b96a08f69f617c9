import { redactConnectionString } from '../shared/redaction';
import type { HeartbeatResult } from '../shared/protocol';
import type { InFlightSummary } from './in-flight-calls';

/**
 * Why a worker process ended. `shutdown`: stopped cleanly on request; the
 * rest are deaths: `crash` (it exited or was killed from outside), `heartbeat`
 * (its event loop stopped answering and the host killed it), `memory-cap`
 * (V8 ran out of the heap `maxMemoryMb` allows), `protocol-violation` (it
 * wrote something that is not a frame on stdout and the host killed it),
 * `stop-timeout` (a stop took too long and it was killed), `killed` (the
 * host's `kill()`).
 */
export type WorkerExitReason = 'shutdown' | 'crash' | 'heartbeat' | 'memory-cap' | 'protocol-violation' | 'stop-timeout' | 'killed';

/** Why the host itself killed a worker. */
export type KillReason = Extract<WorkerExitReason, 'heartbeat' | 'protocol-violation' | 'stop-timeout' | 'killed'>;

/** A memory reading of the worker, from its last heartbeat answer. */
export interface MemoryReading {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  /** When it was taken (ISO-8601). */
  at: string;
}

/** What an operator needs when a worker dies; no parameter, password or connection string is in it. */
export interface CrashReport {
  reason: WorkerExitReason;
  exitCode: number | null;
  signal: string | null;
  /** The requests it had in flight, summarised. */
  inFlight: InFlightSummary[];
  memory?: MemoryReading;
  /** Its last stderr lines, connection strings redacted. */
  stderr: string[];
}

/** V8's last words when a heap limit (`--max-old-space-size`) is reached. */
const HEAP_EXHAUSTED = /heap out of memory|Reached heap limit/i;
const STDERR_LINES = 10;
/** A frame of a native stack trace (V8's fatal errors print one): noise for an operator. */
const NATIVE_FRAME = /^\s*\d+: 0x[0-9a-f]+ /;
const STDERR_LINE_CHARS = 300;

/** The reason of an exit, from what the host knows (its own kill) and the worker's last stderr lines. */
export function exitReason(killedFor: KillReason | undefined, stopRequested: boolean, exitCode: number | null, stderrTail: readonly string[]): WorkerExitReason {
  if (stderrTail.some((line) => HEAP_EXHAUSTED.test(line))) return 'memory-cap';
  if (killedFor !== undefined) return killedFor;
  if (stopRequested && exitCode === 0) return 'shutdown';
  return 'crash';
}

/** The crash report of one exit. */
export function crashReport(
  reason: WorkerExitReason,
  exit: { exitCode: number | null; signal: string | null },
  inFlight: InFlightSummary[],
  memory: MemoryReading | undefined,
  stderrTail: readonly string[],
): CrashReport {
  const stderr = stderrTail.filter((line) => line.trim() !== '' && !NATIVE_FRAME.test(line)).slice(-STDERR_LINES).map((line) => redactConnectionString(line.slice(0, STDERR_LINE_CHARS)));
  return { reason, exitCode: exit.exitCode, signal: exit.signal, inFlight, ...(memory ? { memory } : {}), stderr };
}

/** A heartbeat answer as a reading (null from a worker that answers heartbeats without one). */
export function memoryReading(answer: unknown): MemoryReading | undefined {
  const memory = (answer as Partial<HeartbeatResult> | null | undefined)?.memory;
  if (typeof memory?.rss !== 'number' || typeof memory.heapUsed !== 'number' || typeof memory.heapTotal !== 'number') return undefined;
  const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
  return { rssMb: mb(memory.rss), heapUsedMb: mb(memory.heapUsed), heapTotalMb: mb(memory.heapTotal), at: new Date().toISOString() };
}
