/**
 * Turns records into PostgreSQL array literals, one per column, for
 * `INSERT … SELECT * FROM unnest($1::t1[], $2::t2[], …)`: one bind parameter
 * per column whatever the row count, so no statement nears the 65,535-parameter
 * limit. Pure and self-contained: it runs on piscina threads as well.
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

/** One chunk's array literals (one per column), or the first value that can't be encoded. */
export type EncodedChunk = { arrays: string[] } | { problem: RecordProblem };

const MAX_NAME_BYTES = 63;

const NEEDS_ESCAPE = /[\\"]/g;

/** A double-quoted array element with `"` and `\` escaped (the common case has neither). */
function quoted(text: string): string {
  return text.indexOf('"') === -1 && text.indexOf('\\') === -1 ? '"' + text + '"' : '"' + text.replace(NEEDS_ESCAPE, '\\$&') + '"';
}

/** One array element: NULL, a bare number or boolean, or a quoted string; undefined when not encodable. */
function element(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.indexOf('\0') === -1 ? quoted(value) : undefined;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'NULL';
    case 'object': {
      if (value === null) return 'NULL';
      const json = JSON.stringify(value);
      return json.indexOf('\\u0000') === -1 ? quoted(json) : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Groups records by their key set: a record missing a column gets that
 * column's DEFAULT, because its group's INSERT doesn't name it. Cheap (keys
 * only), so it runs on the event loop; encoding the values is the costly part.
 */
export function groupRecords(records: readonly unknown[]): { groups: RecordGroup[]; problem?: RecordProblem } {
  const groups = new Map<string, RecordGroup>();
  // Records usually share one key set: compare with the previous record's keys before hashing.
  let previous: RecordGroup | undefined;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return { groups: [], problem: { path: `params.params.records[${i}]`, message: 'must be an object of column → value' } };
    }
    const columns = Object.keys(record);
    if (previous && sameKeys(previous.columns, columns)) {
      previous.rows.push(i);
      continue;
    }
    if (columns.length === 0) return { groups: [], problem: { path: `params.params.records[${i}]`, message: 'must set at least one column' } };
    const key = columns.join('\0');
    let group = groups.get(key);
    if (!group) {
      for (const column of columns) {
        if (column.length === 0 || Buffer.byteLength(column) > MAX_NAME_BYTES || column.includes('\0')) {
          return { groups: [], problem: { path: `params.params.records[${i}].${column}`, message: 'is not a valid column name (1 to 63 bytes, no NUL)' } };
        }
      }
      groups.set(key, (group = { columns, rows: [] }));
    }
    group.rows.push(i);
    previous = group;
  }
  return { groups: [...groups.values()] };
}

/**
 * Encodes one chunk: `records` are the chunk's records, `indexes` their
 * positions in the batch (for error paths), `columns` the group's columns.
 */
export function encodeChunk(records: readonly unknown[], indexes: readonly number[], columns: readonly string[]): EncodedChunk {
  const arrays: string[] = [];
  for (const column of columns) {
    const parts = new Array<string>(records.length);
    for (let r = 0; r < records.length; r++) {
      const text = element((records[r] as Record<string, unknown>)[column]);
      if (text === undefined) {
        return { problem: { path: `params.params.records[${indexes[r]}].${column}`, message: 'must be a JSON value (finite numbers, no NUL characters)' } };
      }
      parts[r] = text;
    }
    arrays.push('{' + parts.join(',') + '}');
  }
  return { arrays };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
