import type { Writable } from 'node:stream';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc/node';
import type { Framing } from './framing';

const RESOLVED = Promise.resolve();

/**
 * Frames messages and coalesces every message written in one turn of the event
 * loop into a single `write` on the stream: under load many responses leave in
 * one syscall instead of one each.
 */
export class FramedMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private queue: string[] = [];
  private scheduled = false;
  private closed = false;
  private readonly frame: (json: string) => string;

  constructor(
    private readonly stream: Writable,
    framing: Framing,
  ) {
    super();
    this.frame =
      framing === 'ndjson'
        ? (json) => json + '\n'
        : (json) => `Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`;
    stream.on('error', (error: Error) => this.fireError(error));
    stream.on('close', () => {
      this.closed = true;
      this.fireClose();
    });
  }

  write(msg: Message): Promise<void> {
    if (this.closed) return RESOLVED;
    this.queue.push(this.frame(JSON.stringify(msg)));
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
    this.queue = [];
    this.stream.write(chunk);
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
