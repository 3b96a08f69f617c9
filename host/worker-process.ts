import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { createMessageConnection, ResponseError, type Message, type MessageConnection } from 'vscode-jsonrpc/node';
import type pino from 'pino';
import { Errors } from '../shared/errors';
import { PluginError } from '../shared/plugin-error';
import { Method, PROTOCOL_VERSION, type InitializeResult } from '../shared/protocol';
import type { Framing } from '../shared/transport/framing';
import { FramedMessageReader } from '../shared/transport/message-reader';
import { FramedMessageWriter } from '../shared/transport/message-writer';
import { WorkerExitedError, WorkerStartTimeoutError } from './host-errors';

/** Per-request bounds. */
export interface RequestOptions {
  /** Milliseconds until the host gives up (the request's timeout plus grace). */
  deadlineMs?: number;
  /** The request's own timeout, named in the timeout error. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WorkerProcessOptions {
  command: string;
  args: readonly string[];
  framing: Framing;
  env?: NodeJS.ProcessEnv;
  logger: pino.Logger;
  /** Bound on spawn → initialize answered. */
  startTimeoutMs: number;
  /** Bound on a graceful stop before SIGKILL. */
  stopTimeoutMs: number;
  hostName?: string;
}

/**
 * One worker child process and its JSON-RPC connection: spawn and handshake
 * (bounded), requests, stderr piped into the host logger, graceful stop with a
 * forced kill after a bound. `kill()` is idempotent.
 */
export class WorkerProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  private connection: MessageConnection | undefined;
  private writer: FramedMessageWriter | undefined;
  private readonly pending = new Map<string, { resolve(value: unknown): void; reject(error: unknown): void }>();
  private nextId = 0;
  private exitInfo: WorkerExitedError | undefined;
  private readonly exitListeners: ((error: WorkerExitedError) => void)[] = [];
  private readonly notificationHandlers = new Map<string, (params: unknown) => void>();
  /** The worker's last stderr lines (already redacted by the worker), to explain a failed start. */
  readonly stderrTail: string[] = [];

  constructor(private readonly options: WorkerProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  onExit(listener: (error: WorkerExitedError) => void): void {
    this.exitListeners.push(listener);
  }

  /** Handles a worker→host notification (e.g. `$/progress`, `instance/state`). */
  onNotification(method: string, handler: (params: unknown) => void): void {
    this.notificationHandlers.set(method, handler);
    this.connection?.onNotification(method, handler);
  }

  /** Spawns the worker and completes the `initialize` handshake. */
  async start(): Promise<InitializeResult> {
    const { options } = this;
    const child = spawn(options.command, [...options.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    this.child = child;
    const logger = options.logger.child({ workerPid: child.pid });
    pipeLogs(child, logger, this.stderrTail);
    const writer = new FramedMessageWriter(child.stdin, options.framing);
    this.writer = writer;
    const reader = new FramedMessageReader(child.stdout, {
      framing: options.framing,
      intercept: (message) => this.intercept(message),
      onInvalidMessage: (invalid) => logger.error({ code: invalid.code }, `invalid message from worker: ${invalid.message}`),
    });
    child.stdin.on('error', () => undefined); // EPIPE after the worker died: the exit handler reports it
    const connection = createMessageConnection(reader, writer, {
      error: (m) => logger.error(m),
      warn: (m) => logger.warn(m),
      info: (m) => logger.debug(m),
      log: (m) => logger.debug(m),
    });
    for (const [method, handler] of this.notificationHandlers) connection.onNotification(method, handler);
    this.connection = connection;
    child.once('exit', (code, signal) => {
      this.exitInfo = new WorkerExitedError(code, signal);
      logger.debug({ code, signal }, 'worker exited');
      connection.dispose();
      const crashed = Errors.workerCrashed({ exitCode: code, signal });
      for (const entry of [...this.pending.values()]) entry.reject(crashed);
      for (const listener of this.exitListeners) listener(this.exitInfo);
    });
    child.once('error', (error) => logger.error({ err: error.message }, 'worker process error'));
    connection.listen();

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WorkerStartTimeoutError(options.startTimeoutMs)), options.startTimeoutMs);
    });
    const exited = new Promise<never>((_, reject) => this.onExit(reject));
    try {
      return await Promise.race([
        this.request<InitializeResult>(Method.initialize, {
          protocolVersion: PROTOCOL_VERSION,
          ...(options.hostName ? { hostName: options.hostName } : {}),
        }),
        timeout,
        exited,
      ]);
    } catch (error) {
      this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends a request. Rejects with a {@link PluginError}: the worker's own error,
   * or `POSTGRES_WORKER_CRASHED` when the worker died before answering.
   * Past `deadlineMs` (or when `signal` aborts) the worker is sent
   * `$/cancelRequest` and the caller gets `POSTGRES_QUERY_TIMEOUT`
   * (`POSTGRES_QUERY_CANCELLED`) at once; the late answer is dropped.
   *
   * Requests and their responses bypass vscode-jsonrpc's connection (which
   * handles one message per event-loop turn and a token per request): ids are
   * this class's own strings, matched by the reader's intercept hook. The
   * connection still receives the worker's notifications.
   */
  request<T>(method: string, params: unknown, options: RequestOptions = {}): Promise<T> {
    const writer = this.writer;
    if (!writer || this.exitInfo) return Promise.reject(Errors.workerCrashed({ reason: 'worker not running' }));
    const id = `h${++this.nextId}`;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const { signal } = options;
      const onAbort = (): void => {
        this.cancel(id);
        this.pending.get(id)?.reject(Errors.queryCancelled({ reason: 'aborted by the caller' }));
      };
      this.pending.set(id, {
        resolve: (value) => {
          settle();
          resolve(value as T);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      const settle = (): void => {
        this.pending.delete(id);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      if (options.deadlineMs !== undefined) {
        timer = setTimeout(() => {
          this.cancel(id);
          this.pending.get(id)?.reject(Errors.queryTimeout(options.timeoutMs ?? options.deadlineMs!, { enforcedBy: 'host deadline' }));
        }, options.deadlineMs);
      }
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void writer.write({ jsonrpc: '2.0', id, method, params: params ?? undefined } as Message);
    });
  }

  /** Answers addressed to this class's requests; everything else goes on to the connection. */
  private intercept(message: Message): boolean {
    const m = message as { id?: unknown; method?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (m.method !== undefined || typeof m.id !== 'string') return false;
    const entry = this.pending.get(m.id);
    // No entry: an answer after its deadline or abort, already reported to the caller.
    if (!entry) return true;
    if (m.error) entry.reject(this.toPluginError(new ResponseError(m.error.code, m.error.message, m.error.data)));
    else entry.resolve(m.result);
    return true;
  }

  private cancel(id: string): void {
    if (!this.exitInfo) void this.writer?.write({ jsonrpc: '2.0', method: Method.cancelRequest, params: { id } } as Message);
  }

  notify(method: string, params?: unknown): void {
    if (this.connection && !this.exitInfo) void this.connection.sendNotification(method, params);
  }

  /** `shutdown`, then `exit`, then SIGKILL if the process is still there after the bound. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo) return;
    const exited = once(child, 'exit').catch(() => undefined);
    const bound = new Promise<void>((resolve) => setTimeout(resolve, this.options.stopTimeoutMs).unref());
    try {
      await Promise.race([this.request(Method.shutdown, null), bound]);
      this.notify(Method.exit);
      child.stdin.end();
    } catch {
      // Already dying or refusing: the kill below settles it.
    }
    await Promise.race([exited, bound]);
    if (!this.exitInfo) {
      this.kill();
      await exited;
    }
  }

  /** SIGKILL; safe to call any number of times. */
  kill(): void {
    if (this.child && !this.exitInfo) this.child.kill('SIGKILL');
  }

  private toPluginError(error: unknown): PluginError {
    if (error instanceof ResponseError) {
      const fromWorker = PluginError.fromData(error.data);
      if (fromWorker) return fromWorker;
      if (this.exitInfo) return Errors.workerCrashed({ exitCode: this.exitInfo.exitCode, signal: this.exitInfo.signal });
      return new PluginError('POSTGRES_QUERY_FAILED', error.message, { rpcCode: error.code }, false);
    }
    if (error instanceof PluginError) return error;
    return Errors.workerCrashed({
      reason: error instanceof Error ? error.message : String(error),
      ...(this.exitInfo ? { exitCode: this.exitInfo.exitCode, signal: this.exitInfo.signal } : {}),
    });
  }
}

const PINO_LEVELS: Record<number, pino.Level> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Worker stderr → host logger: pino lines keep their level, anything else is a warning. */
function pipeLogs(child: ChildProcessWithoutNullStreams, logger: pino.Logger, tail: string[]): void {
  const lines = readline.createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    tail.push(line.slice(0, 1000));
    if (tail.length > 20) tail.shift();
    if (line.startsWith('{')) {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; time?: number; pid?: number; name?: string };
        const level = PINO_LEVELS[entry.level ?? 30] ?? 'info';
        const { msg, level: _l, time: _t, pid: _p, name: _n, ...rest } = entry;
        logger[level](rest, msg ?? '');
        return;
      } catch {
        // not JSON after all: fall through
      }
    }
    if (line.trim()) logger.warn({ stderr: line }, 'worker stderr');
  });
}
