import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePortSync } from './free-port';

/** A PgBouncer a suite started in front of a PostgreSQL server. */
export interface PgBouncer {
  host: string;
  port: number;
  /** PgBouncer's own log (stderr), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** The `[pgbouncer]` settings a suite chooses; the rest are PgBouncer's defaults. */
export interface PgBouncerOptions {
  poolMode: 'session' | 'transaction' | 'statement';
  /** `default_pool_size`: server connections per database and user. */
  poolSize: number;
  /** More `key = value` lines for `[pgbouncer]`, e.g. `ignore_startup_parameters = …`. */
  settings?: string[];
}

/** Where the PgBouncer binary is: `PGBOUNCER`, else `pgbouncer` on PATH or in /usr/sbin (Debian's package). */
function pgbouncerBinary(): string {
  if (process.env.PGBOUNCER) return process.env.PGBOUNCER;
  const onPath = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  if (fs.existsSync('/usr/sbin/pgbouncer')) return '/usr/sbin/pgbouncer';
  throw new Error('PgBouncer is needed for this suite: install it (apt-get install pgbouncer, brew install pgbouncer) or set PGBOUNCER to its path');
}

/**
 * Starts PgBouncer in front of `server` (every database, scram-sha-256 for
 * `server.user` with `server.password`), with PgBouncer's defaults except what
 * `options` sets. As root it runs as the `postgres` OS user (PgBouncer refuses
 * root). Resolves once it listens.
 */
export async function startPgBouncer(server: { host: string; port: number; user: string; password: string }, options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = pgbouncerBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postgres-plugin-pgbouncer-'));
  const port = freePortSync();
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  fs.writeFileSync(path.join(dir, 'userlist.txt'), `${quote(server.user)} ${quote(server.password)}\n`, { mode: 0o600 });
  fs.writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.host} port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      `pool_mode = ${options.poolMode}`,
      `default_pool_size = ${options.poolSize}`,
      ...(options.settings ?? []),
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = postgresUser();
    for (const file of ['', 'userlist.txt', 'pgbouncer.ini']) fs.chownSync(path.join(dir, file), uid, gid);
  }
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PgBouncer did not start within 10 s:\n${log}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (/process up/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PgBouncer exited (${code}):\n${log}`));
    });
  });
  return {
    host: '127.0.0.1',
    port,
    log: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGINT');
      }),
  };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('running as root, PgBouncer needs a `postgres` OS user to run as');
  return { uid, gid: id('-g') };
}
