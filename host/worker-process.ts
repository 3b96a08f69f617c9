import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import readline from 'node:readline';
import type pino from 'pino';
import { Errors } from '../shared/errors';
import { Method, PROTOCOL_VERSION, type InitializeResult, type TimingsParams } from '../shared/protocol';
import type { Framing } from '../shared/transport/framing';
import { FramedMessageReader, type FramingError } from '../shared/transport/message-reader';
import { redactConnectionString } from '../shared/redaction';
import { FramedMessageWriter } from '../shared/transport/message-writer';
import type { RequestOptions } from '../shared/transport/outgoing-requests';
import { RpcEndpoint } from '../shared/transport/rpc-endpoint';
import type { KillReason } from './crash-report';
import { WorkerExitedError, WorkerStartTimeoutError } from './host-errors';
import { tracedResult } from './telemetry/traced-answer';

/** After the worker exited, how long its pipes may take to deliver what it wrote (they close at once unless something else holds them). */
const PIPES_DRAIN_BOUND_MS = 1_000;

export type { RequestOptions } from '../shared/transport/outgoing-requests';

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
  /** Largest message either side sends the other (bytes; the worker is started with the same limit). */
  maxMessageBytes?: number;
  /** A descriptor the worker inherits as its fd 3 (the transaction-id journal). */
  inheritFd?: number;
}

/**
 * One worker child process and its JSON-RPC endpoint: spawn and handshake
 * (bounded), requests, stderr piped into the host logger, graceful stop with a
 * forced kill after a bound. `kill()` is idempotent.
 */
export class WorkerProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  private endpoint: RpcEndpoint | undefined;
  private writer: FramedMessageWriter | undefined;
  private exitInfo: WorkerExitedError | undefined;
  private exitSettled = false;
  /** Why the host killed it, if it did. */
  private killReason: KillReason | undefined;
  private readonly exitListeners: ((error: WorkerExitedError) => void)[] = [];
  private readonly notificationHandlers = new Map<string, (params: unknown) => void>();
  private readonly requestHandlers = new Map<string, (params: unknown) => unknown>();
  /** The worker's last stderr lines (already redacted by the worker), to explain a failed start. */
  readonly stderrTail: string[] = [];
  /** The worker's `initialize` answer (its capabilities), once it started. */
  initialized: InitializeResult | undefined;

  constructor(private readonly options: WorkerProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Why the host killed this worker (undefined: it did not). */
  get killedFor(): KillReason | undefined {
    return this.killReason;
  }

  onExit(listener: (error: WorkerExitedError) => void): void {
    this.exitListeners.push(listener);
  }

  /** Handles a worker→host notification (e.g. `$/progress`, `instance/state`). */
  onNotification(method: string, handler: (params: unknown) => void): void {
    this.notificationHandlers.set(method, handler);
    this.endpoint?.onNotification(method, handler);
  }

  /** Serves a worker→host request (the generic worker's calls of the host's services). */
  onRequest(method: string, handler: (params: unknown) => unknown): void {
    this.requestHandlers.set(method, handler);
    this.endpoint?.onRequest(method, handler);
  }

  /** Spawns the worker and completes the `initialize` handshake. */
  async start(): Promise<InitializeResult> {
    const { options } = this;
    // stdin, stdout and stderr are pipes whatever else is inherited.
    const child = spawn(options.command, [...options.args], {
      stdio: options.inheritFd === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', options.inheritFd],
      env: options.env ?? process.env,
    }) as ChildProcessWithoutNullStreams;
    this.child = child;
    // The child and its pipes keep the host's event loop alive only while a request waits for an
    // answer: an app that forgets shutdown() still exits, and the worker follows when stdin closes.
    child.unref();
    for (const pipe of [child.stdin, child.stdout, child.stderr]) (pipe as Partial<Socket>).unref?.();
    const logger = options.logger.child({ workerPid: child.pid });
    pipeLogs(child, logger, this.stderrTail);
    // A request the worker could not read is refused here, before it is sent.
    const limits = options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {};
    const writer = new FramedMessageWriter(child.stdin, options.framing, limits);
    this.writer = writer;
    const reader = new FramedMessageReader(child.stdout, {
      framing: options.framing,
      ...limits,
      // stdout of a worker carries frames only: anything else means its stream can't be trusted any more.
      onInvalidMessage: (invalid) => this.protocolViolation(logger, `invalid message from worker: ${invalid.message}`),
    });
    reader.onError((error) => this.protocolViolation(logger, error.message, (error as FramingError).preview));
    child.stdin.on('error', () => undefined); // EPIPE after the worker died: the exit handler reports it
    const endpoint = new RpcEndpoint(reader, writer, { logger, idPrefix: 'h', onWaiting: (waiting) => this.holdEventLoop(waiting) });
    for (const [method, handler] of this.notificationHandlers) endpoint.onNotification(method, handler);
    for (const [method, handler] of this.requestHandlers) endpoint.onRequest(method, handler);
    this.endpoint = endpoint;
    // What the worker wrote before it died is read to the end first (an answer, a transaction id reported
    // before a COMMIT): 'close' comes once its pipes are drained, bounded in case something else holds them.
    child.once('exit', (code, signal) => {
      this.exitInfo = new WorkerExitedError(code, signal);
      logger.debug({ code, signal }, 'worker exited');
      const settled = (): void => {
        clearTimeout(bound);
        if (this.exitSettled) return;
        this.exitSettled = true;
        // Requests in flight are never replayed: their outcome is unknown.
        endpoint.close(Errors.workerCrashed({ exitCode: code, signal }));
        for (const listener of this.exitListeners) listener(this.exitInfo!);
      };
      // A worker killed for breaking the protocol has nothing on stdout worth waiting for: no trusted frame follows.
      const bound = setTimeout(settled, this.killReason === 'protocol-violation' ? 0 : PIPES_DRAIN_BOUND_MS);
      child.once('close', settled);
    });
    child.once('error', (error) => logger.error({ err: error.message }, 'worker process error'));
    endpoint.listen();

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WorkerStartTimeoutError(options.startTimeoutMs)), options.startTimeoutMs);
    });
    const exited = new Promise<never>((_, reject) => this.onExit(reject));
    try {
      return (this.initialized = await Promise.race([
        this.request<InitializeResult>(Method.initialize, {
          protocolVersion: PROTOCOL_VERSION,
          ...(options.hostName ? { hostName: options.hostName } : {}),
        }),
        timeout,
        exited,
      ]));
    } catch (error) {
      this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The result of an `execute` that carried a `traceparent`: from a worker that answers with its
   * timings (`capabilities.timingsInAnswer`) they go to `onTimings`; any other answers as it would untraced.
   */
  tracedResult<T>(answer: unknown, traceparent: string, onTimings: ((timings: TimingsParams) => void) | undefined): T {
    return this.initialized?.capabilities?.timingsInAnswer === true ? tracedResult<T>(answer, traceparent, onTimings) : (answer as T);
  }

  /**
   * Sends a request. Rejects with a {@link PluginError}: the worker's own error,
   * or `POSTGRES_WORKER_CRASHED` when the worker died before answering.
   * Past `deadlineMs` (or when `signal` aborts) the worker is sent
   * `$/cancelRequest` and the caller gets `POSTGRES_QUERY_TIMEOUT`
   * (`POSTGRES_QUERY_CANCELLED`) at once; the late answer is dropped
   * (see the shared RpcEndpoint).
   */
  request<T>(method: string, params: unknown, options?: RequestOptions): Promise<T> {
    const endpoint = this.endpoint;
    if (!endpoint || this.exitInfo) return Promise.reject(Errors.workerCrashed({ reason: 'worker not running' }));
    return endpoint.request<T>(method, params, options);
  }

  /** While requests wait for an answer, the worker's stdout keeps the event loop alive. */
  private holdEventLoop(hold: boolean): void {
    const stdout = this.child?.stdout as Partial<Socket> | undefined;
    if (hold) stdout?.ref?.();
    else stdout?.unref?.();
  }

  notify(method: string, params?: unknown): void {
    if (!this.exitInfo) this.endpoint?.notify(method, params);
  }

  /** `shutdown`, then `exit`, then SIGKILL if the process is still there after the bound. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo) return;
    // A stop someone awaits keeps the host alive until the worker is gone.
    child.ref();
    // Done when the exit has been handled (pipes read to the end, exit listeners told), not at the bare 'exit'.
    const exited = new Promise<void>((resolve) => this.onExit(() => resolve()));
    const bound = new Promise<void>((resolve) => setTimeout(resolve, this.options.stopTimeoutMs).unref());
    try {
      await Promise.race([this.request(Method.shutdown, null), bound]);
      this.notify(Method.exit);
      // The writer sends what is queued when this turn ends, after stdin's end: flush `exit` first.
      this.writer?.flush();
      child.stdin.end();
    } catch {
      // Already dying or refusing: the kill below settles it.
    }
    await Promise.race([exited, bound]);
    if (!this.exitInfo) {
      this.kill('stop-timeout');
      await exited;
    }
  }

  /**
   * The worker wrote something that is not a frame (a stray line, a broken
   * header, a message over the limit): nothing after it can be trusted, so the
   * worker is killed at once; its requests in flight fail with
   * POSTGRES_WORKER_CRASHED and the supervisor starts a new one. The bytes are
   * logged redacted.
   */
  private protocolViolation(logger: pino.Logger, reason: string, preview?: string): void {
    if (this.exitInfo) return;
    logger.error({ reason: redactConnectionString(reason), ...(preview !== undefined ? { preview: redactConnectionString(preview) } : {}) }, 'worker broke the protocol on stdout; killing it');
    this.kill('protocol-violation');
  }

  /** SIGKILL; safe to call any number of times. `reason` goes into the crash report. */
  kill(reason: KillReason = 'killed'): void {
    if (this.child && !this.exitInfo) {
      this.killReason ??= reason;
      this.child.kill('SIGKILL');
    }
  }
}

/** stderr lines kept: enough for V8's last words above its native stack trace (a crash report shows fewer). */
const STDERR_TAIL_LINES = 50;

const PINO_LEVELS: Record<number, pino.Level> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Worker stderr → host logger: pino lines keep their level, anything else is a warning. */
function pipeLogs(child: ChildProcessWithoutNullStreams, logger: pino.Logger, tail: string[]): void {
  const lines = readline.createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    tail.push(line.slice(0, 1000));
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
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
