import type { Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { AbstractMessageReader, type DataCallback, Disposable, type Message, type MessageReader } from 'vscode-jsonrpc/node';
import { jsonRpcMessageSchema } from '../protocol';
import { RpcErrorCode } from '../error-codes';
import { DEFAULT_MAX_MESSAGE_BYTES, type Framing } from './framing';

/** A message that could be cut from the stream but is not a valid JSON-RPC message. */
export interface InvalidMessage {
  code: typeof RpcErrorCode.PARSE_ERROR | typeof RpcErrorCode.INVALID_REQUEST;
  message: string;
  /** The request id, when one could be read: the error response must carry it. */
  id: string | number | null;
}

export interface FramedMessageReaderOptions {
  framing: Framing;
  maxMessageBytes?: number;
  /** Called for each frame whose body is not a valid JSON-RPC message; the stream stays usable. */
  onInvalidMessage: (invalid: InvalidMessage) => void;
  /**
   * Sees each valid message first; returning true keeps it back (the worker
   * holds messages behind large frames still decoding and hands them on
   * later through `forward`).
   */
  intercept?: (message: Message) => boolean;
  /**
   * Bodies of at least `minBytes` are offered to `take` unparsed (the worker
   * decodes large batches on a thread); `take` returns true to keep one, and
   * may hand it back later through `parseBody`. It must copy what it keeps:
   * the body is a view into the reader's buffer.
   */
  offload?: { minBytes: number; take: (body: Buffer) => boolean };
}

/** Raised through `onError` when the framing itself is broken and the stream can't be resynchronised. */
export class FramingError extends Error {
  constructor(
    message: string,
    /** The first bytes where the stream went wrong, control characters escaped: for a log line. */
    readonly preview?: string,
  ) {
    super(message);
    this.name = 'FramingError';
  }
}

const PREVIEW_BYTES = 80;

function previewOf(buf: Buffer, offset: number): string {
  return JSON.stringify(buf.toString('latin1', offset, Math.min(buf.length, offset + PREVIEW_BYTES))).slice(1, -1);
}

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 8 * 1024;

/**
 * Cuts JSON-RPC messages out of a byte stream (Content-Length or NDJSON) and
 * validates each with the protocol schema before it reaches the endpoint.
 * A bad body is answered and skipped; a broken frame ends the stream.
 */
export class FramedMessageReader extends AbstractMessageReader implements MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Reads not yet joined to `buffer`, while it holds less than `needed` bytes. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes `buffer` must hold before the frame being read is complete (0: unknown). */
  private needed = 0;
  private callback: DataCallback | undefined;
  private failed = false;
  private readonly maxMessageBytes: number;

  constructor(
    private readonly stream: Readable,
    private readonly options: FramedMessageReaderOptions,
  ) {
    super();
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer): void => this.onData(chunk);
    const onEnd = (): void => this.fireClose();
    const onError = (error: Error): void => this.fireError(error);
    this.stream.on('data', onData);
    this.stream.on('end', onEnd);
    this.stream.on('close', onEnd);
    this.stream.on('error', onError);
    return Disposable.create(() => {
      this.callback = undefined;
      this.stream.off('data', onData);
      this.stream.off('end', onEnd);
      this.stream.off('close', onEnd);
      this.stream.off('error', onError);
    });
  }

  private onData(chunk: Buffer): void {
    if (this.failed) return;
    // A large message arrives in many reads: gather them and join once it is complete,
    // instead of copying the growing buffer on every read.
    const waiting = this.buffer.length + this.pendingBytes + chunk.length;
    const incomplete = this.options.framing === 'ndjson' ? chunk.indexOf(10) === -1 && waiting <= this.maxMessageBytes : waiting < this.needed;
    if (incomplete) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return;
    }
    if (this.pending.length > 0) {
      this.buffer = Buffer.concat([this.buffer, ...this.pending, chunk]);
      this.pending = [];
      this.pendingBytes = 0;
    } else {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    }
    this.needed = 0;
    if (this.options.framing === 'ndjson') this.drainLines();
    else this.drainFrames();
  }

  private drainFrames(): void {
    let offset = 0;
    const buf = this.buffer;
    while (offset < buf.length) {
      const headerEnd = buf.indexOf(HEADER_END, offset);
      if (headerEnd === -1) {
        if (buf.length - offset > MAX_HEADER_BYTES) return this.fail('header section too long or not terminated', previewOf(buf, offset));
        break;
      }
      const length = parseContentLength(buf.toString('latin1', offset, headerEnd));
      if (typeof length === 'string') return this.fail(length, previewOf(buf, offset));
      if (length > this.maxMessageBytes) {
        return this.fail(`message of ${length} bytes exceeds the limit of ${this.maxMessageBytes}`);
      }
      const bodyStart = headerEnd + HEADER_END.length;
      if (buf.length - bodyStart < length) {
        this.needed = bodyStart + length - offset;
        break;
      }
      offset = bodyStart + length;
      this.handleBody(buf.subarray(bodyStart, offset));
      if (this.failed) return;
    }
    this.buffer = offset === 0 ? buf : buf.subarray(offset);
  }

  private drainLines(): void {
    let offset = 0;
    const buf = this.buffer;
    for (;;) {
      const newline = buf.indexOf(10, offset);
      if (newline === -1) break;
      const line = buf.subarray(offset, newline);
      offset = newline + 1;
      if (line.length > 0 && !(line.length === 1 && line[0] === 13)) this.handleBody(line);
    }
    if (buf.length - offset > this.maxMessageBytes) {
      return this.fail(`message exceeds the limit of ${this.maxMessageBytes} bytes`);
    }
    this.buffer = offset === 0 ? buf : buf.subarray(offset);
  }

  private handleBody(body: Buffer): void {
    const offload = this.options.offload;
    if (offload && body.length >= offload.minBytes && offload.take(body)) return;
    this.parseBody(body);
  }

  /** Parses and validates one body, then hands the message on as any other. */
  parseBody(body: Buffer): void {
    if (!isUtf8(body)) {
      this.options.onInvalidMessage({ code: RpcErrorCode.PARSE_ERROR, message: 'Parse error: body is not valid UTF-8', id: null });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (error) {
      this.options.onInvalidMessage({
        code: RpcErrorCode.PARSE_ERROR,
        message: `Parse error: ${(error as Error).message}`,
        id: null,
      });
      return;
    }
    const checked = jsonRpcMessageSchema.safeParse(value);
    if (!checked.success) {
      const id = readId(value);
      const first = checked.error.issues[0];
      const where = first && first.path.length > 0 ? ` at '${first.path.join('.')}'` : '';
      this.options.onInvalidMessage({
        code: RpcErrorCode.INVALID_REQUEST,
        message: `Invalid Request: not a JSON-RPC 2.0 message${where}`,
        id,
      });
      return;
    }
    if (this.options.intercept?.(value as Message)) return;
    this.callback?.(value as Message);
  }

  /** Hands a message the intercept kept back to the listener after all. */
  forward(message: Message): void {
    this.callback?.(message);
  }

  private fail(reason: string, preview?: string): void {
    this.failed = true;
    this.buffer = Buffer.alloc(0);
    this.pending = [];
    this.pendingBytes = 0;
    this.fireError(new FramingError(`Framing lost: ${reason}`, preview));
  }
}

/** Content-Length of a header block, or a description of what is wrong with it. */
function parseContentLength(header: string): number | string {
  let length: number | undefined;
  for (const line of header.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `malformed header line '${line.slice(0, 80)}'`;
    if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
    const raw = line.slice(colon + 1).trim();
    if (!/^\d{1,15}$/.test(raw)) return `invalid Content-Length '${raw.slice(0, 40)}'`;
    length = Number(raw);
  }
  return length ?? 'missing Content-Length header';
}

function readId(value: unknown): string | number | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null;
}
