import crypto from 'node:crypto';
import pg from 'pg';

/** Connection facts of a database made for one suite. */
export interface TestDatabase {
  name: string;
  url: string;
  /** A flat plugin config for this database. */
  config: { host: string; port: number; database: string; user: string; password: string };
  /** A plain pg pool on the database, for checking from another connection. */
  admin: pg.Pool;
  drop(): Promise<void>;
}

/** The shared server of this run (set by the global setup). */
export function serverUrl(): string {
  const url = process.env.PG_TEST_SERVER_URL;
  if (!url) throw new Error('PG_TEST_SERVER_URL is not set: run the tests through jest (global setup starts the server)');
  return url;
}

/** Creates a fresh database for one suite on the shared server; `drop()` removes it and its sessions. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const server = new URL(serverUrl());
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${crypto.randomBytes(4).toString('hex')}`;
  const root = new pg.Client({ connectionString: server.toString() });
  await root.connect();
  try {
    await root.query(`CREATE DATABASE "${name}"`);
  } finally {
    await root.end();
  }
  const url = new URL(server.toString());
  url.pathname = `/${name}`;
  const admin = new pg.Pool({ connectionString: url.toString(), max: 3 });
  admin.on('error', () => undefined);
  return {
    name,
    url: url.toString(),
    config: {
      host: url.hostname,
      port: Number(url.port || 5432),
      database: name,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    },
    admin,
    async drop() {
      await admin.end();
      const c = new pg.Client({ connectionString: server.toString() });
      await c.connect();
      try {
        await dropDatabase(c, name);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Drops `name` and ends its sessions. `WITH (FORCE)` is PostgreSQL 13+; on 12
 * the database first refuses new connections, then its sessions are ended
 * (DROP DATABASE waits up to 5 s for them to go).
 */
async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  if (Number(rows[0].server_version_num) >= 130000) {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return;
  }
  await client.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
  await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  await client.query(`DROP DATABASE IF EXISTS "${name}"`);
}
