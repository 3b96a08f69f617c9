/**
 * A tiny aligned-text table formatter for the demo and other scripts: no
 * dependency, because the output only has to be readable in a terminal.
 */

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Column order; default: the keys of the rows in first-seen order. */
  columns?: readonly string[];
  /** Left margin prepended to every line. Default: two spaces. */
  indent?: string;
  /** Append a `(N rows)` footer, as psql does. Default: true. */
  footer?: boolean;
}

/** Numbers and the numeric strings int8/numeric arrive as (they stay strings to stay lossless). */
const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * Renders one cell: `null`/`undefined` → `NULL`, objects and arrays → JSON,
 * anything else → `String(value)`. Control characters are escaped so that a
 * multi-line value cannot break the alignment of the rows below it.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** Display width in code points (close enough for a demo; wide CJK glyphs are not measured). */
function width(text: string): number {
  return [...text].length;
}

function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/**
 * Formats rows as an aligned text table: each column as wide as its widest
 * cell or header, a dashed underline below the header, numeric columns
 * right-aligned so digits line up.
 *
 * ```text
 *   id  name
 *   --  -----
 *    1  Alice
 *   (1 row)
 * ```
 */
export function formatTable(rows: readonly Record<string, unknown>[], options: TableOptions = {}): string {
  const indent = options.indent ?? '  ';
  const footer = options.footer ?? true;
  const columns = options.columns ? [...options.columns] : columnsOf(rows);
  const count = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`;
  if (columns.length === 0) return footer ? indent + count : '';

  const cells = rows.map((row) => columns.map((column) => formatValue(row[column])));
  const widths = columns.map((column, c) => Math.max(width(column), ...cells.map((line) => width(line[c]!))));
  // A column is numeric when every non-NULL cell is; an all-NULL column stays left-aligned.
  const numeric = columns.map((column) => {
    const values = rows.map((row) => row[column]).filter((v) => v !== null && v !== undefined);
    return values.length > 0 && values.every((v) => typeof v === 'number' || (typeof v === 'string' && NUMERIC.test(v)));
  });

  const pad = (text: string, c: number): string => {
    const gap = ' '.repeat(widths[c]! - width(text));
    return numeric[c] ? gap + text : text + gap;
  };
  // trimEnd: left-aligned last columns would otherwise leave trailing blanks.
  const line = (texts: readonly string[]): string => (indent + texts.map(pad).join('  ')).trimEnd();

  const out = [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  if (footer) out.push(indent + count);
  return out.join('\n');
}
