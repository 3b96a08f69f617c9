/**
 * One contender of the results suite's streaming part, in a process of its
 * own so that its peak RSS (VmHWM) is its own: reads STREAM_ROWS rows with
 * in-process pg-cursor (`pg-cursor`) or through the plugin's
 * `PluginManager.stream` (`plugin`), checks every row once and in order, and
 * prints one JSON line: rows, ms, its peak RSS and (plugin) the worker's.
 * argv[2]: JSON { mode, connection, rows, batchSize }.
 */
import fs from 'node:fs';
import pg from 'pg';
import Cursor from 'pg-cursor';
import pino from 'pino';
import { PluginManager } from '../../host/plugin-manager';

export interface StreamRun {
  mode: 'pg-cursor' | 'plugin';
  connection: Record<string, unknown>;
  rows: number;
  batchSize: number;
}

export interface StreamOutcome {
  rows: number;
  ms: number;
  peakKb: number;
  workerPeakKb?: number;
}

/** The streamed statement: an integer `i` from 1 and two text columns, ~100 bytes a row as JSON. */
export const streamSql = (rows: number): string => `SELECT i, md5(i::text) AS a, repeat('x', 40) AS b FROM generate_series(1, ${rows}) AS i`;

function peakKb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : -1;
}

/** Counts rows, failing on the first one out of order. */
function counter(): { take(row: { i: number }): void; count(): number } {
  let n = 0;
  return {
    take(row) {
      n++;
      if (row.i !== n) throw new Error(`row ${n} arrived as ${row.i}`);
    },
    count: () => n,
  };
}

async function viaPgCursor(run: StreamRun): Promise<StreamOutcome> {
  const client = new pg.Client(run.connection);
  await client.connect();
  const seen = counter();
  const started = performance.now();
  const cursor = client.query(new Cursor(streamSql(run.rows)));
  for (;;) {
    const rows = (await cursor.read(run.batchSize)) as { i: number }[];
    if (rows.length === 0) break;
    for (const row of rows) seen.take(row);
  }
  const ms = performance.now() - started;
  await cursor.close();
  await client.end();
  return { rows: seen.count(), ms, peakKb: peakKb(process.pid) };
}

async function viaPlugin(run: StreamRun): Promise<StreamOutcome> {
  const plugins = new PluginManager({ logger: pino({ level: 'warn' }, pino.destination(2)) });
  try {
    // The worker is started and the instance connected before the clock starts, as pg's client is.
    await plugins.executePlugin('postgres-plugin', 'bench:stream', run.connection, 'ping', {});
    const seen = counter();
    const started = performance.now();
    for await (const rows of plugins.stream<{ i: number }>('postgres-plugin', 'bench:stream', run.connection, { sql: streamSql(run.rows), batchSize: run.batchSize })) {
      for (const row of rows) seen.take(row);
    }
    const ms = performance.now() - started;
    return { rows: seen.count(), ms, peakKb: peakKb(process.pid), workerPeakKb: peakKb(plugins.workerPid()!) };
  } finally {
    await plugins.shutdown();
  }
}

if (require.main === module) {
  const run = JSON.parse(process.argv[2]!) as StreamRun;
  (run.mode === 'plugin' ? viaPlugin(run) : viaPgCursor(run)).then(
    (outcome) => {
      process.stdout.write(JSON.stringify(outcome) + '\n');
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`stream contender failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
