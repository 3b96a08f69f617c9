import type pino from 'pino';
import { ResponseError } from 'vscode-jsonrpc/node';
import { RpcErrorCode } from '../shared/error-codes';
import { GenericErrorCode } from '../shared/generic-plugin-errors';
import { CHECK_OPERATION, SERVICE_CALL_METHOD } from '../shared/generic-worker-protocol';
import { PluginError } from '../shared/plugin-error';
import { executeParamsSchema, initializeParamsSchema, Method, PROTOCOL_VERSION, type ExecuteParams } from '../shared/protocol';
import { DEFAULT_MAX_MESSAGE_BYTES, FRAMINGS } from '../shared/transport/framing';
import { FramedMessageReader } from '../shared/transport/message-reader';
import { FramedMessageWriter } from '../shared/transport/message-writer';
import { methodNotFound } from '../shared/transport/response-errors';
import { RpcEndpoint } from '../shared/transport/rpc-endpoint';
import { describeIssues } from '../shared/validation';
import type { ServerTransportOptions } from '../shared/transport/executable-process';
import { pluginLogger, pluginServices, type WorkerPluginContext } from './plugin-context';
import { createInstance, disposeInstance, fromThrown, loadPluginModule, messageOf, operationOf, operationsOf, type PluginInstance, type PluginModule } from './plugin-module';

export interface ModuleServerOptions extends ServerTransportOptions {
  logger: pino.Logger;
  /** The plugin's package name and entry file. */
  name: string;
  version: string;
  entry: string;
  /** Names of the host's services the plugin may get. */
  services: readonly string[];
}

/** Longest the plugin's instances get to close on shutdown. */
const SHUTDOWN_BOUND_MS = 1_000;

/**
 * The generic worker's side of the protocol: the same lifecycle as the
 * PostgreSQL worker (initialize → execute… → shutdown → exit, heartbeat,
 * cancel), serving a documentation-style plugin loaded in this process. Each
 * instanceId gets its own instance from `initialize({ config, services, logger })`,
 * made again when its config changes; `execute` calls the instance's method
 * named by the operation with the params object.
 */
export class ModuleServer {
  private readonly endpoint: RpcEndpoint;
  private readonly writer: FramedMessageWriter;
  private module: PluginModule | undefined;
  private readonly instances = new Map<string, { configText: string; instance: Promise<PluginInstance> }>();
  private shutdownDone = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: ModuleServerOptions) {
    const { logger } = options;
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.writer = new FramedMessageWriter(options.output, options.framing, { maxMessageBytes });
    const reader = new FramedMessageReader(options.input, {
      framing: options.framing,
      maxMessageBytes,
      onInvalidMessage: (invalid) => this.endpoint.replyError(invalid.id, new ResponseError(invalid.code, invalid.message)),
    });
    reader.onError(() => void this.stop(1));
    reader.onClose(() => void this.stop(this.shutdownDone ? 0 : 1));
    this.endpoint = new RpcEndpoint(reader, this.writer, {
      logger,
      idPrefix: 'w',
      unhandled: (method) => (this.module ? methodNotFound(method) : new ResponseError(RpcErrorCode.SERVER_NOT_INITIALIZED, 'Server not initialized: send initialize first')),
    });
    const e = this.endpoint;
    e.onRequest(Method.initialize, (params) => this.initialize(params));
    e.onRequest(Method.execute, (params) => this.execute(params));
    e.onRequest(Method.heartbeat, () => null);
    e.onRequest(Method.shutdown, async () => {
      await this.closeAll();
      this.shutdownDone = true;
      return null;
    });
    e.onNotification(Method.exit, () => void this.stop(this.shutdownDone ? 0 : 1));
  }

  listen(): void {
    this.endpoint.listen();
  }

  /** The handshake loads the plugin's entry: a broken entry fails the start, with the reason. */
  private initialize(params: unknown): unknown {
    const parsed = initializeParamsSchema.safeParse(params ?? {});
    if (!parsed.success) throw invalidParams(describeIssues(parsed.error.issues, 'params'));
    if (parsed.data.logging?.level) this.options.logger.level = parsed.data.logging.level;
    this.module ??= loadPluginModule(this.options.entry);
    return {
      name: this.options.name,
      version: this.options.version,
      protocolVersion: PROTOCOL_VERSION,
      operations: [],
      capabilities: { framing: [...FRAMINGS], cancellation: false, progress: false, preparedStatements: false },
    };
  }

  private async execute(params: unknown): Promise<unknown> {
    const module = this.module;
    if (!module) throw new ResponseError(RpcErrorCode.SERVER_NOT_INITIALIZED, 'Server not initialized: send initialize first');
    if (this.stopping || this.shutdownDone) throw new PluginError(GenericErrorCode.WORKER_UNAVAILABLE, 'Worker unavailable: the worker is shutting down');
    const parsed = executeParamsSchema.safeParse(params);
    if (!parsed.success) throw invalidParams(describeIssues(parsed.error.issues, 'params'));
    const p = parsed.data;
    if (p.operation === CHECK_OPERATION) {
      await disposeInstance(await createInstance(module, this.context(p.instanceId, p.config ?? {})));
      return null;
    }
    const instance = await this.instanceFor(module, p);
    const method = operationOf(instance, p.operation);
    let result: unknown;
    try {
      result = await method.call(instance, p.params ?? {});
    } catch (error) {
      this.options.logger.debug({ operation: p.operation, err: messageOf(error) }, 'plugin method failed');
      throw fromThrown(error);
    }
    return jsonResult(result, p.operation);
  }

  /** The instance of `instanceId`: made on its first config, made again when the config changes. */
  private async instanceFor(module: PluginModule, p: ExecuteParams): Promise<PluginInstance> {
    const known = this.instances.get(p.instanceId);
    if (p.config === undefined) {
      if (known) return known.instance;
      throw invalidParams([{ path: 'config', message: `required on the first execute for instance '${p.instanceId}'` }]);
    }
    const configText = JSON.stringify(p.config);
    if (known?.configText === configText) return known.instance;
    const instance = createInstance(module, this.context(p.instanceId, p.config));
    this.instances.set(p.instanceId, { configText, instance });
    instance.catch(() => {
      if (this.instances.get(p.instanceId)?.instance === instance) this.instances.delete(p.instanceId);
    });
    if (known) void known.instance.then(disposeInstance).catch((error: unknown) => this.options.logger.warn({ err: messageOf(error) }, 'closing a replaced instance failed'));
    const ready = await instance;
    this.options.logger.debug({ instanceId: p.instanceId, operations: operationsOf(ready) }, 'plugin instance initialised');
    return ready;
  }

  private context(instanceId: string, config: Record<string, unknown>): WorkerPluginContext {
    return {
      config,
      services: pluginServices(this.options.services, (service, method, args) => this.endpoint.request(SERVICE_CALL_METHOD, { service, method, args })),
      logger: pluginLogger(this.options.logger.child({ instanceId })),
    };
  }

  private async closeAll(): Promise<void> {
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(all.map((entry) => entry.instance.then(disposeInstance).catch(() => undefined)));
  }

  /** Closes the instances (bounded), flushes output and exits. Idempotent. */
  stop(code: number): Promise<void> {
    this.stopping ??= (async () => {
      const bound = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_BOUND_MS).unref());
      await Promise.race([this.closeAll(), bound]);
      await Promise.race([this.writer.drain(), bound]);
      this.endpoint.close(new PluginError(GenericErrorCode.WORKER_UNAVAILABLE, 'Worker unavailable: the worker has stopped'));
      this.options.onExit(code);
    })();
    return this.stopping;
  }
}

function invalidParams(issues: { path: string; message: string }[]): PluginError {
  return new PluginError(GenericErrorCode.INVALID_PARAMS, `Invalid params: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues }, false);
}

/** A method's result as JSON can carry it (`undefined` is `null`); anything JSON can't is the plugin's error, said plainly. */
function jsonResult(result: unknown, operation: string): unknown {
  if (result === undefined) return null;
  try {
    JSON.stringify(result);
  } catch (error) {
    throw new PluginError(GenericErrorCode.ERROR, `The result of '${operation}' is not representable as JSON: ${messageOf(error)}`, { operation }, false);
  }
  return result;
}
