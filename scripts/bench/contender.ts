/** One way the lookup suite runs its request: pg in process, the worker, or a floor. */
import type { Operation } from './load-loop';

export type StatementMode = 'unnamed' | 'prepared';

export interface Contender {
  /** Row label in the report. */
  label: string;
  /** pg in process, the plugin's worker, or a floor (a hop without the database: hop-floors.ts). */
  kind: 'pg' | 'worker' | 'floor';
  mode: StatementMode;
  /** Whether this is the side's default statement mode (pg: unnamed; worker: prepared). */
  isDefault: boolean;
  operation: Operation;
  /** Releases what the contender holds (pools end; the worker is stopped by the caller's shutdown). */
  close(): Promise<void>;
  /** Around each of its turns: the SDK-registered worker registers the OpenTelemetry SDK for its turns only. */
  enter?(): void;
  leave?(): void;
  /** The same worker without the SDK, for the telemetry overhead note. */
  plainTwin?: string;
  /** The SDK-registered worker: the SDK's own CPU µs per call, without the plugin (sdk-own-work.ts). */
  sdkOwnWorkMicros?(): Promise<number>;
  /** The process serving the requests besides this one (the worker, an echo child): its CPU is counted. */
  childPid?(): number | undefined;
  /** The concurrencies measured (all when absent). */
  concurrencies?: readonly number[];
}
