/**
 * The results suite's streaming part: 1,000,000 rows through in-process
 * pg-cursor and through `PluginManager.stream`, each contender in a child
 * process of its own (see stream-child), taking turns over the rounds; the
 * median times, their ratio and each side's peak RSS.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { connectionOf, type BenchServer } from './bench-server';
import type { StreamOutcome, StreamRun } from './stream-child';

export const STREAM_ROWS = 1_000_000;
export const STREAM_BATCH = 2_000;
const CHILD = path.join(__dirname, 'stream-child.js');

export interface StreamCell {
  mode: StreamRun['mode'];
  outcomes: StreamOutcome[];
}

function runChild(run: StreamRun): Promise<StreamOutcome> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, JSON.stringify(run)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${run.mode}: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as StreamOutcome);
    });
  });
}

export async function measureStreaming(server: BenchServer, rounds: number): Promise<StreamCell[]> {
  const cells: StreamCell[] = [
    { mode: 'pg-cursor', outcomes: [] },
    { mode: 'plugin', outcomes: [] },
  ];
  const connection = connectionOf(server);
  // One unmeasured round warms the server's caches.
  for (let round = 0; round <= rounds; round++) {
    for (const cell of cells) {
      const outcome = await runChild({ mode: cell.mode, connection, rows: STREAM_ROWS, batchSize: STREAM_BATCH });
      if (outcome.rows !== STREAM_ROWS) throw new Error(`${cell.mode} read ${outcome.rows} of ${STREAM_ROWS} rows`);
      if (round > 0) cell.outcomes.push(outcome);
      if (round > 0) console.log(`  measured ${cell.mode} round ${round}: ${Math.round(outcome.ms)} ms`);
    }
  }
  return cells;
}
