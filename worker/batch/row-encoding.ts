/**
 * Records → COPY text format, the fastest way into PostgreSQL. Pure and
 * self-contained: it runs on piscina threads as well as on the event loop.
 *
 * Each value becomes one field: `\N` for null; strings as they are; numbers
 * and booleans as their JSON text (`-0` as `-0`); bytes (a Buffer in process,
 * `{ "$bytea": base64 }`) as bytea hex; `{ "$json": text }` as that text;
 * objects as JSON text (for json/jsonb columns); arrays as JSON text too,
 * except into array-typed columns, where they become PostgreSQL array
 * literals (whose elements follow the same rules). Backslash, tab, newline and
 * carriage return are escaped as COPY requires. The shared value rules
 * (shared/wire-values) decide what is refused, with the record's path: no
 * in-process Date or undefined, no NaN, no lone surrogate is silently stored
 * as something else.
 */
import { tagOf } from '../../shared/tagged-values';
import { UNREPRESENTABLE, ValueChecker } from '../../shared/wire-values';

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

/** The first value of a chunk that can't be encoded: its row within the chunk, its column (with the path inside the value: `doc.a[1]`), why. */
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

/** Thrown inside the encoder, caught per value: the message of a ValueProblem, and where inside the value. */
class NotEncodable extends Error {
  constructor(
    message: string,
    readonly path: (string | number)[] = [],
  ) {
    super(message);
  }
}

function escapeCopy(text: string): string {
  if (!COPY_SPECIAL.test(text)) return text;
  if (text.indexOf('\0') !== -1) throw new NotEncodable('must not contain NUL characters (PostgreSQL text cannot hold them)');
  return text.replace(COPY_ESCAPES, (c) => COPY_REPLACEMENTS[c]!);
}

/**
 * Values one chunk is encoded with. `trusted`: the records came from
 * JSON.parse (a frame), so a JSON document needs no walk: nothing in it can be
 * NaN, a bigint, bytes, a cycle or undefined.
 */
class FieldEncoder {
  private readonly checker = new ValueChecker('column', 'receive');

  constructor(private readonly trusted: boolean) {}

  /** One COPY field (already escaped). */
  field(value: unknown, kind: ColumnKind): string {
    const v = this.checked(value);
    if (v === null) return '\\N';
    if (typeof v === 'string') return escapeCopy(v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v instanceof Uint8Array) return '\\\\x' + hex(v);
    if (Array.isArray(v)) return escapeCopy(kind === 'array' ? this.arrayLiteral(v) : this.json(v));
    return escapeCopy(this.json(v as object));
  }

  /** The value after the shared rules at a value position: tags read, `-0` as text; what they refuse is thrown. */
  private checked(value: unknown): unknown {
    // The common cases without the checker's walk.
    switch (typeof value) {
      case 'string':
        if (value.isWellFormed()) return value;
        break;
      case 'number':
        if (value !== 0 ? Number.isFinite(value) : 1 / value > 0) return value;
        break;
      case 'boolean':
        return value;
      case 'object':
        if (value === null || Array.isArray(value) || value instanceof Uint8Array) return value;
        if (isPlainObject(value) && tagOf(value) === undefined) return value;
        break;
    }
    this.checker.reset();
    const out = this.checker.value(value, 1);
    if (out === UNREPRESENTABLE) throw new NotEncodable(this.checker.problem!.message, this.checker.problem!.path);
    return out;
  }

  /** A JSON document as JSON text, walked first unless it came from JSON.parse. */
  private json(value: object): string {
    if (this.trusted) return JSON.stringify(value);
    this.checker.reset();
    const out = this.checker.json(value, 1);
    if (out === UNREPRESENTABLE) throw new NotEncodable(this.checker.problem!.message, this.checker.problem!.path);
    return JSON.stringify(out);
  }

  /** A JS array as a PostgreSQL array literal: `{1,"a b",NULL,{2,3},"\\\\x00ff"}`. */
  private arrayLiteral(values: readonly unknown[], depth = 1): string {
    const parts = new Array<string>(values.length);
    for (let i = 0; i < values.length; i++) {
      try {
        parts[i] = this.element(values[i], depth);
      } catch (error) {
        if (error instanceof NotEncodable) error.path.unshift(i);
        throw error;
      }
    }
    return '{' + parts.join(',') + '}';
  }

  private element(value: unknown, depth: number): string {
    if (Array.isArray(value)) {
      if (depth >= 64) throw new NotEncodable('is nested more than 64 levels deep');
      return this.arrayLiteral(value, depth + 1);
    }
    const v = this.checked(value);
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'string') return quoteElement(v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v instanceof Uint8Array) return '"\\\\x' + hex(v) + '"';
    return quoteElement(this.json(v as object));
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

function quoteElement(text: string): string {
  return '"' + text.replace(ARRAY_ELEMENT_ESCAPES, '\\$&') + '"';
}

function hex(bytes: Uint8Array): string {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('hex');
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
  fromJson = false,
): { text: string } | ValueProblem {
  const encoder = new FieldEncoder(fromJson);
  let text = '';
  const last = columns.length - 1;
  for (let r = 0; r < records.length; r++) {
    const record = records[r] as Record<string, unknown>;
    let c = 0;
    try {
      for (; c < last; c++) text += encoder.field(record[columns[c]!], kinds[c]!) + '\t';
      text += encoder.field(record[columns[last]!], kinds[last]!) + '\n';
      if (sawArray) for (let a = 0; a <= last; a++) if (Array.isArray(record[columns[a]!])) sawArray[a] = true;
    } catch (error) {
      if (!(error instanceof NotEncodable)) throw error;
      return { row: r, column: columns[c]! + pathText(error.path), message: error.message };
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

/** `['a', 1]` → `.a[1]`. */
function pathText(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${part}`;
  return out;
}
