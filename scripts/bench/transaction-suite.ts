/**
 * Suite `transaction`: what learning transaction ids costs (the host's
 * `commitOutcome`, on by default: the worker runs `txid_current()` in the
 * BEGIN round trip and reports it before COMMIT). The same 3-statement
 * `transaction` call (two UPDATEs and an INSERT) with the call's own
 * `commitOutcome` on and off, through one manager (one worker, one pool, the
 * same server sessions: nothing differs but the id). At 1 in flight the two
 * take turns call by call and their p50s are compared; at 16 they take turns
 * in rounds and their throughputs are compared. Budget: within 5 %.
 */
import pg from 'pg';
import pino from 'pino';
import { PluginManager } from '../../host/plugin-manager';
import { connectionOf, type BenchServer } from './bench-server';
import { CellMeasure, measureInterleaved, type LoadResult, type Operation } from './load-loop';
import { cpuMicros, machineCpuMicros } from './process-cpu';
import type { BenchSettings, Suite } from './suite';

const ACCOUNTS = 10_000;
const MANY_IN_FLIGHT = 16;
const BUDGET = 0.05;
const DATABASE = 'bench_transactions';

/**
 * The suite's own database, whose sessions don't wait for the commit's WAL flush
 * (`synchronous_commit = off`): on this VM the flush's latency swings throughput by
 * ±20 % between half-second rounds, it is the same for both sides, and without it
 * the id's cost is a larger share of a call, so the budget is checked in the
 * harder setting. Returns the connection to it.
 */
async function createFixture(server: BenchServer): Promise<ReturnType<typeof connectionOf>> {
  const admin = new pg.Client(connectionOf(server));
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.query(`ALTER DATABASE ${DATABASE} SET synchronous_commit = off`);
  } finally {
    await admin.end();
  }
  const connection = { ...connectionOf(server), database: DATABASE };
  const client = new pg.Client(connection);
  await client.connect();
  try {
    await client.query('CREATE TABLE bench_accounts (id int PRIMARY KEY, balance bigint NOT NULL)');
    await client.query('CREATE TABLE bench_transfers (id bigserial PRIMARY KEY, src int NOT NULL, dst int NOT NULL, at timestamptz NOT NULL DEFAULT now())');
    await client.query('INSERT INTO bench_accounts SELECT i, 1000000 FROM generate_series(1, $1::int) i', [ACCOUNTS]);
    await client.query('ANALYZE bench_accounts');
  } finally {
    await client.end();
  }
  return connection;
}

/** One transfer: the lower id is updated first, so concurrent transfers never deadlock. */
function transfer(plugins: PluginManager, config: Record<string, unknown>, commitOutcome: boolean, counted: () => void = () => undefined): Operation {
  return async () => {
    counted();
    const a = 1 + Math.floor(Math.random() * ACCOUNTS);
    const b = 1 + ((a + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS);
    const [low, high] = a < b ? [a, b] : [b, a];
    const r = await plugins.executePlugin('postgres-plugin', 'bench:transfers', config, 'transaction', {
      operations: [
        { sql: 'UPDATE bench_accounts SET balance = balance - 1 WHERE id = $1', params: [low] },
        { sql: 'UPDATE bench_accounts SET balance = balance + 1 WHERE id = $1', params: [high] },
        { sql: 'INSERT INTO bench_transfers (src, dst) VALUES ($1, $2)', params: [low, high] },
      ],
    }, { commitOutcome });
    if (!r.success) throw new Error(`${r.error.code}: ${r.error.message}`);
  };
}

const fmt = (n: number, digits = 3): string => n.toFixed(digits);

interface Report {
  rows: string[][];
  verdicts: string[];
  failures: number;
}

function addRows(report: Report, concurrency: number, off: LoadResult, on: LoadResult): void {
  report.failures += on.failures + off.failures;
  for (const [label, r] of [['ids off', off], ['ids on', on]] as const) {
    report.rows.push([label, String(concurrency), Math.round(r.throughput).toString(), fmt(r.p50Ms), fmt(r.p99Ms)]);
  }
  for (const sample of new Set([...off.failureSamples, ...on.failureSamples])) console.log(`    failure @${concurrency}: ${sample}`);
}

/** How much on/off moves between rounds (the first round of each, still warming, left out), and what that leaves of the ratio's precision. */
function pairedSpread(on: readonly number[], off: readonly number[]): { pairs: number; deviation: number; standardError: number } {
  const ratios = on.slice(1).map((calls, i) => calls / off[i + 1]!);
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const deviation = Math.sqrt(ratios.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, ratios.length - 1));
  return { pairs: ratios.length, deviation, standardError: deviation / Math.sqrt(ratios.length) };
}

/** 1 in flight: the two take turns call by call (latency differences of a few percent drown in the VM's drift between rounds). */
async function oneInFlight(plugins: PluginManager, config: Record<string, unknown>, settings: BenchSettings, report: Report): Promise<void> {
  const [off, on] = await measureInterleaved([transfer(plugins, config, false), transfer(plugins, config, true)], settings.warmupSeconds * 1000, settings.seconds * 1000);
  addRows(report, 1, off!, on!);
  const ratio = on!.p50Ms / off!.p50Ms;
  report.verdicts.push(`p50 at 1 in flight (calls interleaved on, off, on, …): on ${fmt(on!.p50Ms)} ms / off ${fmt(off!.p50Ms)} ms = ${fmt(ratio)}× (+${fmt(on!.p50Ms - off!.p50Ms)} ms) — ${ratio <= 1 + BUDGET ? 'within' : 'OVER'} the 5 % budget`);
}

/** Throughput at `concurrency` in flight: the two take turns round by round, with the CPU per call of host, worker and whole machine. */
async function inRounds(plugins: PluginManager, config: Record<string, unknown>, concurrency: number, settings: BenchSettings, report: Report): Promise<void> {
  const calls = { on: 0, off: 0 };
  const measures = {
    on: new CellMeasure(transfer(plugins, config, true, () => calls.on++), concurrency),
    off: new CellMeasure(transfer(plugins, config, false, () => calls.off++), concurrency),
  };
  // CPU per call, which scheduling noise moves less than latency (measured rounds and warm-ups alike).
  const cpu = { on: { host: 0, worker: 0, machine: 0, calls: 0 }, off: { host: 0, worker: 0, machine: 0, calls: 0 } };
  const perRound = { on: [] as number[], off: [] as number[] };
  for (let round = 0; round < settings.rounds; round++) {
    // Alternate who goes first, so neither always runs on the warmer server.
    const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
    for (const side of order) {
      const worker = plugins.workerPid();
      const before = { host: cpuMicros(), worker: worker === undefined ? 0 : cpuMicros(worker), machine: machineCpuMicros(), calls: calls[side] };
      await measures[side].round((settings.warmupSeconds * 1000) / settings.rounds, (settings.seconds * 1000) / settings.rounds);
      cpu[side].host += cpuMicros() - before.host;
      if (worker !== undefined) cpu[side].worker += cpuMicros(worker) - before.worker;
      cpu[side].machine += machineCpuMicros() - before.machine;
      cpu[side].calls += calls[side] - before.calls;
      perRound[side].push(calls[side] - before.calls);
    }
  }
  for (const side of ['off', 'on'] as const) {
    const c = cpu[side];
    report.verdicts.push(`CPU per call @${concurrency}, ids ${side}: host ${Math.round(c.host / c.calls)} µs, worker ${Math.round(c.worker / c.calls)} µs, whole machine (the server's backends included) ${Math.round(c.machine / c.calls)} µs`);
  }
  const on = measures.on.result();
  const off = measures.off.result();
  addRows(report, concurrency, off, on);
  const ratio = on.throughput / off.throughput;
  const spread = pairedSpread(perRound.on, perRound.off);
  report.verdicts.push(`throughput at ${concurrency} in flight (rounds taking turns): on ${Math.round(on.throughput)}/s / off ${Math.round(off.throughput)}/s = ${fmt(ratio)}× — ${ratio >= 1 - BUDGET ? 'within' : 'OVER'} the 5 % budget`);
  report.verdicts.push(`  its precision: round by round, on/off varies by ±${fmt(spread.deviation * 100, 1)} % (standard deviation over ${spread.pairs} rounds), so the ratio is known to ±${fmt(spread.standardError * 100, 1)} % (standard error)`);
}

export const transactionSuite: Suite = async ({ server, settings }) => {
  console.log('\n== Suite transaction: a 3-statement transaction call, transaction ids learned (commitOutcome) on vs off ==');
  const config = { ...(await createFixture(server)), max: 16 };
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const plugins = new PluginManager({ logger });
  const report: Report = { rows: [], verdicts: [], failures: 0 };
  try {
    // The worker up before anything is measured (its CPU is read from /proc).
    await transfer(plugins, config, true)();
    await oneInFlight(plugins, config, settings, report);
    await inRounds(plugins, config, MANY_IN_FLIGHT, settings, report);
  } finally {
    await plugins.shutdown();
  }
  const header = ['transaction ids', 'in flight', 'calls/s', 'p50 ms', 'p99 ms'];
  const { rows } = report;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => '  ' + r.map((t, i) => (i === 0 ? t.padEnd(widths[i]!) : t.padStart(widths[i]!))).join('  ');
  console.log('');
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  console.log('  (1 in flight: calls/s is calls over the time spent in them)');
  for (const v of report.verdicts) console.log(`  ${v}`);
  return report.failures;
};
