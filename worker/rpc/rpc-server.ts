import type { Readable, Writable } from 'node:stream';
import { createMessageConnection, ResponseError, type CancellationToken, type Message, type MessageConnection } from 'vscode-jsonrpc/node';
import { CancellationFlag, type Cancellation } from '../statements/cancellation';
import { Errors } from '../../shared/errors';
import { RpcErrorCode } from '../../shared/error-codes';
import { isOperationName, OPERATION_NAMES } from '../../shared/operation-params';
import { PluginError } from '../../shared/plugin-error';
import { executeParamsSchema, initializeParamsSchema, Method, PLUGIN_NAME, PROTOCOL_VERSION, type InitializeResult } from '../../shared/protocol';
import { DEFAULT_MAX_MESSAGE_BYTES, FRAMINGS, type Framing } from '../../shared/transport/framing';
import { FramedMessageReader, FramingError } from '../../shared/transport/message-reader';
import { FramedMessageWriter } from '../../shared/transport/message-writer';
import { parseOrThrow } from '../../shared/validation';
import { batchInsertDecoded } from '../batch/batch-insert';
import { closeEncodingPool, decodeFrameOnThread, FRAME_OFFLOAD_BYTES, offloadsFrames } from '../batch/encoding-pool';
import { FrameOffload } from './frame-offload';
import type { DecodedBatchFrame } from '../batch/frame-decoding';
import { FrameOrder } from './frame-order';
import { faultHooksEnabled, probeSandbox, runFault } from '../runtime/fault-hooks';
import { InstanceRegistry } from '../instance/instance-registry';
import type { Logger } from '../runtime/logger';
import { openRpcDocument } from './openrpc';
import { operations } from '../operations';

export interface RpcServerOptions {
  input: Readable;
  output: Writable;
  framing: Framing;
  maxMessageBytes?: number;
  logger: Logger;
  version: string;
  /** Called once the server is done; the process exits with `code`. */
  onExit: (code: number) => void;
}

/** Longest a shutdown may take before the process exits anyway (DESIGN §2: within 2 s). */
const SHUTDOWN_BOUND_MS = 1_000;

/**
 * The worker's JSON-RPC endpoint: lifecycle (initialize → execute… → shutdown →
 * exit), dispatch of `execute` to the operation table, and the mapping of every
 * failure to a JSON-RPC error. Nothing raw crosses: unexpected errors become
 * plugin errors without stack traces.
 */
export class RpcServer {
  private readonly connection: MessageConnection;
  private readonly writer: FramedMessageWriter;
  private readonly registry: InstanceRegistry;
  private readonly reader: FramedMessageReader;
  private readonly order: FrameOrder;
  private initialized = false;
  private shutdownDone = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: RpcServerOptions) {
    const { logger } = options;
    this.writer = new FramedMessageWriter(options.output, options.framing);
    this.registry = new InstanceRegistry(logger, (params) => {
      void this.writer.write({ jsonrpc: '2.0', method: Method.instanceState, params } as Message);
    });
    this.order = new FrameOrder(
      (message) => this.mayOvertake(message),
      (message) => {
        if (!this.fastPath(message)) this.reader.forward(message);
      },
    );
    // At most two frames of the largest size wait for the thread.
    const offload = new FrameOffload(
      2 * (options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
      this.order,
      logger,
      (frame, bytes) => this.start(frame.id, (flag) => this.executeDecoded(frame, bytes, flag)),
      (body) => this.reader.parseBody(body),
    );
    const reader = new FramedMessageReader(options.input, {
      framing: options.framing,
      intercept: (message) => this.order.holds(message) || this.fastPath(message),
      ...(offloadsFrames ? { offload: { minBytes: FRAME_OFFLOAD_BYTES, take: (body: Buffer) => offload.take(body) } } : {}),
      ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
      onInvalidMessage: (invalid) => {
        logger.warn({ code: invalid.code, id: invalid.id }, invalid.message);
        void this.writer.write({ jsonrpc: '2.0', id: invalid.id, error: { code: invalid.code, message: invalid.message } } as never);
      },
    });
    this.reader = reader;
    reader.onError((error) => {
      if (error instanceof FramingError) {
        // The stream can't be resynchronised; leave cleanly so the host restarts us.
        logger.error({ err: error.message }, 'framing lost; exiting');
        void this.stop(1);
      }
    });
    reader.onClose(() => void this.stop(this.shutdownDone ? 0 : 1));
    this.connection = createMessageConnection(reader, this.writer, {
      error: (m) => logger.error(m),
      warn: (m) => logger.warn(m),
      info: (m) => logger.debug(m),
      log: (m) => logger.debug(m),
    });
    this.register();
  }

  listen(): void {
    this.connection.listen();
  }


  /** In-flight fast-path requests by id, for `$/cancelRequest`. */
  private readonly inflight = new Map<string | number, CancellationFlag>();

  /**
   * The hot path: `initialize` and `execute` are answered straight from the
   * reader, in arrival order, with one pending promise each. vscode-jsonrpc's
   * connection runs one message per event-loop turn, which under load costs a
   * loop iteration (and a stdout write) per request; it still serves the
   * lifecycle, discovery and unknown methods. Cancellation of fast-path
   * requests is handled here too.
   */
  private fastPath(message: Message): boolean {
    const m = message as { id?: string | number; method?: string; params?: unknown };
    if (m.method === Method.execute && m.id !== undefined) {
      this.start(m.id, (flag) => this.execute(m.params, flag));
      return true;
    }
    if (m.method === Method.heartbeat && m.id !== undefined) {
      // Answered from the event loop itself: a reply proves the loop is not stuck.
      this.reply(m.id, null, undefined);
      return true;
    }
    if (m.method === Method.initialize && m.id !== undefined) {
      const id = m.id;
      this.guard(() => this.initialize(m.params)).then(
        (result) => this.reply(id, result, undefined),
        (error: ResponseError<unknown>) => this.reply(id, undefined, error),
      );
      return true;
    }
    if (m.method === Method.cancelRequest && m.id === undefined) {
      const target = (m.params as { id?: unknown } | undefined)?.id;
      if (typeof target !== 'string' && typeof target !== 'number') {
        // vscode-jsonrpc throws on a cancel without a usable id (`id.toString()`),
        // out of the stdin listener: one bad notification would kill the worker.
        this.options.logger.warn('$/cancelRequest without a string or number id: ignored');
        return true;
      }
      const flag = this.inflight.get(target);
      if (flag) {
        flag.cancel();
        return true;
      }
    }
    return false;
  }

  /** Runs one request of the fast path, cancellable by `$/cancelRequest` until it is answered. */
  private start(id: string | number, run: (flag: CancellationFlag) => Promise<unknown>): void {
    const flag = new CancellationFlag();
    this.inflight.set(id, flag);
    this.guard(() => run(flag)).then(
      (result) => this.reply(id, result === undefined ? null : result, undefined),
      (error: ResponseError<unknown>) => this.reply(id, undefined, error),
    );
  }

  /** Whether a message may be handled before large frames that arrived earlier are decoded. */
  private mayOvertake(message: Message): boolean {
    const m = message as { id?: string | number; method?: string; params?: { params?: { transactionId?: unknown } } };
    if (m.method === Method.heartbeat) return true;
    if (m.method === Method.execute && m.id !== undefined) return m.params?.params?.transactionId === undefined;
    if (m.method === Method.cancelRequest) {
      const target = (m.params as { id?: unknown } | undefined)?.id;
      return (typeof target === 'string' || typeof target === 'number') && this.inflight.has(target);
    }
    return false;
  }

  private reply(id: string | number, result: unknown, error: ResponseError<unknown> | undefined): void {
    this.inflight.delete(id);
    const message = error ? { jsonrpc: '2.0', id, error: error.toJson() } : { jsonrpc: '2.0', id, result };
    void this.writer.write(message as Message);
  }

  private register(): void {
    const c = this.connection;
    c.onRequest(Method.initialize, (params: unknown) => this.guard(() => this.initialize(params)));
    c.onRequest(Method.execute, (...args: unknown[]) => {
      const token = args.pop() as CancellationToken;
      return this.guard(() => this.execute(args.length === 1 ? args[0] : args, token));
    });
    c.onRequest(Method.shutdown, () =>
      this.guard(async () => {
        this.requireInitialized();
        await this.closeAll();
        this.shutdownDone = true;
        return null;
      }),
    );
    c.onRequest(Method.discover, () => this.guard(async () => openRpcDocument(this.options.version)));
    c.onNotification(Method.exit, () => void this.stop(this.shutdownDone ? 0 : 1));
    c.onRequest((method: string) => {
      if (!this.initialized) return notInitialized();
      return new ResponseError(RpcErrorCode.METHOD_NOT_FOUND, `Unhandled method ${method}`);
    });
    c.onNotification(() => undefined);
  }

  private async initialize(params: unknown): Promise<InitializeResult> {
    const p = parseOrThrow(initializeParamsSchema, params ?? {}, 'params');
    if (p.logging?.level) this.options.logger.level = p.logging.level;
    this.initialized = true;
    this.options.logger.debug({ hostName: p.hostName }, 'initialized');
    return {
      name: PLUGIN_NAME,
      version: this.options.version,
      protocolVersion: PROTOCOL_VERSION,
      operations: [...OPERATION_NAMES],
      capabilities: { framing: [...FRAMINGS], cancellation: true, progress: true, preparedStatements: true },
    };
  }

  private async execute(params: unknown, token: Cancellation): Promise<unknown> {
    this.requireInitialized();
    if (this.stopping || this.shutdownDone) throw Errors.workerUnavailable('the worker is shutting down');
    const p = parseOrThrow(executeParamsSchema, params, 'params');
    if (faultHooksEnabled) {
      if (runFault(p.operation)) return null;
      const probe = probeSandbox(p.operation);
      if (probe) return probe;
    }
    if (!isOperationName(p.operation)) throw Errors.unknownOperation(p.operation, OPERATION_NAMES);
    const operation = operations[p.operation];
    const opParams = parseOrThrow(operation.schema, p.params ?? {}, 'params.params');
    const instance = this.registry.resolve(p.instanceId, p.config);
    const progress = this.progressReporter(p.progressToken);
    return operation.run({ instanceId: p.instanceId, instance, cancellation: token, ...(progress ? { progress } : {}) }, opParams);
  }

  /** `execute batchInsert` from a frame a thread decoded: the params were checked there. */
  private async executeDecoded(frame: DecodedBatchFrame, bytes: Uint8Array, token: Cancellation): Promise<unknown> {
    this.requireInitialized();
    if (this.stopping || this.shutdownDone) throw Errors.workerUnavailable('the worker is shutting down');
    const instance = this.registry.resolve(frame.instanceId, frame.config);
    const redecode = async (arrayColumns: string[]) => {
      const again = await decodeFrameOnThread(bytes, arrayColumns);
      if (again === null) throw Errors.internal('a batch frame decoded once could not be decoded again');
      return again;
    };
    return batchInsertDecoded(instance, frame, redecode, { progress: this.progressReporter(frame.progressToken), cancellation: token, root: 'params.params' });
  }

  /** `$/progress` notifications for a request that carried a progressToken. */
  private progressReporter(token: string | number | undefined): ((done: number, total: number) => void) | undefined {
    if (token === undefined) return undefined;
    return (done, total) => void this.writer.write({ jsonrpc: '2.0', method: Method.progress, params: { token, value: { kind: 'report', done, total } } } as Message);
  }

  private requireInitialized(): void {
    if (!this.initialized) throw notInitialized();
  }

  /** Runs a handler; whatever it throws leaves as a JSON-RPC error of the contract. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toResponseError(error, this.options.logger);
    }
  }

  private closeAll(): Promise<void> {
    return this.registry.closeAll();
  }

  /** Rolls back, ends pools (bounded), flushes output and exits. Idempotent. */
  stop(code: number): Promise<void> {
    this.stopping ??= (async () => {
      const bound = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_BOUND_MS).unref());
      await Promise.race([Promise.all([this.closeAll().catch(() => undefined), closeEncodingPool().catch(() => undefined)]), bound]);
      await Promise.race([this.writer.drain(), bound]);
      this.connection.dispose();
      this.options.onExit(code);
    })();
    return this.stopping;
  }
}

function notInitialized(): ResponseError<undefined> {
  return new ResponseError(RpcErrorCode.SERVER_NOT_INITIALIZED, 'Server not initialized: send initialize first');
}

function toResponseError(error: unknown, logger: Logger): ResponseError<unknown> {
  if (error instanceof ResponseError) return error;
  if (error instanceof PluginError) return new ResponseError(error.rpcCode, error.message, error.toData());
  // A bug, not an input problem: log it here, send no stack across.
  logger.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'unexpected error');
  const internal = Errors.internal(error instanceof Error ? error.message : String(error));
  return new ResponseError(RpcErrorCode.INTERNAL_ERROR, internal.message, internal.toData());
}
