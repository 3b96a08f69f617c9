/**
 * Suite `transaction`: what learning transaction ids costs (the host's
 * `commitOutcome`, on by default: the worker runs `txid_current()` in the
 * BEGIN round trip and reports it before COMMIT). The same 3-statement
 * `transaction` call (two UPDATEs and an INSERT) with the call's own
 * `commitOutcome` on and off, through one manager (one worker, one pool, the
 * same server sessions: nothing differs but the id), at 1 and 16 in flight,
 * the two taking turns in rounds. Budget: within 5 % (p50 at 1 in flight,
 * throughput at 16).
 */
import pg from 'pg';
import pino from 'pino';
import { PluginManager } from '../../host/plugin-manager';
import { connectionOf, type BenchServer } from './bench-server';
import { CellMeasure, type Operation } from './load-loop';
import { cpuMicros } from './process-cpu';
import type { Suite } from './suite';

const ACCOUNTS = 10_000;
const CONCURRENCIES = [1, 16] as const;
const BUDGET = 0.05;

async function createFixture(server: BenchServer): Promise<void> {
  const client = new pg.Client(connectionOf(server));
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_accounts, bench_transfers');
    await client.query('CREATE TABLE bench_accounts (id int PRIMARY KEY, balance bigint NOT NULL)');
    await client.query('CREATE TABLE bench_transfers (id bigserial PRIMARY KEY, src int NOT NULL, dst int NOT NULL, at timestamptz NOT NULL DEFAULT now())');
    await client.query('INSERT INTO bench_accounts SELECT i, 1000000 FROM generate_series(1, $1::int) i', [ACCOUNTS]);
    await client.query('ANALYZE bench_accounts');
  } finally {
    await client.end();
  }
}

/** One transfer: the lower id is updated first, so concurrent transfers never deadlock. */
function transfer(plugins: PluginManager, config: Record<string, unknown>, commitOutcome: boolean, counted: () => void): Operation {
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

export const transactionSuite: Suite = async ({ server, settings }) => {
  console.log('\n== Suite transaction: a 3-statement transaction call, transaction ids learned (commitOutcome) on vs off ==');
  await createFixture(server);
  const config = { ...connectionOf(server), max: 16 };
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const plugins = new PluginManager({ logger });
  let failures = 0;
  const calls = { on: 0, off: 0 };
  const rows: string[][] = [];
  const verdicts: string[] = [];
  try {
    // The worker up before anything is measured (its CPU is read from /proc).
    await transfer(plugins, config, true, () => undefined)();
    for (const concurrency of CONCURRENCIES) {
      const measures = {
        on: new CellMeasure(transfer(plugins, config, true, () => calls.on++), concurrency),
        off: new CellMeasure(transfer(plugins, config, false, () => calls.off++), concurrency),
      };
      // Host and worker CPU per call, which scheduling noise moves less than latency (measured rounds and warm-ups alike).
      const cpu = { on: { host: 0, worker: 0, calls: 0 }, off: { host: 0, worker: 0, calls: 0 } };
      for (let round = 0; round < settings.rounds; round++) {
        // Alternate who goes first, so neither always runs on the warmer server.
        const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
        for (const side of order) {
          const worker = plugins.workerPid();
          const before = { host: cpuMicros(), worker: worker === undefined ? 0 : cpuMicros(worker), calls: calls[side] };
          await measures[side].round((settings.warmupSeconds * 1000) / settings.rounds, (settings.seconds * 1000) / settings.rounds);
          cpu[side].host += cpuMicros() - before.host;
          if (worker !== undefined) cpu[side].worker += cpuMicros(worker) - before.worker;
          cpu[side].calls += calls[side] - before.calls;
        }
      }
      for (const side of ['off', 'on'] as const) {
        const c = cpu[side];
        verdicts.push(`CPU per call @${concurrency}, ids ${side}: host ${Math.round(c.host / c.calls)} µs, worker ${Math.round(c.worker / c.calls)} µs`);
      }
      const on = measures.on.result();
      const off = measures.off.result();
      failures += on.failures + off.failures;
      for (const [label, r] of [['ids off', off], ['ids on', on]] as const) {
        rows.push([label, String(concurrency), Math.round(r.throughput).toString(), fmt(r.p50Ms), fmt(r.p99Ms)]);
        for (const sample of r.failureSamples) console.log(`    failure (${label} @${concurrency}): ${sample}`);
      }
      if (concurrency === 1) {
        const ratio = on.p50Ms / off.p50Ms;
        verdicts.push(`p50 at 1 in flight: on ${fmt(on.p50Ms)} ms / off ${fmt(off.p50Ms)} ms = ${fmt(ratio, 3)}× (${fmt(on.p50Ms - off.p50Ms)} ms) — ${ratio <= 1 + BUDGET ? 'within' : 'OVER'} the 5 % budget`);
      } else {
        const ratio = on.throughput / off.throughput;
        verdicts.push(`throughput at ${concurrency} in flight: on ${Math.round(on.throughput)}/s / off ${Math.round(off.throughput)}/s = ${fmt(ratio, 3)}× — ${ratio >= 1 - BUDGET ? 'within' : 'OVER'} the 5 % budget`);
      }
    }
  } finally {
    await plugins.shutdown();
  }
  const header = ['transaction ids', 'in flight', 'calls/s', 'p50 ms', 'p99 ms'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => '  ' + r.map((t, i) => (i === 0 ? t.padEnd(widths[i]!) : t.padStart(widths[i]!))).join('  ');
  console.log('');
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  for (const v of verdicts) console.log(`  ${v}`);
  return failures;
};
