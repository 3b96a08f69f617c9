/**
 * What every benchmark suite receives and returns. The entry point
 * (`scripts/bench.ts`) owns the server and the PluginManager; a suite owns
 * whatever else it opens (in-process pools) and closes it before returning.
 */
import type { PluginManager } from '../../host/plugin-manager';
import type { BenchServer } from './bench-server';

export interface BenchSettings {
  /** Measured seconds per cell (env BENCH_SECONDS, default 5). */
  seconds: number;
  /** Unmeasured warm-up seconds per cell (env BENCH_WARMUP_SECONDS, default 1). */
  warmupSeconds: number;
  /** Rounds a cell's time is split into, the contenders taking turns (env BENCH_ROUNDS, default 5). */
  rounds: number;
}

export interface SuiteContext {
  server: BenchServer;
  plugins: PluginManager;
  settings: BenchSettings;
}

/** A suite runs its cells, prints its report, and returns the number of failed requests. */
export type Suite = (ctx: SuiteContext) => Promise<number>;
