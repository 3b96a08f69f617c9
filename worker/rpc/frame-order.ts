import type { Message } from 'vscode-jsonrpc/node';

interface HeldMessage {
  kind: 'message';
  message: Message;
}

interface PendingFrame {
  kind: 'frame';
  ready: boolean;
  finish: () => void;
}

/**
 * Keeps arrival order where it matters while large frames are decoded on a
 * thread. A later message that could depend on a frame still decoding waits
 * behind it: anything naming a `transactionId` (a handle runs its statements
 * in arrival order), a `$/cancelRequest` for a request not yet running,
 * lifecycle methods. Everything else (requests on other sessions,
 * heartbeats) goes on at once, so another tenant's ping never waits for
 * someone's 10,000-record batch to be parsed.
 */
export class FrameOrder {
  private readonly queue: (HeldMessage | PendingFrame)[] = [];
  private draining = false;

  constructor(
    /** Whether a message may overtake frames still decoding. */
    private readonly mayOvertake: (message: Message) => boolean,
    /** Delivers a message that waited, in its turn. */
    private readonly deliver: (message: Message) => void,
  ) {}

  /** True when `message` was queued behind a frame still decoding (it is delivered later). */
  holds(message: Message): boolean {
    if (this.queue.length === 0 || this.draining || this.mayOvertake(message)) return false;
    this.queue.push({ kind: 'message', message });
    return true;
  }

  /** A frame being decoded: `finish` runs with the outcome in the frame's turn. */
  frame<T>(decoding: Promise<T>, finish: (outcome: { value: T } | { error: unknown }) => void): void {
    const entry: PendingFrame = { kind: 'frame', ready: false, finish: () => undefined };
    this.queue.push(entry);
    const settle = (outcome: { value: T } | { error: unknown }) => {
      entry.finish = () => finish(outcome);
      entry.ready = true;
      this.drain();
    };
    decoding.then(
      (value) => settle({ value }),
      (error: unknown) => settle({ error }),
    );
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.kind === 'frame' && !head.ready) break;
        this.queue.shift();
        try {
          if (head.kind === 'message') this.deliver(head.message);
          else head.finish();
        } catch {
          // Delivery answers its own errors; one that escapes must not stall the messages behind it.
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
