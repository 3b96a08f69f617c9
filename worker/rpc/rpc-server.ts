import { ResponseError, type Message } from 'vscode-jsonrpc/node';
import type { Cancellation } from '../statements/cancellation';
import { Errors } from '../../shared/errors';
import { RpcErrorCode } from '../../shared/error-codes';
import { isOperationName, OPERATION_NAMES } from '../../shared/operation-names';
import {
  executeParamsSchema,
  initializeParamsSchema,
  Method,
  PLUGIN_NAME,
  PROTOCOL_VERSION,
  type HeartbeatResult,
  type InitializeResult,
} from '../../shared/protocol';
import { DEFAULT_MAX_MESSAGE_BYTES, FRAMINGS } from '../../shared/transport/framing';
import { FramedMessageReader, FramingError } from '../../shared/transport/message-reader';
import { FramedMessageWriter } from '../../shared/transport/message-writer';
import { methodNotFound } from '../../shared/transport/response-errors';
import { RpcEndpoint } from '../../shared/transport/rpc-endpoint';
import { parseOrThrow } from '../../shared/validation';
import { workerLimitsParamsSchema, type WorkerConnectionStats } from '../../shared/worker-limits';
import { closeEncodingPool, decodeFrameOnThread, FRAME_OFFLOAD_BYTES, offloadsFrames } from '../batch/encoding-pool';
import { FrameOffload } from './frame-offload';
import type { DecodedBatchFrame } from '../batch/frame-decoding';
import { FrameOrder } from './frame-order';
import { faultHooksEnabled, probeSandbox, runFault } from '../runtime/fault-hooks';
import type { InstanceRegistry } from '../instance/instance-registry';
import type { Logger } from '../runtime/logger';
import { encodeInSlices } from './sliced-encoding';
import { runTraced } from './traced-request';
import { deferred } from './deferred-modules';
import { xidReporter } from '../transactions/xid-reporter';
import { xidJournalFromEnv } from '../runtime/xid-journal-writer';
import type { ServerTransportOptions } from '../../shared/transport/executable-process';

export interface RpcServerOptions extends ServerTransportOptions {
  logger: Logger;
  version: string;
}

/** Longest a shutdown may take before the process exits anyway (docs/protocol.md: within 2 s). */
const SHUTDOWN_BOUND_MS = 1_000;

/**
 * The worker's side of the protocol: lifecycle (initialize → execute… →
 * shutdown → exit) and dispatch of `execute` to the operation table, served by
 * the shared RpcEndpoint, which maps every failure to a JSON-RPC error.
 * Nothing raw crosses: unexpected errors become plugin errors without stack
 * traces (see toResponseError).
 */
export class RpcServer {
  private readonly endpoint: RpcEndpoint;
  private readonly writer: FramedMessageWriter;
  /** Made at the first use (deferred-modules: it loads pg and the grammar). */
  private registryMade: InstanceRegistry | undefined;
  private readonly reader: FramedMessageReader;
  private readonly order: FrameOrder;
  private initialized = false;
  /** The host's transaction-id journal, if it gave one (shared/xid-journal.ts). */
  private readonly journal = xidJournalFromEnv();
  private shutdownDone = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: RpcServerOptions) {
    const { logger } = options;
    // Answers past the host's message limit are refused with POSTGRES_RESULT_TOO_LARGE (the host reads with
    // the same limit). While the host doesn't read stdout, reading stdin stops and the requests already read
    // wait unstarted: memory stays bounded by what is in flight.
    this.writer = new FramedMessageWriter(options.output, options.framing, {
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      onCongestion: (congested) => {
        this.endpoint.hold(congested);
        if (congested) options.input.pause();
        else options.input.resume();
      },
    });
    // Messages held behind large frames reach the endpoint through the reader, in their turn.
    this.order = new FrameOrder(
      (message) => this.mayOvertake(message),
      (message) => this.reader.forward(message),
    );
    // At most two frames of the largest size wait for the thread.
    const offload = new FrameOffload(
      2 * (options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
      this.order,
      logger,
      (frame, bytes) => this.endpoint.serve(frame.id, (cancellation) => this.executeDecoded(frame, bytes, cancellation)),
      (body) => this.reader.parseBody(body),
    );
    const reader = new FramedMessageReader(options.input, {
      framing: options.framing,
      intercept: (message) => this.order.holds(message),
      ...(offloadsFrames ? { offload: { minBytes: FRAME_OFFLOAD_BYTES, take: (body: Buffer) => offload.take(body) } } : {}),
      ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
      onInvalidMessage: (invalid) => {
        logger.warn({ code: invalid.code, id: invalid.id }, invalid.message);
        this.endpoint.replyError(invalid.id, new ResponseError(invalid.code, invalid.message));
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
    this.endpoint = new RpcEndpoint(reader, this.writer, {
      logger,
      unhandled: (method) => (this.initialized ? methodNotFound(method) : notInitialized()),
    });
    this.register();
  }

  private get registry(): InstanceRegistry {
    return (this.registryMade ??= new (deferred.registry())(
      this.options.logger,
      (params) => this.endpoint.notify(Method.instanceState, params),
      (params) => this.endpoint.notify(Method.transactionEnded, params),
      {
        opened: (params) => this.endpoint.notify(Method.connectionOpened, params),
        closed: (params) => this.endpoint.notify(Method.connectionClosed, params),
      },
    ));
  }

  listen(): void {
    this.endpoint.listen();
  }

  /**
   * Every method is served by the endpoint straight from the reader, in
   * arrival order (behind large frames where order matters, see FrameOrder);
   * answers of one turn leave in one write.
   */
  private register(): void {
    const e = this.endpoint;
    e.onRequest(Method.initialize, (params) => this.initialize(params));
    e.onRequest(Method.execute, (params, cancellation) => this.execute(params, cancellation));
    // Answered from the event loop itself, in the turn it is read: a reply proves the loop is not stuck.
    e.onRequest(Method.heartbeat, heartbeatAnswer);
    e.onRequest(Method.shutdown, async () => {
      this.requireInitialized();
      await this.registryMade?.closeAll();
      this.shutdownDone = true;
      return null;
    });
    e.onRequest(Method.discover, () => deferred.openRpc()(this.options.version));
    e.onRequest(Method.workerLimits, (params) => this.setLimits(params));
    e.onRequest(Method.workerStats, () => this.workerStats());
    e.onNotification(Method.exit, () => void this.stop(this.shutdownDone ? 0 : 1));
  }

  /** Whether a message may be handled before large frames that arrived earlier are decoded. */
  private mayOvertake(message: Message): boolean {
    const m = message as { id?: string | number; method?: string; params?: { params?: { transactionId?: unknown } } };
    if (m.method === Method.heartbeat) return true;
    if (m.method === Method.execute && m.id !== undefined) return m.params?.params?.transactionId === undefined;
    if (m.method === Method.cancelRequest) {
      const target = (m.params as { id?: unknown } | undefined)?.id;
      return (typeof target === 'string' || typeof target === 'number') && this.endpoint.isServing(target);
    }
    return false;
  }

  private async initialize(params: unknown): Promise<InitializeResult> {
    const p = parseOrThrow(initializeParamsSchema, params ?? {}, 'params');
    if (p.logging?.level) this.options.logger.level = p.logging.level;
    this.initialized = true;
    this.options.logger.debug({ hostName: p.hostName }, 'initialized');
    // What the first execute needs loads once this answer has left (the writer flushes in this
    // turn's check phase; this runs in the next one): a host that waits before its first request
    // finds it ready, one that doesn't waits no longer than it would have.
    setImmediate(() => setImmediate(() => void this.registry));
    return {
      name: PLUGIN_NAME,
      version: this.options.version,
      protocolVersion: PROTOCOL_VERSION,
      operations: [...OPERATION_NAMES],
      capabilities: { framing: [...FRAMINGS], cancellation: true, progress: true, preparedStatements: true, timingsInAnswer: true },
    };
  }

  private async execute(params: unknown, token: Cancellation): Promise<unknown> {
    this.requireInitialized();
    if (this.stopping || this.shutdownDone) throw Errors.workerUnavailable('the worker is shutting down');
    const p = parseOrThrow(executeParamsSchema, params, 'params');
    if (faultHooksEnabled) {
      if (runFault(p.operation, p.params)) return null;
      const probe = probeSandbox(p.operation);
      if (probe) return probe;
    }
    if (!isOperationName(p.operation)) throw Errors.unknownOperation(p.operation, OPERATION_NAMES);
    const operation = deferred.operations()[p.operation];
    const opParams = parseOrThrow(operation.schema, p.params ?? {}, 'params');
    const instance = this.registry.resolve(p.instanceId, p.config);
    const progress = this.progressReporter(p.progressToken);
    const xid = p.outcomeToken === undefined ? undefined : xidReporter(p.outcomeToken, p.operation, this.journal, {
      notify: (params) => this.endpoint.notify(Method.transactionXid, params),
      drain: () => this.writer.drain(),
    });
    // One shape for every request (the operations see one hidden class).
    const ctx = { instanceId: p.instanceId, instance, cancellation: token, progress, xid };
    // The ordinary request: no closure, no second context; a traced one runs with a cancellation of its own.
    if (p.traceparent === undefined) return operation.run(ctx, opParams).then(encodeInSlices);
    return runTraced(p.traceparent, token, (cancellation) => operation.run({ ...ctx, cancellation }, opParams), (timings) => this.endpoint.notify(Method.timings, timings));
  }

  /**
   * `worker/limits`: applied in the turn it is read (before any later
   * execute), answered once the worker is within the new budget.
   */
  private async setLimits(params: unknown): Promise<{ maxServerConnections: number; idleInstanceTimeoutMs: number }> {
    this.requireInitialized();
    const p = parseOrThrow(workerLimitsParamsSchema, params ?? {}, 'params');
    const registry = this.registry;
    if (p.idleInstanceTimeoutMs !== undefined) registry.idleInstanceTimeoutMs = p.idleInstanceTimeoutMs;
    if (p.maxServerConnections !== undefined) await registry.budget.setLimit(p.maxServerConnections);
    return { maxServerConnections: registry.budget.maxServerConnections, idleInstanceTimeoutMs: registry.idleInstanceTimeoutMs };
  }

  /** `worker/stats`: connections per server, the budget, instances open and idle-closed, waiting requests. */
  private workerStats(): WorkerConnectionStats {
    this.requireInitialized();
    const { registry } = this;
    // A worker started with --expose-gc (the tenants benchmark) measures after a full collection.
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    return {
      maxServerConnections: registry.budget.maxServerConnections,
      idleInstanceTimeoutMs: registry.idleInstanceTimeoutMs,
      servers: registry.budget.stats(),
      instances: registry.counts(),
      waiting: registry.budget.waiting,
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
    };
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
    const run = (cancellation: Cancellation) => deferred.batchInsert()(instance, frame, redecode, { progress: this.progressReporter(frame.progressToken), cancellation, root: 'params' });
    return frame.traceparent === undefined ? run(token) : runTraced(frame.traceparent, token, run, (timings) => this.endpoint.notify(Method.timings, timings));
  }

  /** `$/progress` notifications for a request that carried a progressToken. */
  private progressReporter(token: string | number | undefined): ((done: number, total: number) => void) | undefined {
    if (token === undefined) return undefined;
    return (done, total) => this.endpoint.notify(Method.progress, { token, value: { kind: 'report', done, total } });
  }

  private requireInitialized(): void {
    if (!this.initialized) throw notInitialized();
  }

  /** Rolls back, ends pools (bounded), flushes output and exits. Idempotent. */
  stop(code: number): Promise<void> {
    this.stopping ??= (async () => {
      const bound = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_BOUND_MS).unref());
      await Promise.race([Promise.all([this.registryMade?.closeAll().catch(() => undefined), closeEncodingPool().catch(() => undefined)]), bound]);
      await Promise.race([this.writer.drain(), bound]);
      this.endpoint.close(Errors.workerUnavailable('the worker has stopped'));
      this.options.onExit(code);
    })();
    return this.stopping;
  }
}

/** The heartbeat's answer: proof the loop runs, and the memory reading a crash report shows. */
function heartbeatAnswer(): HeartbeatResult {
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  return { memory: { rss, heapUsed, heapTotal } };
}

function notInitialized(): ResponseError<undefined> {
  return new ResponseError(RpcErrorCode.SERVER_NOT_INITIALIZED, 'Server not initialized: send initialize first');
}
