/**
 * Suite `batch`: 100,000 rows (int, text, numeric, timestamptz, jsonb) through
 * `PluginManager.batchInsert` vs `COPY FROM STDIN` in process, on the same
 * server, plus the latency of `ping` requests from a second instance every
 * 5 ms during each batch, with the worker's piscina encoding on and off.
 *
 * This VM's timings drift by ±30 % over a minute, so the contenders take
 * turns: each round runs COPY, then piscina on, then off, after one
 * unmeasured round; the report shows each one's median time, the ratio of
 * medians, and ping percentiles over all measured rounds together.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import pino from 'pino';
import { BUNDLED_WORKER, PluginManager } from '../../host/plugin-manager';
import { connectionOf } from './bench-server';
import { percentile } from './latency-stats';
import type { Suite } from './suite';

const ROWS = 100_000;
const PING_EVERY_MS = 5;
/** Measured rounds (env BENCH_BATCH_ROUNDS). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_BATCH_ROUNDS ?? 5));

function records(): Record<string, unknown>[] {
  const base = Date.UTC(2024, 0, 1);
  return Array.from({ length: ROWS }, (_, i) => ({
    id: i + 1,
    label: `item-${i} "quoted" \\ back`,
    amount: ((i * 37) % 100_000) / 100,
    at: new Date(base + i * 1000).toISOString(),
    doc: { i, tags: ['a', 'b'], nested: { ok: i % 2 === 0 } },
  }));
}

/** COPY text format: tab-separated, `\\` escaped. */
function copyLine(r: Record<string, unknown>): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  return `${r.id}\t${esc(String(r.label))}\t${r.amount}\t${r.at}\t${esc(JSON.stringify(r.doc))}\n`;
}

interface Contender {
  method: string;
  times: number[];
  pings: number[];
  plugins?: PluginManager;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const batchSuite: Suite = async ({ server }) => {
  const config = connectionOf(server);
  const pool = new pg.Pool({ ...config, max: 2 });
  pool.on('error', () => undefined);
  let failures = 0;
  const data = records();
  const copy: Contender = { method: 'COPY FROM STDIN (in-process pg)', times: [], pings: [] };
  const workers: Contender[] = [true, false].map((piscina) => ({
    method: `batchInsert via PluginManager, piscina ${piscina ? 'on' : 'off'}`,
    times: [],
    pings: [],
    plugins: new PluginManager({
      logger: pino({ level: 'warn' }),
      plugins: {
        'postgres-plugin': { command: process.execPath, args: [BUNDLED_WORKER], env: { ...process.env, POSTGRES_PLUGIN_PISCINA: piscina ? '1' : '0' } },
      },
    }),
  }));

  const runCopy = async (): Promise<number> => {
    const client = await pool.connect();
    const started = process.hrtime.bigint();
    try {
      // Lines joined into ~1,000-row blocks: few large writes, as a tuned loader would send them.
      const blocks: string[] = [];
      for (let i = 0; i < data.length; i += 1000) blocks.push(data.slice(i, i + 1000).map(copyLine).join(''));
      await pipeline(Readable.from(blocks), client.query(copyFrom('COPY bench_batch FROM STDIN')));
    } finally {
      client.release();
    }
    return Number(process.hrtime.bigint() - started) / 1e6;
  };

  const runBatch = async (plugins: PluginManager, pings: number[]): Promise<number> => {
    let running = true;
    const pinger = (async () => {
      while (running) {
        const t = process.hrtime.bigint();
        const r = await plugins.executePlugin('postgres-plugin', 'bench:ping', undefined, 'ping', {});
        if (!r.success || r.data !== true) failures++;
        pings.push(Number(process.hrtime.bigint() - t) / 1e6);
        await new Promise((resolve) => setTimeout(resolve, PING_EVERY_MS));
      }
    })();
    const started = process.hrtime.bigint();
    const res = await plugins.executePlugin<{ inserted: number }>('postgres-plugin', 'bench:batch', undefined, 'batchInsert', { table: 'bench_batch', records: data, timeout: 120_000 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    running = false;
    await pinger;
    if (!res.success) {
      failures++;
      console.log(`  batchInsert FAILED: ${res.error.code} ${res.error.message}`);
    } else if (res.data.inserted !== ROWS) {
      failures++;
      console.log(`  batchInsert inserted ${res.data.inserted}, expected ${ROWS}`);
    }
    return ms;
  };

  try {
    await pool.query('DROP TABLE IF EXISTS bench_batch');
    await pool.query('CREATE TABLE bench_batch (id int PRIMARY KEY, label text, amount numeric(12,2), at timestamptz, doc jsonb)');
    console.log(`\n== Suite batch: ${ROWS.toLocaleString('en-US')} rows (int, text, numeric, timestamptz, jsonb), ${ROUNDS} rounds ==`);
    for (const w of workers) {
      await w.plugins!.executePlugin('postgres-plugin', 'bench:ping', config, 'ping', {});
      await w.plugins!.executePlugin('postgres-plugin', 'bench:batch', config, 'ping', {});
    }
    for (let round = 0; round <= ROUNDS; round++) {
      const measured = round > 0;
      await pool.query('TRUNCATE bench_batch');
      const copyMs = await runCopy();
      if (measured) copy.times.push(copyMs);
      for (const w of workers) {
        await pool.query('TRUNCATE bench_batch');
        const pings: number[] = [];
        const ms = await runBatch(w.plugins!, pings);
        if (measured) {
          w.times.push(ms);
          w.pings.push(...pings);
        }
      }
    }
  } finally {
    for (const w of workers) await w.plugins!.shutdown();
    await pool.query('DROP TABLE IF EXISTS bench_batch').catch(() => undefined);
    await pool.end();
  }

  const copyMs = median(copy.times);
  console.log(`  (median of ${ROUNDS} interleaved rounds after one warm-up; ping = a second instance's ping every ${PING_EVERY_MS} ms during the batch, all rounds pooled)\n`);
  console.log('  method                                     median ms   min ms   max ms     rows/s   vs COPY time   ping p50 ms   ping p99 ms   pings');
  for (const c of [copy, ...workers]) {
    const ms = median(c.times);
    const sorted = Float64Array.from(c.pings).sort();
    const ping = (p: number) => (c.pings.length === 0 ? '' : percentile(sorted, p).toFixed(2));
    console.log(
      `  ${c.method.padEnd(42)} ${ms.toFixed(0).padStart(9)} ${Math.min(...c.times).toFixed(0).padStart(8)} ${Math.max(...c.times).toFixed(0).padStart(8)} ${Math.round(ROWS / (ms / 1000)).toLocaleString('en-US').padStart(10)} ${((ms / copyMs).toFixed(2) + '×').padStart(14)} ${ping(50).padStart(13)} ${ping(99).padStart(13)} ${String(c.pings.length || '').padStart(7)}`,
    );
  }
  console.log('\n  targets (docs/architecture.md#performance-budget, issue): batchInsert ≤ 1.5× COPY time; with piscina on, ping p99 < 50 ms and better than off.');
  return failures;
};
