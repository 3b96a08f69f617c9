import { once } from 'node:events';

/**
 * `COPY … FROM STDIN` on a pg client, fed by a pull function: PostgreSQL's
 * fastest way in (docs/architecture.md#performance-budget: ~2× an unnest INSERT). pg has the protocol hooks
 * (CopyInResponse, CopyData, CopyDone, CopyFail) but no public API for them,
 * so this is the small "submittable" pg calls into; pg-copy-streams does the
 * same, and is kept out of the worker's dependencies.
 */

/** Next chunk of COPY text (whole lines), or `null` at the end. A rejection aborts the COPY. */
export type CopySource = () => Promise<Buffer | null>;

/** The part of pg's Connection that COPY IN writes to (not in pg's typings). */
interface CopyConnection {
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/**
 * One `COPY … FROM STDIN` (the `sql`), as a query object for `client.query`:
 * `data` is the whole COPY text, or a pull function for streaming it.
 * `done` resolves with the server's row count. When a pull rejects, the COPY
 * is aborted with CopyFail and `done` rejects with that error once the server
 * has confirmed the abort, so the client is ready for the caller's ROLLBACK.
 *
 * ```ts
 * const copy = new CopyIn('COPY t (a, b) FROM STDIN', '1\tx\n2\ty\n');
 * submit(client, copy); // connection/pg-internals
 * const rows = await copy.done; // 2
 * ```
 */
export class CopyIn {
  readonly done: Promise<number>;
  private rowCount = 0;
  private settled = false;
  /** Set when the source failed: the error to report instead of the server's "COPY from stdin failed". */
  private sourceError: unknown;
  private readonly source: CopySource;
  private resolve!: (rows: number) => void;
  private reject!: (error: unknown) => void;

  constructor(
    readonly text: string,
    data: string | Buffer | CopySource,
  ) {
    this.source = typeof data === 'function' ? data : once$(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    this.done = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** pg: send the statement (simple protocol, as COPY requires). */
  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }

  /** pg overwrites this when `query_timeout` is configured; it must exist. */
  callback(): void {}

  /** pg: the server is ready for CopyData. */
  handleCopyInResponse(connection: CopyConnection): void {
    void this.pump(connection);
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(message.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {
    this.settle(undefined);
  }

  /** pg: ErrorResponse, or the connection died. */
  handleError(error: unknown): void {
    this.settle(this.sourceError ?? error ?? new Error('COPY failed'));
  }

  // COPY TO hooks, never used here but called by pg if the server misbehaves.
  handleCopyData(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}

  private async pump(connection: CopyConnection): Promise<void> {
    for (;;) {
      let chunk: Buffer | null;
      try {
        chunk = await this.source();
      } catch (error) {
        this.sourceError = error;
        // The server answers CopyFail with an ErrorResponse, which settles this query.
        if (!this.settled) connection.sendCopyFail(error instanceof Error ? error.message : 'batch aborted');
        return;
      }
      // After an ErrorResponse the server discards further copy messages; stop producing them.
      if (this.settled) return;
      if (chunk === null) {
        connection.endCopyFrom();
        return;
      }
      connection.sendCopyFromChunk(chunk);
      // Respect the socket's backpressure, so a large batch is not buffered twice in memory.
      if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
    }
  }

  private settle(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (error === undefined) this.resolve(this.rowCount);
    else this.reject(error);
  }
}

/** A source that yields one buffer, then the end. */
function once$(buffer: Buffer): CopySource {
  let sent = false;
  return async () => {
    if (sent) return null;
    sent = true;
    return buffer;
  };
}
