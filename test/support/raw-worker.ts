import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { framed } from './frames';

export const WORKER_MAIN = path.join(__dirname, '..', '..', 'dist', 'worker', 'main.js');

export interface RpcResponse {
  jsonrpc: '2.0';
  id: number | string | null;
  result?: any;
  error?: { code: number; message: string; data?: any };
}

/**
 * The built worker driven through raw bytes: no host code in between. Parses
 * stdout strictly: any byte that is not part of a Content-Length frame fails.
 */
export class RawWorker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly messages: any[] = [];
  stderr = '';
  stdoutBytes = 0;
  /** Set when stdout carried a byte outside a frame. */
  protocolViolation: string | undefined;
  private pending = Buffer.alloc(0);
  private waiters: { match: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: NodeJS.ProcessEnv = {}, args: string[] = [], main: string = WORKER_MAIN) {
    this.child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Writes raw bytes or a framed message. */
  sendRaw(bytes: string | Buffer): void {
    this.child.stdin.write(bytes);
  }

  send(message: unknown): void {
    const json = typeof message === 'string' ? message : JSON.stringify(message);
    this.sendRaw(framed(json));
  }

  /** Sends a request and waits for the response with its id. */
  async request(id: number, method: string, params?: unknown): Promise<RpcResponse> {
    const response = this.waitFor((m) => m.id === id && !('method' in m));
    this.send({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) });
    return response;
  }

  waitFor(match: (m: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; stderr: ${this.stderr.slice(-2000)}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  async initialize(extra: Record<string, unknown> = {}): Promise<RpcResponse> {
    return this.request(0, 'initialize', { protocolVersion: 1, ...extra });
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.end();
      await this.exited;
    }
  }

  private onStdout(chunk: Buffer): void {
    try {
      this.readFrames(chunk);
    } catch (error) {
      this.protocolViolation ??= (error as Error).message;
    }
  }

  /** Everything the worker wrote on stdout, as text. */
  stdout = '';

  private readFrames(chunk: Buffer): void {
    this.stdoutBytes += chunk.length;
    this.stdout += chunk.toString('utf8');
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const headerEnd = this.pending.indexOf('\r\n\r\n');
      if (headerEnd === -1) {
        this.assertPrefix();
        return;
      }
      const header = this.pending.subarray(0, headerEnd).toString('latin1');
      const match = /^Content-Length: (\d+)$/.exec(header);
      if (!match) throw new Error(`stdout carried bytes outside a frame: ${JSON.stringify(header.slice(0, 200))}`);
      const length = Number(match[1]);
      const start = headerEnd + 4;
      if (this.pending.length < start + length) return;
      const message = JSON.parse(this.pending.subarray(start, start + length).toString('utf8'));
      this.pending = this.pending.subarray(start + length);
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => (w.match(message) ? (w.resolve(message), false) : true));
    }
  }

  /** Whatever is buffered must be the start of a frame header. */
  private assertPrefix(): void {
    const text = this.pending.toString('latin1');
    const expected = 'Content-Length: ';
    const prefix = text.slice(0, expected.length);
    if (!expected.startsWith(prefix)) throw new Error(`stdout carried bytes outside a frame: ${JSON.stringify(text.slice(0, 200))}`);
  }
}
