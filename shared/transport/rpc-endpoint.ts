import type { Disposable, Message, MessageReader, MessageWriter, ResponseError } from 'vscode-jsonrpc/node';
import type { PluginError } from '../plugin-error';
import { Method } from '../protocol';
import { OutgoingRequests, type RequestOptions, type WireResponse } from './outgoing-requests';
import { Errors } from '../errors';
import { MessageTooLargeError } from './message-writer';
import { RequestCancellation } from './request-cancellation';
import { methodNotFound, toResponseError, type EndpointLogger } from './response-errors';

/**
 * Serves one request: its result (or a promise of it) is the answer, whatever
 * it throws leaves as a JSON-RPC error (see toResponseError). A handler that
 * returns a plain value is answered in the same turn, straight from the reader.
 */
export type RequestHandler = (params: unknown, cancellation: RequestCancellation) => unknown;
export type NotificationHandler = (params: unknown) => void;

export interface RpcEndpointOptions {
  logger: EndpointLogger;
  /** Prefix of the ids of the requests this endpoint sends (`h` → `h1`, `h2`, …). */
  idPrefix?: string;
  /** The answer to a request no handler is registered for; -32601 by default. */
  unhandled?: (method: string) => ResponseError<unknown>;
  /** Told when the endpoint starts waiting for answers to its requests (true) and when it has none left to wait for (false). */
  onWaiting?: (waiting: boolean) => void;
}

/** The members of a message the endpoint reads (the reader has checked its shape). */
interface WireMessage extends WireResponse {
  id: string | number | null;
  method?: string;
  params?: unknown;
}

/** `serve`'s handler: the run function travels as the params, so serving costs no extra closure. */
const RUN: RequestHandler = (run, cancellation) => (run as (c: RequestCancellation) => unknown)(cancellation);

/**
 * One JSON-RPC 2.0 endpoint over a framed reader and writer, the same on both
 * sides of the pipe:
 *  - requests it sends, with ids of its own, deadlines and aborts (see OutgoingRequests);
 *  - requests it receives, dispatched by method to a handler with a cancellation
 *    per request in flight, flipped by the peer's `$/cancelRequest`;
 *  - notifications both ways; unknown notifications are ignored, unknown methods
 *    answered -32601 (or what `unhandled` says).
 * Every message is handled in the turn the reader delivers it, and answers go
 * to the writer, which coalesces one turn's messages into one write.
 */
export class RpcEndpoint {
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private readonly notificationHandlers = new Map<string, NotificationHandler>();
  /** Requests being served, by id, for `$/cancelRequest`. */
  private readonly inflight = new Map<string | number, RequestCancellation>();
  private readonly outgoing: OutgoingRequests;
  private readonly logger: EndpointLogger;
  private subscription: Disposable | undefined;
  private closed = false;
  /** Requests read while the peer does not read our answers; served once it does again. */
  private held: WireMessage[] | undefined;

  constructor(
    private readonly reader: MessageReader,
    private readonly writer: MessageWriter,
    private readonly options: RpcEndpointOptions,
  ) {
    this.logger = options.logger;
    this.outgoing = new OutgoingRequests(options.idPrefix ?? 'r', this.write, options.logger, options.onWaiting);
  }

  onRequest(method: string, handler: RequestHandler): void {
    this.requestHandlers.set(method, handler);
  }

  onNotification(method: string, handler: NotificationHandler): void {
    this.notificationHandlers.set(method, handler);
  }

  /** Starts reading messages. */
  listen(): void {
    this.subscription ??= this.reader.listen(this.receive);
  }

  /** Sends a request; rejects with a plugin error (the peer's own, a timeout, a cancel, or `close`'s). */
  request<T>(method: string, params: unknown, options?: RequestOptions): Promise<T> {
    return this.outgoing.send<T>(method, params, options);
  }

  notify(method: string, params?: unknown): void {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /**
   * Serves a request whose message was read elsewhere (the worker decodes large
   * frames on a thread): cancellable and answered like any other.
   */
  serve(id: string | number, run: (cancellation: RequestCancellation) => unknown): void {
    this.start(id, RUN, run);
  }

  /** Whether the request with this id is being served (a cancel for it would reach it now). */
  isServing(id: string | number): boolean {
    return this.inflight.has(id);
  }

  /** Answers `id` (null: a message whose id could not be read) with an error. */
  replyError(id: string | number | null, error: ResponseError<unknown>): void {
    this.write({ jsonrpc: '2.0', id, error: error.toJson() });
  }

  /**
   * Stops reading and writing; requests still pending (and any sent later) are
   * rejected with `error`. Answers to requests still being served are dropped.
   */
  close(error: PluginError): void {
    this.closed = true;
    this.subscription?.dispose();
    this.subscription = undefined;
    this.outgoing.close(error);
  }

  /**
   * Backpressure: while `hold` is on (the peer's pipe is full), requests that
   * arrive are kept, not started, so no new answer is produced until the peer
   * reads again; cancels and answers still go through. Off: they start, in order.
   */
  hold(on: boolean): void {
    if (on) {
      this.held ??= [];
      return;
    }
    const held = this.held;
    this.held = undefined;
    for (const m of held ?? []) this.dispatch(m.id as string | number, m.method!, m.params);
  }

  /** Every message the reader delivers. */
  readonly receive = (message: Message): void => {
    // The reader checked the shape (jsonrpc message schema); these are the members read here.
    const m = message as Message & WireMessage;
    const method = m.method;
    if (method === undefined) this.outgoing.receive(m);
    else if (m.id === undefined) this.notification(method, m.params);
    else if (this.held !== undefined) this.held.push(m);
    else this.dispatch(m.id as string | number, method, m.params);
  };

  private dispatch(id: string | number, method: string, params: unknown): void {
    const handler = this.requestHandlers.get(method);
    if (handler === undefined) this.replyError(id, this.options.unhandled?.(method) ?? methodNotFound(method));
    else this.start(id, handler, params);
  }

  private start(id: string | number, handler: RequestHandler, params: unknown): void {
    const cancellation = new RequestCancellation();
    this.inflight.set(id, cancellation);
    let result: unknown;
    try {
      result = handler(params, cancellation);
    } catch (error) {
      this.fail(id, cancellation, error);
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.succeed(id, cancellation, value),
        (error: unknown) => this.fail(id, cancellation, error),
      );
    } else {
      this.succeed(id, cancellation, result);
    }
  }

  private succeed(id: string | number, cancellation: RequestCancellation, result: unknown): void {
    this.finish(id, cancellation);
    if (this.closed) return;
    try {
      void this.writer.write({ jsonrpc: '2.0', id, result: result === undefined ? null : result } as Message);
    } catch (error) {
      // The peer could not read this answer: it gets an error of its own instead, the stream stays intact.
      if (!(error instanceof MessageTooLargeError)) throw error;
      this.logger.warn({ id, bytes: error.bytes, maxMessageBytes: error.maxMessageBytes }, 'answer over the message limit: refused');
      this.replyError(id, toResponseError(Errors.answerTooLarge(error.bytes, error.maxMessageBytes), this.logger));
    }
  }

  private fail(id: string | number, cancellation: RequestCancellation, error: unknown): void {
    this.finish(id, cancellation);
    this.replyError(id, toResponseError(error, this.logger));
  }

  private finish(id: string | number, cancellation: RequestCancellation): void {
    // A peer may reuse an id while the first request runs: only the entry of this one goes.
    if (this.inflight.get(id) === cancellation) this.inflight.delete(id);
  }

  private notification(method: string, params: unknown): void {
    if (method === Method.cancelRequest) return this.cancel(params);
    const handler = this.notificationHandlers.get(method);
    if (handler === undefined) return;
    try {
      handler(params);
    } catch (error) {
      this.logger.error({ err: error instanceof Error ? error.message : String(error) }, `notification handler '${method}' failed`);
    }
  }

  /** `$/cancelRequest`: flips the cancellation of the request it names, if that is being served. */
  private cancel(params: unknown): void {
    const target = (params as { id?: unknown } | undefined)?.id;
    if (typeof target !== 'string' && typeof target !== 'number') {
      // vscode-jsonrpc threw on such a cancel (`id.toString()`) out of the stdin listener:
      // one bad notification could kill the process. Here it is only logged.
      this.logger.warn({}, '$/cancelRequest without a string or number id: ignored');
      return;
    }
    this.inflight.get(target)?.cancel();
  }

  private readonly write = (message: object): void => {
    if (!this.closed) void this.writer.write(message as Message);
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
