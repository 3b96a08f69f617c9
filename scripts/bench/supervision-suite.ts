/**
 * Supervision figures (issue: supervision and faults): worker cold start
 * (spawn → `initialize` answered) beside its floor (a bare Node child that
 * answers at once) and without the code cache (a build's first start, or a
 * worker that may not write files), spawn → first query answered (a new
 * manager's first `queryValue`: start, the deferred modules, the connection),
 * and recovery after SIGKILL (kill → the next request answered by a fresh
 * worker), medians of 20. Kills are spaced past the restart window, so each
 * is a first crash (restarted at once, no backoff): what is measured is the
 * restart itself.
 */
import path from 'node:path';
import pino from 'pino';
import { BUNDLED_WORKER, PluginManager } from '../../host/plugin-manager';
import { WorkerProcess } from '../../host/worker-process';
import { connectionOf } from './bench-server';
import type { Suite } from './suite';

const BARE_START_CHILD = path.join(__dirname, 'bare-start-child.js');

const ROUNDS = 20;
const RESTART_WINDOW_MS = 300;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (n: number): string => n.toFixed(1).padStart(8);

export const supervisionSuite: Suite = async ({ server }) => {
  const logger = pino({ level: 'silent' });
  let failures = 0;

  const startOnce = async (script: string, env: NodeJS.ProcessEnv = process.env): Promise<number> => {
    const worker = new WorkerProcess({ command: process.execPath, args: [script], env, framing: 'content-length', logger, startTimeoutMs: 10_000, stopTimeoutMs: 2_000 });
    const started = process.hrtime.bigint();
    await worker.start();
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    await worker.stop();
    return elapsed;
  };
  const coldStartsOf = async (script: string, env?: NodeJS.ProcessEnv): Promise<number[]> => {
    const values: number[] = [];
    for (let i = 0; i < ROUNDS; i++) values.push(await startOnce(script, env));
    return values;
  };
  // One start first, so the code cache a restart finds is on disk (a build's first worker writes it).
  await startOnce(BUNDLED_WORKER);
  const floorStarts = await coldStartsOf(BARE_START_CHILD);
  const coldStarts = await coldStartsOf(BUNDLED_WORKER);
  const uncachedStarts = await coldStartsOf(BUNDLED_WORKER, { ...process.env, POSTGRES_PLUGIN_CODE_CACHE: 'off' });

  const config = connectionOf(server);
  const firstQueries: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const fresh = new PluginManager({ logger });
    const started = process.hrtime.bigint();
    const r = await fresh.executePlugin('postgres-plugin', 'bench:first', config, 'queryValue', { sql: 'SELECT 1' });
    firstQueries.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (!r.success) failures++;
    await fresh.shutdown();
  }

  const plugins = new PluginManager({ logger, restart: { maxRestarts: 1000, windowMs: RESTART_WINDOW_MS } });
  const recoveries: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      // Past the window the last kill no longer counts: this one restarts without backoff.
      await new Promise((resolve) => setTimeout(resolve, RESTART_WINDOW_MS + 50));
      const warm = await plugins.executePlugin('postgres-plugin', 'bench:recovery', config, 'ping', {});
      if (!warm.success) failures++;
      const pid = plugins.workerPid()!;
      const killed = process.hrtime.bigint();
      process.kill(pid, 'SIGKILL');
      // The first request may race the kill and answer WORKER_CRASHED; recovery is when one succeeds.
      for (;;) {
        const r = await plugins.executePlugin('postgres-plugin', 'bench:recovery', config, 'queryValue', { sql: 'SELECT 1' });
        if (r.success) break;
        if (r.error.code !== 'POSTGRES_WORKER_CRASHED') {
          failures++;
          break;
        }
      }
      recoveries.push(Number(process.hrtime.bigint() - killed) / 1e6);
    }
  } finally {
    await plugins.shutdown();
  }

  console.log(`\nSupervision (median of ${ROUNDS})`);
  const rows: [string, number[]][] = [
    ['floor: bare Node child answering initialize', floorStarts],
    ['cold start: spawn → initialize answered', coldStarts],
    ['  the same without the code cache', uncachedStarts],
    ['spawn → first query answered', firstQueries],
    ['recovery: SIGKILL → next query answered', recoveries],
  ];
  console.log(`  ${'measure'.padEnd(46)} median ms   min ms   max ms`);
  for (const [label, values] of rows) {
    console.log(`  ${label.padEnd(46)}${ms(median(values))} ${ms(Math.min(...values))} ${ms(Math.max(...values))}`);
  }
  return failures;
};
