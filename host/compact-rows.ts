/**
 * `query` answers cross the pipe with their rows as arrays (`rowMode:
 * 'array'`), and the host builds the objects the caller asked for from
 * `fields`: the names are not repeated in every row of the JSON, and arrays
 * are parsed at about twice the speed of objects. The objects are the ones
 * pg builds in process: keys in column order, a repeated column name keeps
 * its first place and the last value.
 */
import type { FieldInfo, QueryResult } from '../shared/results';

/** The params to send instead, and how to turn the answer back, for a call whose rows travel as arrays. */
export interface CompactCall {
  params: Record<string, unknown>;
  restore(data: unknown): unknown;
}

/** For a `query` that wants object rows: the same call with array rows, and the rebuild; else undefined. */
export function compactRows(operation: string, params: Record<string, unknown> | undefined): CompactCall | undefined {
  if (operation !== 'query' || params === undefined || params.rowMode !== undefined || params.multiStatement === true) return undefined;
  return { params: { ...params, rowMode: 'array' }, restore: restoreObjectRows };
}

function restoreObjectRows(data: unknown): unknown {
  const result = data as QueryResult<unknown>;
  if (!Array.isArray(result?.rows) || !Array.isArray(result.fields)) return data;
  result.rows = objectRows(result.rows as unknown[][], result.fields);
  return result;
}

/** Array rows as object rows keyed by the fields' names. */
export function objectRows(rows: readonly unknown[][], fields: readonly FieldInfo[]): Record<string, unknown>[] {
  const names = fields.map((f) => f.name);
  // `__proto__` as a plain assignment would set the prototype: such a column is defined instead.
  const plain = !names.includes('__proto__');
  const out: Record<string, unknown>[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const values = rows[r]!;
    const row: Record<string, unknown> = {};
    if (plain) {
      for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    } else {
      for (let i = 0; i < names.length; i++) Object.defineProperty(row, names[i]!, { value: values[i], enumerable: true, writable: true, configurable: true });
    }
    out[r] = row;
  }
  return out;
}
