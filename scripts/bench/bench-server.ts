/**
 * The benchmark's database: a throwaway embedded PostgreSQL (from
 * `scripts/support/embedded-postgres-server.mjs`) and the `bench_users`
 * fixture the suites query.
 */
import pg from 'pg';
import { startEmbeddedServer, type EmbeddedServer } from '../support/embedded-server';

/** The benchmark's server: a throwaway embedded PostgreSQL. */
export type BenchServer = EmbeddedServer;

/** Rows in `bench_users`; lookups draw ids uniformly from 1..BENCH_ROWS. */
export const BENCH_ROWS = 10_000;

/** Connection facts as a flat `pg` / plugin config. */
export function connectionOf(server: BenchServer): { host: string; port: number; database: string; user: string; password: string } {
  return { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password };
}

/** Starts a fresh cluster on a free port (deleted again by `stop()`). */
export function startBenchServer(): Promise<BenchServer> {
  return startEmbeddedServer();
}

/** Creates and fills `bench_users(id, name, email, score)` with BENCH_ROWS rows in one statement, then ANALYZE. */
export async function createLookupFixture(server: BenchServer): Promise<void> {
  const client = new pg.Client(connectionOf(server));
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_users');
    await client.query('CREATE TABLE bench_users (id int PRIMARY KEY, name text, email text, score int)');
    await client.query(
      `INSERT INTO bench_users (id, name, email, score)
       SELECT i, 'user ' || i, 'user' || i || '@example.com', (i * 7919) % 1000
         FROM generate_series(1, $1::int) AS i`,
      [BENCH_ROWS],
    );
    await client.query('ANALYZE bench_users');
  } finally {
    await client.end();
  }
}
