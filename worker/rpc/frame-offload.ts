import { decodeFrameOnThread } from '../batch/encoding-pool';
import type { DecodedBatchFrame } from '../batch/frame-decoding';
import type { FrameOrder } from './frame-order';
import type { Logger } from '../runtime/logger';

/** What a batchInsert frame contains: a cheap test before a frame is handed to a thread. */
const BATCH_INSERT_MARK = Buffer.from('"batchInsert"');

/**
 * Large frames handed to a thread as bytes: a `batchInsert` comes back as its
 * envelope and COPY bytes (see frame-decoding); anything else is parsed on the
 * event loop after all. Each is handled in its turn (see FrameOrder).
 */
export class FrameOffload {
  /** Bytes handed to the thread and not decoded yet. */
  private waiting = 0;

  constructor(
    /** At most this many bytes wait for the thread; past it frames are parsed on the event loop. */
    private readonly budget: number,
    private readonly order: FrameOrder,
    private readonly logger: Logger,
    /** A decoded batch, in its turn; `bytes` decode it again when needed. */
    private readonly onBatch: (frame: DecodedBatchFrame, bytes: Uint8Array) => void,
    /** A frame the thread left alone, in its turn: parse it on the event loop. */
    private readonly onOther: (body: Buffer) => void,
  ) {}

  /** Takes `body` for the thread (true), or leaves it to the event loop (false). */
  take(body: Buffer): boolean {
    // Without the operation's name in its bytes, the frame is no batchInsert (or names it with
    // escapes, as JSON allows): the event loop parses it, as it parses every smaller frame.
    if (body.indexOf(BATCH_INSERT_MARK) === -1) return false;
    // Past the budget, frames are parsed on the event loop again: that stops the reading of
    // stdin meanwhile, so a host can't pile up memory without bound.
    if (this.waiting > 0 && this.waiting + body.length > this.budget) return false;
    const bytes = new Uint8Array(body); // a copy: the body is a view into the reader's buffer
    this.waiting += bytes.byteLength;
    const decoding = decodeFrameOnThread(bytes);
    void decoding.catch(() => undefined).finally(() => (this.waiting -= bytes.byteLength));
    this.order.frame(decoding, (outcome) => {
      const decoded = 'value' in outcome ? outcome.value : null;
      if (decoded === null) {
        this.logger.debug({ bytes: bytes.byteLength }, 'large frame is not a batchInsert: parsed on the event loop');
        this.onOther(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        return;
      }
      this.logger.debug({ bytes: bytes.byteLength, records: decoded.records }, 'batchInsert frame decoded on a thread');
      this.onBatch(decoded, bytes);
    });
    return true;
  }
}
