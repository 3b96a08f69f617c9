/**
 * Records → COPY text format, the fastest way into PostgreSQL. Pure and
 * self-contained: it runs on piscina threads as well as on the event loop.
 *
 * Each value becomes one field: `\N` for null; strings as they are; numbers
 * and booleans as their JSON text; objects as JSON text (for json/jsonb
 * columns); arrays as JSON text too, except into array-typed columns, where
 * they become PostgreSQL array literals. Backslash, tab, newline and carriage
 * return are escaped as COPY requires. Anything that is not a JSON value is
 * refused with the record's path, so no in-process Date or undefined is
 * silently stored as something else.
 */

/** Records sharing one key set: their columns and their indexes in the batch. */
export interface RecordGroup {
  columns: string[];
  rows: number[];
}

/** What is wrong with the first invalid record, as a path and message. */
export interface RecordProblem {
  path: string;
  message: string;
}

/** How a column takes a JS array: as a PostgreSQL array literal, or as JSON text. */
export type ColumnKind = 'array' | 'other';

/** The first value of a chunk that can't be encoded: its row within the chunk, its column, why. */
export interface ValueProblem {
  row: number;
  column: string;
  message: string;
}

/**
 * Rows per encoded chunk. The next chunk is encoded (on a thread for large
 * batches) while this one streams to the server, and progress is reported
 * after each, well within the contract's "at least every 10,000 rows".
 */
export const COPY_CHUNK_ROWS = 1_000;

const MAX_NAME_BYTES = 63;
/** Characters COPY text format gives a meaning to, plus NUL, which PostgreSQL text can't hold. */
const COPY_SPECIAL = /[\\\t\n\r\0]/;
const COPY_ESCAPES = /[\\\t\n\r]/g;
const COPY_REPLACEMENTS: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const ARRAY_ELEMENT_ESCAPES = /[\\"]/g;

/** Thrown inside the encoder, caught per value: the message of a ValueProblem. */
class NotEncodable extends Error {}

function escapeCopy(text: string): string {
  if (!COPY_SPECIAL.test(text)) return text;
  if (text.indexOf('\0') !== -1) throw new NotEncodable('must not contain NUL characters (PostgreSQL text cannot hold them)');
  return text.replace(COPY_ESCAPES, (c) => COPY_REPLACEMENTS[c]!);
}

/** Why `value` is not JSON (shallow: nested values are checked by JSON.stringify's walk). */
function notJson(value: unknown): never {
  if (value === undefined) throw new NotEncodable("must be a JSON value, not undefined (leave the key out for the column's DEFAULT, or use null)");
  if (typeof value === 'number') throw new NotEncodable(`must be a finite number (JSON has no ${value})`);
  if (typeof value === 'bigint') throw new NotEncodable('must be a JSON value, not a bigint (send it as a string)');
  if (value instanceof Date) throw new NotEncodable('must be a JSON value, not a Date (send timestamps as ISO-8601 strings)');
  const name = typeof value === 'object' && value !== null ? ((value as object).constructor?.name ?? 'object') : typeof value;
  throw new NotEncodable(`must be a JSON value, not a ${name}`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

function json(value: object): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // A bigint (or a cycle) somewhere inside an in-process object.
    throw new NotEncodable(`must be a JSON value: ${(error as Error).message}`);
  }
}

/** A JS array as a PostgreSQL array literal: `{1,"a b",NULL,{2,3}}`. */
function arrayLiteral(values: readonly unknown[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) parts[i] = 'NULL';
    else if (Array.isArray(v)) parts[i] = arrayLiteral(v);
    else if (typeof v === 'string') parts[i] = '"' + v.replace(ARRAY_ELEMENT_ESCAPES, '\\$&') + '"';
    else if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) parts[i] = String(v);
    else if (typeof v === 'object' && isPlainObject(v)) parts[i] = '"' + json(v).replace(ARRAY_ELEMENT_ESCAPES, '\\$&') + '"';
    else notJson(v);
  }
  return '{' + parts.join(',') + '}';
}

/** One COPY field (already escaped). */
function field(value: unknown, kind: ColumnKind): string {
  switch (typeof value) {
    case 'string':
      return escapeCopy(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : notJson(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return '\\N';
      if (Array.isArray(value)) return escapeCopy(kind === 'array' ? arrayLiteral(value) : json(value));
      if (!isPlainObject(value)) notJson(value);
      return escapeCopy(json(value));
    default:
      return notJson(value);
  }
}

/**
 * One chunk as COPY text lines (`columns` in order, `kinds` alike), or the
 * first value that can't be encoded. `sawArray[c]`, when given, is set for
 * each column where a JS array was met (its encoding depends on the kind).
 */
export function encodeCopyChunk(
  records: readonly unknown[],
  columns: readonly string[],
  kinds: readonly ColumnKind[],
  sawArray?: boolean[],
): { text: string } | ValueProblem {
  let text = '';
  const last = columns.length - 1;
  for (let r = 0; r < records.length; r++) {
    const record = records[r] as Record<string, unknown>;
    let c = 0;
    try {
      for (; c < last; c++) text += field(record[columns[c]!], kinds[c]!) + '\t';
      text += field(record[columns[last]!], kinds[last]!) + '\n';
      if (sawArray) for (let a = 0; a <= last; a++) if (Array.isArray(record[columns[a]!])) sawArray[a] = true;
    } catch (error) {
      if (!(error instanceof NotEncodable)) throw error;
      return { row: r, column: columns[c]!, message: error.message };
    }
  }
  return { text };
}

/**
 * Groups records by their key set: a record missing a column gets that
 * column's DEFAULT, because its group's COPY doesn't name it. Cheap (keys
 * only), so it runs on the event loop; encoding the values is the costly part.
 */
export function groupRecords(records: readonly unknown[]): { groups: RecordGroup[]; problem?: RecordProblem } {
  const groups = new Map<string, RecordGroup>();
  // Records usually share one key set: compare with the previous record's keys before hashing.
  let previous: RecordGroup | undefined;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (typeof record !== 'object' || record === null || Array.isArray(record) || !isPlainObject(record)) {
      return { groups: [], problem: { path: `records[${i}]`, message: 'must be an object of column → value' } };
    }
    const columns = Object.keys(record);
    if (previous && sameKeys(previous.columns, columns)) {
      previous.rows.push(i);
      continue;
    }
    if (columns.length === 0) return { groups: [], problem: { path: `records[${i}]`, message: 'must set at least one column' } };
    const key = columns.join('\0');
    let group = groups.get(key);
    if (!group) {
      for (const column of columns) {
        if (column.length === 0 || Buffer.byteLength(column) > MAX_NAME_BYTES || column.includes('\0')) {
          return { groups: [], problem: { path: `records[${i}]`, message: `column name '${column}' is not valid (1 to 63 bytes, no NUL)` } };
        }
      }
      groups.set(key, (group = { columns, rows: [] }));
    }
    group.rows.push(i);
    previous = group;
  }
  return { groups: [...groups.values()] };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
