/**
 * The floors of the lookup suite, measured in the same run as pg and the
 * worker: a raw pipe ping-pong with a child that echoes bytes (what any
 * process hop costs: two writes, two wake-ups) and a vscode-jsonrpc echo
 * over a child's stdio (a JSON-RPC hop: framing and JSON both ways, no
 * database). The plugin's added latency is read against them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { BENCH_ROWS } from './bench-server';
import type { Contender } from './contender';
import { LOOKUP_SQL } from './lookup-sql';

const ECHO_CHILD = path.join(__dirname, 'echo-child.js');

function echoChild(mode: 'raw' | 'jsonrpc'): ChildProcess & { stdin: NonNullable<ChildProcess['stdin']>; stdout: NonNullable<ChildProcess['stdout']> } {
  const child = spawn(process.execPath, [ECHO_CHILD, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  return child as ReturnType<typeof echoChild>;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.stdin?.end();
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  });
}

/** Raw pipe ping-pong: a request-sized message out, the same bytes back; one at a time. */
export function rawPipeFloor(): Contender {
  const child = echoChild('raw');
  const message = Buffer.from(JSON.stringify({ sql: LOOKUP_SQL, params: [BENCH_ROWS] }) + '\n');
  let waiting: { resolve: () => void; received: number } | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    if (!waiting) return;
    waiting.received += chunk.length;
    if (waiting.received < message.length) return;
    const done = waiting;
    waiting = undefined;
    done.resolve();
  });
  return {
    label: 'floor: raw pipe ping-pong',
    kind: 'floor',
    mode: 'prepared',
    isDefault: false,
    concurrencies: [1],
    operation: () =>
      new Promise<void>((resolve) => {
        waiting = { resolve, received: 0 };
        child.stdin.write(message);
      }),
    childPid: () => child.pid,
    close: () => stop(child),
  };
}

/** vscode-jsonrpc request/answer with the lookup's params, echoed by the child. */
export function jsonRpcEchoFloor(): Contender {
  const child = echoChild('jsonrpc');
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  return {
    label: 'floor: JSON-RPC echo',
    kind: 'floor',
    mode: 'prepared',
    isDefault: false,
    operation: async () => {
      const id = 1 + Math.floor(Math.random() * BENCH_ROWS);
      const answer = await connection.sendRequest<{ params: number[] }>('echo', { sql: LOOKUP_SQL, params: [id] });
      if (answer.params[0] !== id) throw new Error(`echo answered ${JSON.stringify(answer)}`);
    },
    childPid: () => child.pid,
    close: async () => {
      connection.dispose();
      await stop(child);
    },
  };
}
