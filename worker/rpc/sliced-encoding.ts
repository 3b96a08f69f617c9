import { setImmediate as nextTurn } from 'node:timers/promises';
import { EncodedJson } from '../../shared/transport/encoded-json';

/** Rows stringified per turn of the event loop: a few milliseconds of work for ordinary rows. */
const ROWS_PER_SLICE = 2_000;

/**
 * An answer with many rows (`{ rows, … }` or a bare array of rows) written
 * as JSON a slice of rows per turn of the event loop, so heartbeats and other
 * tenants' requests are served between the slices; smaller answers are left
 * to the writer's JSON.stringify as they are (no promise, no extra turn). The
 * JSON means the same either way.
 */
export function encodeInSlices(result: unknown): unknown {
  if (Array.isArray(result)) return result.length > ROWS_PER_SLICE ? rowsJson(result).then((text) => new EncodedJson(text)) : result;
  if (typeof result !== 'object' || result === null) return result;
  const rows = (result as { rows?: unknown }).rows;
  if (!Array.isArray(rows) || rows.length <= ROWS_PER_SLICE) return result;
  return withRows(result, rows);
}

async function withRows(result: object, rows: readonly unknown[]): Promise<EncodedJson> {
  const rest = JSON.stringify({ ...result, rows: undefined });
  const text = await rowsJson(rows);
  return new EncodedJson(rest === '{}' ? `{"rows":${text}}` : `{"rows":${text},${rest.slice(1)}`);
}

async function rowsJson(rows: readonly unknown[]): Promise<string> {
  const parts: string[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_SLICE) {
    if (start > 0) await nextTurn();
    const slice = JSON.stringify(rows.slice(start, start + ROWS_PER_SLICE));
    parts.push(slice.slice(1, -1));
  }
  return '[' + parts.join(',') + ']';
}
