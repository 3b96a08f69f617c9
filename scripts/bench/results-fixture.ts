/**
 * The results suite's table: `bench_wide`, 100,000 rows of seven columns
 * (int, text, text, int, numeric, timestamptz, bool) — about 110 bytes a row as
 * JSON objects. A 1000-row window is `id BETWEEN $1 AND $1 + 999`.
 */
import pg from 'pg';
import { connectionOf, type BenchServer } from './bench-server';

export const WIDE_ROWS = 100_000;
export const WINDOW_ROWS = 1000;
export const WINDOW_SQL = 'SELECT id, name, email, score, balance, created_at, active FROM bench_wide WHERE id BETWEEN $1 AND $1 + 999';

/** A random window start such that the window holds WINDOW_ROWS rows. */
export function randomWindowStart(): number {
  return 1 + Math.floor(Math.random() * (WIDE_ROWS - WINDOW_ROWS + 1));
}

/** Throws unless `rows` is the full window starting at `start` (ids in order). */
export function checkWindow(rows: readonly unknown[], start: number, idOf: (row: unknown) => unknown): void {
  if (rows.length !== WINDOW_ROWS) throw new Error(`window at ${start} answered ${rows.length} rows`);
  const first = idOf(rows[0]);
  const last = idOf(rows[WINDOW_ROWS - 1]);
  if (first !== start || last !== start + WINDOW_ROWS - 1) throw new Error(`window at ${start} answered ids ${String(first)}…${String(last)}`);
}

export async function createWideFixture(server: BenchServer): Promise<void> {
  const client = new pg.Client(connectionOf(server));
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_wide');
    await client.query(
      `CREATE TABLE bench_wide (id int PRIMARY KEY, name text, email text, score int,
         balance numeric(12,2), created_at timestamptz, active bool)`,
    );
    await client.query(
      `INSERT INTO bench_wide
       SELECT i, 'user ' || i, 'user' || i || '@example.com', (i * 7919) % 1000,
              ((i * 37) % 100000) / 100.0, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second', i % 2 = 0
         FROM generate_series(1, $1::int) AS i`,
      [WIDE_ROWS],
    );
    await client.query('ANALYZE bench_wide');
  } finally {
    await client.end();
  }
}
