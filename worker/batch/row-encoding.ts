/**
 * Turns records into PostgreSQL array literals, one per column, for
 * `INSERT … SELECT * FROM unnest($1::t1[], $2::t2[], …)`: one bind parameter
 * per column whatever the row count, so no statement nears the 65,535-parameter
 * limit. Pure and self-contained: it runs on piscina threads as well.
 */

/** Records sharing one key set, encoded: what one INSERT of the batch sends. */
export interface EncodedGroup {
  columns: string[];
  /** Per chunk of at most `chunkRows` records: one array literal per column. */
  chunks: { rows: number; arrays: string[] }[];
}

export interface EncodeResult {
  groups: EncodedGroup[];
  /** The first invalid record, as a path and message, when there is one. */
  problem?: { path: string; message: string };
}

const MAX_NAME_BYTES = 63;

/** One array element: NULL, or a double-quoted string with `"` and `\` escaped. */
function element(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'NULL';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
  } else if (typeof value === 'boolean') text = value ? 'true' : 'false';
  else if (typeof value === 'object') text = JSON.stringify(value);
  else return undefined;
  if (text.includes('\0')) return undefined;
  return '"' + text.replace(/[\\"]/g, '\\$&') + '"';
}

/**
 * Groups records by their key set (a record missing a column gets that
 * column's DEFAULT, because its group's INSERT doesn't name it) and encodes
 * each group in chunks.
 */
export function encodeRecords(records: readonly unknown[], chunkRows: number): EncodeResult {
  const groups = new Map<string, { columns: string[]; rows: number[] }>();
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return { groups: [], problem: { path: `params.params.records[${i}]`, message: 'must be an object of column → value' } };
    }
    const columns = Object.keys(record);
    if (columns.length === 0) return { groups: [], problem: { path: `params.params.records[${i}]`, message: 'must set at least one column' } };
    for (const column of columns) {
      if (Buffer.byteLength(column) > MAX_NAME_BYTES || column.includes('\0')) {
        return { groups: [], problem: { path: `params.params.records[${i}].${column}`, message: 'is not a valid column name (1 to 63 bytes, no NUL)' } };
      }
    }
    const key = columns.join('\0');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { columns, rows: [] }));
    group.rows.push(i);
  }
  const out: EncodedGroup[] = [];
  for (const group of groups.values()) {
    const encoded: EncodedGroup = { columns: group.columns, chunks: [] };
    for (let start = 0; start < group.rows.length; start += chunkRows) {
      const rows = group.rows.slice(start, start + chunkRows);
      const arrays: string[] = [];
      for (const column of group.columns) {
        const parts = new Array<string>(rows.length);
        for (let r = 0; r < rows.length; r++) {
          const value = (records[rows[r]!] as Record<string, unknown>)[column];
          const text = element(value);
          if (text === undefined) {
            return { groups: [], problem: { path: `params.params.records[${rows[r]}].${column}`, message: 'must be a JSON value (finite numbers, no NUL characters)' } };
          }
          parts[r] = text;
        }
        arrays.push('{' + parts.join(',') + '}');
      }
      encoded.chunks.push({ rows: rows.length, arrays });
    }
    out.push(encoded);
  }
  return { groups: out };
}
