/**
 * The tagged forms of values JSON alone can't carry exactly (docs/plugin-api.md,
 * "Values"). A tagged value is a plain object with exactly one key:
 *
 * * `{ "$bytea": "<base64>" }`: bytes. Accepted as a bind parameter, CRUD
 *   value or batch record value, where it becomes the bytes themselves. A
 *   Node Buffer (any Uint8Array) given to the host or the in-process API means
 *   the same; on the wire it is sent as this form.
 * * `{ "$json": "<JSON text>" }`: a json/jsonb value whose text a plain JSON
 *   value would change (a number a double can't hold, or a document that is
 *   itself shaped like a tagged value). Results carry it; sent back it becomes
 *   that text, which PostgreSQL parses exactly.
 *
 * Tags are read where a value is a column's value or an element of a
 * PostgreSQL array; inside a JSON document they are ordinary JSON objects.
 */

export const BYTEA_TAG = '$bytea';
export const JSON_TAG = '$json';
export type Tag = typeof BYTEA_TAG | typeof JSON_TAG;

/** The tag of a plain object that is a tagged value (exactly one key, `$bytea` or `$json`), else undefined. */
export function tagOf(value: object): Tag | undefined {
  let only: string | undefined;
  for (const key in value) {
    if (only !== undefined) return undefined;
    only = key;
  }
  return only === BYTEA_TAG || only === JSON_TAG ? only : undefined;
}

/** Bytes as their tagged form. */
export function bytesTag(bytes: Uint8Array): { [BYTEA_TAG]: string } {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { [BYTEA_TAG]: buffer.toString('base64') };
}

/**
 * The bytes of a `$bytea` text, or undefined when it is not canonical base64
 * (RFC 4648 alphabet, padded, no whitespace): Node's decoder skips what it
 * doesn't understand, so anything else would be stored as other bytes.
 */
export function bytesOf(base64: string): Buffer | undefined {
  if (base64.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  return bytes.toString('base64') === base64 ? bytes : undefined;
}

/** A JSON value is tagged in results when it could be read back as a tag: a plain object with exactly one key, a tag's name. */
export function looksTagged(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && tagOf(value) !== undefined;
}
