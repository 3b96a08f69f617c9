/**
 * The results suite's first part: a 1000-row select at 1 and 4 in flight,
 * in-process `pg.Pool` against the worker through `PluginManager`, the two
 * taking turns round by round on the same server. Every answer is checked
 * (the full window, ids in order).
 */
import pg from 'pg';
import type { PluginManager } from '../../host/plugin-manager';
import type { QueryResult } from '../../shared/results';
import { connectionOf, type BenchServer } from './bench-server';
import { measureInTurns, type LoadResult, type Operation } from './load-loop';
import { checkWindow, randomWindowStart, WINDOW_ROWS, WINDOW_SQL } from './results-fixture';
import type { BenchSettings } from './suite';

const CONCURRENCIES = [1, 4] as const;
const POOL_MAX = 10;

export interface WideCell {
  label: string;
  kind: 'pg' | 'worker';
  concurrency: number;
  result: LoadResult;
}

const idOf = (row: unknown): unknown => (row as { id?: unknown }).id;

export async function measureWideSelect(plugins: PluginManager, server: BenchServer, settings: BenchSettings): Promise<WideCell[]> {
  const pool = new pg.Pool({ ...connectionOf(server), max: POOL_MAX });
  pool.on('error', () => undefined);
  const config = { ...connectionOf(server), max: POOL_MAX };
  const contenders: { label: string; kind: 'pg' | 'worker'; operation: Operation }[] = [
    {
      label: 'pg (in process)',
      kind: 'pg',
      operation: async () => {
        const start = randomWindowStart();
        const result = await pool.query(WINDOW_SQL, [start]);
        checkWindow(result.rows, start, idOf);
      },
    },
    {
      label: 'worker (PluginManager)',
      kind: 'worker',
      operation: async () => {
        const start = randomWindowStart();
        const res = await plugins.executePlugin<QueryResult>('postgres-plugin', 'bench:wide', config, 'query', { sql: WINDOW_SQL, params: [start] });
        if (!res.success) throw new Error(`${res.error.code}: ${res.error.message}`);
        checkWindow(res.data.rows, start, idOf);
      },
    },
  ];
  const cells: WideCell[] = [];
  try {
    for (const concurrency of CONCURRENCIES) {
      for (const { contender: c, result } of await measureInTurns(contenders, concurrency, settings)) {
        cells.push({ label: c.label, kind: c.kind, concurrency, result });
        console.log(`  measured ${c.label} @${concurrency}: ${Math.round(result.throughput * WINDOW_ROWS)} rows/s${result.failures ? `, ${result.failures} FAILED` : ''}`);
        for (const sample of result.failureSamples) console.log(`    failure: ${sample}`);
      }
    }
  } finally {
    await pool.end();
  }
  return cells;
}
