/**
 * The benchmark's database: a throwaway embedded PostgreSQL (from
 * `scripts/support/embedded-postgres-server.mjs`) and the `bench_users`
 * fixture the suites query.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

/** The part of `embedded-postgres-server.mjs`'s result the bench uses (the module is untyped ESM). */
export interface BenchServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresModule {
  startEmbeddedPostgres(options?: Record<string, unknown>): Promise<BenchServer>;
}

/** Rows in `bench_users`; lookups draw ids uniformly from 1..BENCH_ROWS. */
export const BENCH_ROWS = 10_000;

/** Connection facts as a flat `pg` / plugin config. */
export function connectionOf(server: BenchServer): { host: string; port: number; database: string; user: string; password: string } {
  return { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password };
}

// tsc does not copy the .mjs into dist/: from dist/scripts/bench/ it lives in the
// source tree (../../../scripts/support); the first candidate covers running from source.
function serverModulePath(): string {
  const candidates = [
    path.join(__dirname, '..', 'support', 'embedded-postgres-server.mjs'),
    path.join(__dirname, '..', '..', '..', 'scripts', 'support', 'embedded-postgres-server.mjs'),
  ];
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`embedded-postgres-server.mjs not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Starts a fresh cluster on a free port (deleted again by `stop()`). */
export async function startBenchServer(): Promise<BenchServer> {
  // A real dynamic import (module node16 keeps it in the CJS output): the helper is ESM-only.
  const { startEmbeddedPostgres } = (await import(pathToFileURL(serverModulePath()).href)) as EmbeddedPostgresModule;
  return startEmbeddedPostgres();
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
