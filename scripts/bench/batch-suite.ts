/**
 * Suite `batch`: 100,000 rows (int, text, numeric, timestamptz, jsonb) through
 * `batchInsert` vs `COPY FROM STDIN` in process, on the same server, plus the
 * latency of `ping` requests from a second instance every 5 ms during each
 * batch, with the worker's piscina encoding on and off.
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

interface Row {
  method: string;
  ms: number;
  pingP50?: number;
  pingP99?: number;
  pings?: number;
}

export const batchSuite: Suite = async ({ server }) => {
  const config = connectionOf(server);
  const pool = new pg.Pool({ ...config, max: 2 });
  pool.on('error', () => undefined);
  let failures = 0;
  const rows: Row[] = [];
  const data = records();
  try {
    await pool.query('DROP TABLE IF EXISTS bench_batch');
    await pool.query('CREATE TABLE bench_batch (id int PRIMARY KEY, label text, amount numeric(12,2), at timestamptz, doc jsonb)');
    console.log(`\n== Suite batch: ${ROWS.toLocaleString('en-US')} rows (int, text, numeric, timestamptz, jsonb) ==`);

    for (let round = 0; round < 2; round++) {
      await pool.query('TRUNCATE bench_batch');
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
      if (round === 1) rows.push({ method: 'COPY FROM STDIN (in-process pg)', ms: Number(process.hrtime.bigint() - started) / 1e6 });
    }

    for (const piscina of [true, false]) {
      const plugins = new PluginManager({
        logger: pino({ level: 'warn' }),
        plugins: {
          'postgres-plugin': { command: process.execPath, args: [BUNDLED_WORKER], env: { ...process.env, POSTGRES_PLUGIN_PISCINA: piscina ? '1' : '0' } },
        },
      });
      try {
        await plugins.executePlugin('postgres-plugin', 'bench:ping', config, 'ping', {});
        await plugins.executePlugin('postgres-plugin', 'bench:batch', config, 'ping', {});
        for (let round = 0; round < 2; round++) {
          await pool.query('TRUNCATE bench_batch');
          const pings: number[] = [];
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
          const res = await plugins.executePlugin('postgres-plugin', 'bench:batch', undefined, 'batchInsert', { table: 'bench_batch', records: data, timeout: 120_000 });
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          running = false;
          await pinger;
          if (!res.success) {
            failures++;
            console.log(`  batchInsert FAILED: ${res.error.code} ${res.error.message}`);
          }
          const sorted = Float64Array.from(pings).sort();
          if (round === 1) {
            rows.push({ method: `batchInsert via PluginManager, piscina ${piscina ? 'on' : 'off'}`, ms, pingP50: percentile(sorted, 50), pingP99: percentile(sorted, 99), pings: pings.length });
          }
        }
      } finally {
        await plugins.shutdown();
      }
    }
  } finally {
    await pool.query('DROP TABLE IF EXISTS bench_batch').catch(() => undefined);
    await pool.end();
  }

  const copyMs = rows[0]!.ms;
  console.log(`  (second of two rounds each; ping = a second instance's ping every ${PING_EVERY_MS} ms during the batch)\n`);
  console.log('  method                                         ms     rows/s   vs COPY time   ping p50 ms   ping p99 ms   pings');
  for (const r of rows) {
    const ratio = (r.ms / copyMs).toFixed(2) + '×';
    const p50 = r.pingP50 === undefined ? '' : r.pingP50.toFixed(2);
    const p99 = r.pingP99 === undefined ? '' : r.pingP99.toFixed(2);
    console.log(
      `  ${r.method.padEnd(44)} ${r.ms.toFixed(0).padStart(6)} ${Math.round(ROWS / (r.ms / 1000)).toLocaleString('en-US').padStart(10)} ${ratio.padStart(14)} ${p50.padStart(13)} ${p99.padStart(13)} ${String(r.pings ?? '').padStart(7)}`,
    );
  }
  console.log('\n  targets (DESIGN §8, issue): batchInsert ≤ 1.5× COPY time; with piscina on, ping p99 < 50 ms and better than off.');
  return failures;
};
