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
import type { Suite } from './suite';

const TARGET_WIDE = 0.8;
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

export const resultsSuite: Suite = async ({ server, plugins, settings }) => {
  console.log('\n== Suite results: 1000-row selects, then streaming 1,000,000 rows ==');
  await createWideFixture(server);
  const wide = await measureWideSelect(plugins, server, settings);
  console.log('\n  1000-row select (id, name, email, score, balance, created_at, active):');
  console.log(wideReport(wide));
  return wide.reduce((sum, cell) => sum + cell.result.failures, 0);
};
