import { Errors } from '../errors';
import type { PluginError } from '../plugin-error';
import { Method } from '../protocol';
import { MessageTooLargeError } from './message-writer';
import { fromResponseError, type EndpointLogger, type WireError } from './response-errors';

/** Per-request bounds. */
export interface RequestOptions {
  /** Milliseconds until the sender gives up (the request's timeout plus grace). */
  deadlineMs?: number;
  /** The request's own timeout, named in the timeout error. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A response as it arrives (the reader has checked its shape). */
export interface WireResponse {
  id: string | number | null;
  result?: unknown;
  error?: WireError;
}

const NO_OPTIONS: RequestOptions = Object.freeze({});

/**
 * One request sent and not answered yet. It is its signal's abort listener
 * itself (an EventListener object), so a request costs no closure beyond its
 * promise's executor.
 */
class PendingRequest {
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly owner: OutgoingRequests,
    readonly id: string,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    readonly options: RequestOptions,
  ) {}

  handleEvent(): void {
    this.owner.abort(this);
  }
}

/**
 * The requests an endpoint sent: ids of its own (`<prefix><N>`), answers
 * matched by id. Past `deadlineMs` (or when `signal` aborts) the peer is sent
 * `$/cancelRequest` and the caller gets `POSTGRES_QUERY_TIMEOUT`
 * (`POSTGRES_QUERY_CANCELLED`) at once; the late answer is dropped. `close`
 * rejects everything still pending.
 */
export class OutgoingRequests {
  private readonly pending = new Map<string | number, PendingRequest>();
  private nextId = 0;
  private closedWith: PluginError | undefined;

  constructor(
    private readonly idPrefix: string,
    /** Writes one message to the peer. */
    private readonly write: (message: object) => void,
    private readonly logger: EndpointLogger,
    /** Told when the first request starts waiting for its answer (true) and when none is left (false). */
    private readonly onWaiting?: (waiting: boolean) => void,
  ) {}

  send<T>(method: string, params: unknown, options: RequestOptions = NO_OPTIONS): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = `${this.idPrefix}${++this.nextId}`;
    return new Promise<T>((resolve, reject) => {
      const entry = new PendingRequest(this, id, resolve as (value: unknown) => void, reject, options);
      const { signal } = options;
      if (signal?.aborted) {
        // Never sent, so there is nothing to cancel on the other side.
        reject(Errors.queryCancelled({ reason: 'aborted by the caller' }));
        return;
      }
      this.pending.set(id, entry);
      if (this.pending.size === 1) this.onWaiting?.(true);
      if (options.deadlineMs !== undefined) entry.timer = setTimeout(this.onDeadline, options.deadlineMs, entry);
      signal?.addEventListener('abort', entry, { once: true });
      try {
        this.write({ jsonrpc: '2.0', id, method, params: params ?? undefined });
      } catch (error) {
        // Too large for the peer to read: refused here, never sent, so the stream stays intact.
        this.settle(entry);
        reject(error instanceof MessageTooLargeError ? Errors.requestTooLarge(error.bytes, error.maxMessageBytes) : error);
      }
    });
  }

  /** An answer from the peer: settles its request; one after the deadline or abort is dropped. */
  receive(response: WireResponse): void {
    if (response.id === null) {
      // The peer could not read something we sent (it answers -32700 / -32600 with a null id).
      if (response.error) this.logger.warn({ code: response.error.code }, `peer refused a message: ${response.error.message}`);
      return;
    }
    const entry = this.pending.get(response.id);
    if (!entry) return;
    this.settle(entry);
    if (response.error) entry.reject(fromResponseError(response.error));
    else entry.resolve(response.result);
  }

  /** Rejects every pending request with `error`, and any sent later. */
  close(error: PluginError): void {
    this.closedWith ??= error;
    for (const entry of [...this.pending.values()]) {
      this.settle(entry);
      entry.reject(error);
    }
  }

  /** The caller's signal aborted: cancel on the peer, reject now. */
  abort(entry: PendingRequest): void {
    if (this.pending.get(entry.id) !== entry) return;
    this.cancelOnPeer(entry);
    entry.reject(Errors.queryCancelled({ reason: 'aborted by the caller' }));
  }

  private readonly onDeadline = (entry: PendingRequest): void => {
    if (this.pending.get(entry.id) !== entry) return;
    this.cancelOnPeer(entry);
    const { timeoutMs, deadlineMs } = entry.options;
    entry.reject(Errors.queryTimeout(timeoutMs ?? deadlineMs!, { enforcedBy: 'host deadline' }));
  };

  private cancelOnPeer(entry: PendingRequest): void {
    this.settle(entry);
    if (!this.closedWith) this.write({ jsonrpc: '2.0', method: Method.cancelRequest, params: { id: entry.id } });
  }

  private settle(entry: PendingRequest): void {
    if (this.pending.delete(entry.id) && this.pending.size === 0) this.onWaiting?.(false);
    if (entry.timer) clearTimeout(entry.timer);
    entry.options.signal?.removeEventListener('abort', entry);
  }
}
