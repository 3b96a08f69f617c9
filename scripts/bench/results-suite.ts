/**
 * Suite `results`: large results, side by side on the same server.
 *  1. A 1000-row select (seven columns) at 1 and 4 in flight: in-process pg
 *     vs the worker, rows/s and the ratio (target ≥ 0.8×).
 *  2. Streaming 1,000,000 rows: in-process pg-cursor vs the plugin's
 *     `PluginManager.stream`, time ratio (target ≤ 1.3×) and each side's peak RSS.
 */
import { formatTable } from '../support/text-table';
import { createWideFixture, WINDOW_ROWS } from './results-fixture';
import { measureWideSelect, type WideCell } from './wide-select';
import { measureStreaming, STREAM_BATCH, STREAM_ROWS, type StreamCell } from './stream-contest';
import type { Suite } from './suite';

const TARGET_WIDE = 0.8;
const TARGET_STREAM = 1.3;
/** Rounds of the streaming part (env BENCH_STREAM_ROUNDS, default 3). */
const STREAM_ROUNDS = Math.max(1, Number(process.env.BENCH_STREAM_ROUNDS ?? 3));
const fmtRatio = (n: number): string => `${n.toFixed(2)}×`;

function wideReport(cells: readonly WideCell[]): string {
  const rows = cells.map((cell) => {
    const base = cells.find((c) => c.kind === 'pg' && c.concurrency === cell.concurrency);
    const ratio = cell.kind === 'worker' && base ? cell.result.throughput / base.result.throughput : undefined;
    return {
      contender: cell.label,
      'in flight': String(cell.concurrency),
      'selects/s': Math.round(cell.result.throughput).toLocaleString('en-US'),
      'rows/s': Math.round(cell.result.throughput * WINDOW_ROWS).toLocaleString('en-US'),
      'p50 ms': cell.result.p50Ms.toFixed(2),
      'p99 ms': cell.result.p99Ms.toFixed(2),
      'vs pg': ratio === undefined ? '' : fmtRatio(ratio),
      target: ratio === undefined ? '' : ratio >= TARGET_WIDE ? `≥ ${TARGET_WIDE}× ok` : `≥ ${TARGET_WIDE}× BELOW`,
      failures: String(cell.result.failures),
    };
  });
  return formatTable(rows, { footer: false });
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const mb = (kb: number | undefined): string => (kb === undefined ? '' : `${Math.round(kb / 1024)}`);

function streamReport(cells: readonly StreamCell[]): string {
  const base = median(cells.find((c) => c.mode === 'pg-cursor')!.outcomes.map((o) => o.ms));
  const rows = cells.map((cell) => {
    const ms = median(cell.outcomes.map((o) => o.ms));
    const ratio = ms / base;
    const plugin = cell.mode === 'plugin';
    return {
      contender: plugin ? 'PluginManager.stream (worker)' : 'pg-cursor (in process)',
      'median ms': String(Math.round(ms)),
      'rows/s': Math.round((STREAM_ROWS * 1000) / ms).toLocaleString('en-US'),
      'vs pg-cursor time': plugin ? fmtRatio(ratio) : '1.00×',
      target: plugin ? (ratio <= TARGET_STREAM ? `≤ ${TARGET_STREAM}× ok` : `≤ ${TARGET_STREAM}× ABOVE`) : '',
      'peak RSS MB': mb(Math.max(...cell.outcomes.map((o) => o.peakKb))),
      'worker peak RSS MB': plugin ? mb(Math.max(...cell.outcomes.map((o) => o.workerPeakKb ?? -1))) : '',
    };
  });
  return formatTable(rows, { footer: false });
}

export const resultsSuite: Suite = async ({ server, plugins, settings }) => {
  console.log('\n== Suite results: 1000-row selects, then streaming 1,000,000 rows ==');
  await createWideFixture(server);
  const wide = await measureWideSelect(plugins, server, settings);
  console.log('\n  1000-row select (id, name, email, score, balance, created_at, active):');
  console.log(wideReport(wide));
  console.log(`\n  streaming ${STREAM_ROWS.toLocaleString('en-US')} rows in batches of ${STREAM_BATCH}, each contender in its own process, ${STREAM_ROUNDS} rounds taking turns:`);
  const streamed = await measureStreaming(server, STREAM_ROUNDS);
  console.log(streamReport(streamed));
  return wide.reduce((sum, cell) => sum + cell.result.failures, 0);
};
