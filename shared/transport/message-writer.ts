import type { Writable } from 'node:stream';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc/node';
import { EncodedJson } from './encoded-json';
import { DEFAULT_MAX_MESSAGE_BYTES, type Framing } from './framing';

const RESOLVED = Promise.resolve();

/** A message that can't be sent: its JSON passes the peer's message limit (or V8's string limit). */
export class MessageTooLargeError extends Error {
  constructor(
    /** Bytes of its JSON; undefined when it could not even be written as one string. */
    readonly bytes: number | undefined,
    readonly maxMessageBytes: number,
  ) {
    super(bytes === undefined ? 'message too large to be written as one JSON text' : `message of ${bytes} bytes exceeds the limit of ${maxMessageBytes}`);
    this.name = 'MessageTooLargeError';
  }
}

export interface FramedMessageWriterOptions {
  /** Largest message body the peer accepts; a larger one throws {@link MessageTooLargeError} from `write` and nothing is sent. */
  maxMessageBytes?: number;
  /** Told when the stream stops taking data (its buffer is full) and when it drains again. */
  onCongestion?: (congested: boolean) => void;
}

/** The message's JSON text; a result given as {@link EncodedJson} goes in as its text. */
function messageJson(msg: Message): string {
  const response = msg as Message & { id?: unknown; result?: unknown };
  if (!(response.result instanceof EncodedJson)) return JSON.stringify(msg);
  return '{"jsonrpc":"2.0","id":' + JSON.stringify(response.id) + ',"result":' + response.result.text + '}';
}

/**
 * Frames messages and coalesces every message written in one turn of the event
 * loop into a single `write` on the stream: under load many responses leave in
 * one syscall instead of one each. A message the peer could not read (over its
 * limit) is refused at `write`, so one answer never breaks the stream.
 */
export class FramedMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private queue: string[] = [];
  /** Whether every queued message is ASCII: then its bytes are written as latin1, a plain copy, not a UTF-8 encoding. */
  private ascii = true;
  private scheduled = false;
  private closed = false;
  private congested = false;
  private readonly contentLength: boolean;
  private readonly maxMessageBytes: number;

  constructor(
    private readonly stream: Writable,
    framing: Framing,
    private readonly options: FramedMessageWriterOptions = {},
  ) {
    super();
    this.contentLength = framing !== 'ndjson';
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    stream.on('error', (error: Error) => this.fireError(error));
    stream.on('close', () => {
      this.closed = true;
      this.fireClose();
    });
  }

  /** Queues `msg` for this turn's write; throws {@link MessageTooLargeError} when the peer could not take it. */
  write(msg: Message): Promise<void> {
    if (this.closed) return RESOLVED;
    let json: string;
    try {
      json = messageJson(msg);
    } catch (error) {
      // Past V8's longest string: no peer could be sent this.
      if (error instanceof RangeError) throw new MessageTooLargeError(undefined, this.maxMessageBytes);
      throw error;
    }
    // A UTF-8 byte is at least one UTF-16 unit and at most three: count bytes only when it matters.
    const bytes = this.contentLength || json.length * 3 > this.maxMessageBytes ? Buffer.byteLength(json, 'utf8') : json.length;
    if (bytes > this.maxMessageBytes) throw new MessageTooLargeError(bytes, this.maxMessageBytes);
    // As many UTF-8 bytes as UTF-16 units: every one of them is ASCII (counted only with Content-Length).
    if (!this.contentLength || bytes !== json.length) this.ascii = false;
    this.queue.push(this.contentLength ? `Content-Length: ${bytes}\r\n\r\n${json}` : json + '\n');
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return RESOLVED;
  }

  /** Writes whatever is queued now; used before exiting. */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.queue.length === 0 || this.closed) return;
    const chunk = this.queue.length === 1 ? this.queue[0]! : this.queue.join('');
    const encoding = this.ascii ? 'latin1' : 'utf8';
    this.queue = [];
    this.ascii = true;
    if (!this.stream.write(chunk, encoding) && !this.congested && this.options.onCongestion) {
      this.congested = true;
      this.options.onCongestion(true);
      this.stream.once('drain', () => {
        this.congested = false;
        this.options.onCongestion?.(false);
      });
    }
  };

  /** Resolves once everything queued so far has been handed to the OS. */
  drain(): Promise<void> {
    this.flush();
    if (this.closed || this.stream.writableLength === 0) return RESOLVED;
    return new Promise((resolve) => this.stream.write('', () => resolve()));
  }

  end(): void {
    this.flush();
  }
}
