/**
 * How JSON-RPC messages are cut out of a byte stream. Content-Length (the
 * Language Server Protocol base protocol) is the default; newline-delimited JSON
 * is the second mode (docs/protocol.md).
 */
export type Framing = 'content-length' | 'ndjson';
export const FRAMINGS: readonly Framing[] = Object.freeze(['content-length', 'ndjson']);

/** Largest message accepted by default (bytes of one frame's body). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function isFraming(value: string): value is Framing {
  return (FRAMINGS as readonly string[]).includes(value);
}
