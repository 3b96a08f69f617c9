/**
 * The lookup suite's printed report: one row per contender × concurrency with
 * throughput and latency, the worker's throughput ratios against the pg
 * baselines, the p50 overhead at one request in flight, and how those compare
 * with the targets of docs/architecture.md#performance-budget (informative: only failures fail the bench).
 */
import type { LoadResult } from './load-loop';
import type { Contender } from './lookup-contenders';

export interface Cell {
  contender: Contender;
  concurrency: number;
  result: LoadResult;
}

/** docs/architecture.md#performance-budget targets. */
const TARGET_SAME_MODE = 0.8;
const TARGET_DEFAULT = 1.0;
const TARGET_P50_DELTA_MS = 0.1;

const fmtRate = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : '-');
const fmtRatio = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '' : `${n.toFixed(2)}×`);
const fmtDelta = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(3)} ms`;
const verdict = (pass: boolean): string => (pass ? 'ok' : 'BELOW TARGET');
const fmtMicros = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');

/** Host + child CPU per request (the host's alone when there is no child). */
function totalCpu(cell: Cell): number {
  const { host, child } = cell.result.cpuMicrosPerRequest;
  return host + (Number.isFinite(child) ? child : 0);
}

function cpuColumns(cell: Cell): string[] {
  const { host, child } = cell.result.cpuMicrosPerRequest;
  return [fmtMicros(host), fmtMicros(child), fmtMicros(totalCpu(cell))];
}

/** Aligns a header and rows: first column left-aligned, the others right-aligned. */
function align(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: readonly string[]): string =>
    ('  ' + r.map((text, c) => (c === 0 ? text.padEnd(widths[c]!) : text.padStart(widths[c]!))).join('  ')).trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function baseline(cells: readonly Cell[], concurrency: number, pick: (c: Contender) => boolean): Cell | undefined {
  return cells.find((cell) => cell.concurrency === concurrency && cell.contender.kind === 'pg' && pick(cell.contender));
}

/** Worker ÷ pg throughput in the same statement mode. */
function sameModeRatio(cells: readonly Cell[], cell: Cell): number | undefined {
  if (cell.contender.kind !== 'worker') return undefined;
  const base = baseline(cells, cell.concurrency, (c) => c.mode === cell.contender.mode);
  return base ? cell.result.throughput / base.result.throughput : undefined;
}

/** Worker default ÷ pg default throughput (only for the worker's default row). */
function defaultRatio(cells: readonly Cell[], cell: Cell): number | undefined {
  if (cell.contender.kind !== 'worker' || !cell.contender.isDefault) return undefined;
  const base = baseline(cells, cell.concurrency, (c) => c.isDefault);
  return base ? cell.result.throughput / base.result.throughput : undefined;
}

/** What the report sets the telemetry overhead against: the SDK's own CPU per call (sdk-own-work.ts) and the machine's cores. */
export interface TelemetryFloor {
  sdkOwnMicros: number | undefined;
  cores: number;
}

export function formatLookupReport(cells: readonly Cell[], floor?: TelemetryFloor): string {
  const header = ['contender', 'in flight', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'vs pg same mode', 'vs pg default', 'CPU µs/req host', 'child', 'total', 'failures'];
  const rows = cells.map((cell) => [
    cell.contender.label,
    String(cell.concurrency),
    String(cell.result.requests),
    fmtRate(cell.result.throughput),
    fmtMs(cell.result.p50Ms),
    fmtMs(cell.result.p99Ms),
    fmtMs(cell.result.maxMs),
    fmtRatio(sameModeRatio(cells, cell)),
    fmtRatio(defaultRatio(cells, cell)),
    ...cpuColumns(cell),
    String(cell.result.failures),
  ]);
  const out = [align(header, rows), ''];

  const floors = cells.filter((c) => c.concurrency === 1 && c.contender.kind === 'floor');
  out.push(`  p50 overhead at 1 in flight (worker p50 − pg p50; floors: ${floors.map((f) => `${f.contender.label.replace('floor: ', '')} ${fmtMs(f.result.p50Ms)} ms`).join(', ')}):`);
  for (const cell of cells.filter((c) => c.concurrency === 1 && c.contender.kind === 'worker')) {
    const same = baseline(cells, 1, (c) => c.mode === cell.contender.mode);
    const def = baseline(cells, 1, (c) => c.isDefault);
    if (!same || !def) continue;
    const deltaSame = cell.result.p50Ms - same.result.p50Ms;
    const deltaDefault = cell.result.p50Ms - def.result.p50Ms;
    const parts = [`${fmtDelta(deltaSame)} vs ${same.contender.label}`];
    if (def !== same) parts.push(`${fmtDelta(deltaDefault)} vs ${def.contender.label}`);
    const multiples = floors.map((f) => `${(deltaSame / f.result.p50Ms).toFixed(1)}× the ${f.contender.label.replace('floor: ', '')}`);
    if (multiples.length > 0) parts.push(multiples.join(', '));
    out.push(`    ${cell.contender.label}: ${parts.join(', ')}  [target ≤ +${TARGET_P50_DELTA_MS.toFixed(2)} ms: ${verdict(deltaSame <= TARGET_P50_DELTA_MS)}]`);
  }
  out.push('', '  CPU per request (µs, host + child; pg in process has no child; the server\'s CPU is in neither):');
  for (const concurrency of [...new Set(cells.map((c) => c.concurrency))]) {
    const pgPrepared = baseline(cells, concurrency, (c) => c.mode === 'prepared');
    const line = cells
      .filter((c) => c.concurrency === concurrency && c.contender.kind !== 'floor')
      .map((c) => `${c.contender.label} ${fmtMicros(totalCpu(c))}${pgPrepared && c !== pgPrepared ? ` (${(totalCpu(c) / totalCpu(pgPrepared)).toFixed(1)}× pg prepared)` : ''}`);
    out.push(`    @${concurrency}: ${line.join('; ')}`);
  }

  out.push('', '  Throughput targets (docs/architecture.md#performance-budget):');
  for (const cell of cells.filter((c) => c.contender.kind === 'worker')) {
    const same = sameModeRatio(cells, cell);
    if (same !== undefined) {
      out.push(`    ${cell.contender.label} @${cell.concurrency}: ${fmtRatio(same)} of pg same mode [target ≥ ${TARGET_SAME_MODE.toFixed(1)}×: ${verdict(same >= TARGET_SAME_MODE)}]`);
    }
    const def = defaultRatio(cells, cell);
    if (def !== undefined) {
      out.push(`    ${cell.contender.label} @${cell.concurrency}: ${fmtRatio(def)} of pg default [target ≥ ${TARGET_DEFAULT.toFixed(1)}×: ${verdict(def >= TARGET_DEFAULT)}]`);
    }
  }
  out.push('', '  Telemetry overhead (the OpenTelemetry SDK registered vs not, same worker and statement mode):');
  for (const cell of cells.filter((c) => c.contender.plainTwin !== undefined)) {
    const plain = cells.find((c) => c.concurrency === cell.concurrency && c.contender.label === cell.contender.plainTwin);
    if (!plain) continue;
    const overhead = 1 - cell.result.throughput / plain.result.throughput;
    const target = cell.concurrency === 64 ? `  [target ≤ 5 % at 64 in flight: ${verdict(overhead <= 0.05)}]` : '';
    out.push(`    @${cell.concurrency}: ${fmtRate(cell.result.throughput)} vs ${fmtRate(plain.result.throughput)} req/s, ${(overhead * 100).toFixed(1)} % fewer; p50 ${fmtMs(cell.result.p50Ms)} vs ${fmtMs(plain.result.p50Ms)} ms${target}`);
    if (cell.concurrency === 64 && floor?.sdkOwnMicros !== undefined) {
      // At 64 in flight every core is busy (host, worker, server): a lookup costs the machine cores ÷ throughput.
      const machine = (rate: number): number => (floor.cores * 1e6) / rate;
      const sdkShare = (floor.sdkOwnMicros / machine(plain.result.throughput)) * 100;
      out.push(
        `      the SDK's own work, in process without the plugin (span + event + 2 histogram points): ${fmtMicros(floor.sdkOwnMicros)} µs per call, ` +
          `${sdkShare.toFixed(1)} % of the machine's ${fmtMicros(machine(plain.result.throughput))} µs per lookup (${floor.cores} cores ÷ ${fmtRate(plain.result.throughput)} req/s); ` +
          `host + worker CPU grew ${fmtMicros(totalCpu(cell) - totalCpu(plain))} µs per call, the machine's time per lookup ${fmtMicros(machine(cell.result.throughput) - machine(plain.result.throughput))} µs`,
      );
    }
  }
  return out.join('\n');
}
