import type { OperationParams } from '../../shared/operation-types';
import { invalidParams } from '../../shared/validation';

/**
 * The in-process `find`'s two forms, read into the wire's params: the
 * documented `find(table, { where, select, orderBy, limit, offset })`
 * (canonical) and the earlier `find(table, where, options?)`. A lone second
 * argument is the options object when every key is an option's name, a
 * `where` when none is; an object mixing both is refused, since either
 * reading would drop or invent a condition.
 */

/** A column → value map (`data` of insert and update). */
export type ColumnValues = OperationParams<'insert'>['data'];
/** Conditions: `{ col: value }`, `{ col: null }`, `{ col: { gt, in, like, … } }`, ANDed. */
export type Where = NonNullable<OperationParams<'find'>['where']>;
/** `find`'s options, as the plugin documentation declares them. */
export type FindOptions = Omit<OperationParams<'find'>, 'table'>;

const FIND_OPTIONS: ReadonlySet<string> = new Set<keyof FindOptions>(['where', 'select', 'orderBy', 'limit', 'offset', 'timeout', 'transactionId']);

export function findInput(table: string, first: unknown, second: unknown): Record<string, unknown> {
  if (second !== undefined || first === undefined || first === null) {
    // Two arguments after the table: the earlier form (where, options).
    return { table, ...(first != null ? { where: first } : {}), ...(second as object | undefined) };
  }
  if (typeof first !== 'object' || Array.isArray(first)) return { table, where: first };
  const keys = Object.keys(first);
  const options = keys.filter((k) => FIND_OPTIONS.has(k));
  if (options.length === keys.length) return { table, ...first };
  if (options.length === 0) return { table, where: first };
  const columns = keys.filter((k) => !FIND_OPTIONS.has(k));
  throw invalidParams([
    {
      path: 'params',
      message: `mixes find options (${options.join(', ')}) with conditions on columns (${columns.join(', ')}); put the conditions under where: find(table, { where: { ${columns[0]}: … }, ${options[0]}: … })`,
    },
  ]);
}
