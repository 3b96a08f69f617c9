import { escapeIdentifier } from 'pg';
import type { Where, WhereOperators } from '../../shared/crud-params';

/**
 * Bind parameters of a statement being built: `add(value)` returns the
 * placeholder (`$n`). Values never enter the SQL text.
 */
export class ParamList {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    // A plain object goes as JSON text (for json/jsonb columns); a JS array is left to pg,
    // which sends it as a PostgreSQL array literal (for array columns and `= ANY($n)`),
    // and so are bytes (a bytea parameter).
    const json = value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
    this.values.push(json ? JSON.stringify(value) : value);
    return `$${this.values.length}`;
  }
}

const COMPARISONS: Record<'gt' | 'gte' | 'lt' | 'lte' | 'ne' | 'like' | 'ilike', string> = {
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  ne: 'IS DISTINCT FROM',
  like: 'LIKE',
  ilike: 'ILIKE',
};

/**
 * The WHERE clause (without the keyword) for a validated `where`, or an empty
 * string when there is no condition. Column names are quoted; values are bind
 * parameters.
 */
export function buildWhere(where: Where | undefined, params: ParamList): string {
  if (!where) return '';
  const parts: string[] = [];
  for (const [column, condition] of Object.entries(where)) {
    const col = escapeIdentifier(column);
    if (condition === null) parts.push(`${col} IS NULL`);
    else if (typeof condition !== 'object' || Array.isArray(condition) || condition instanceof Uint8Array) parts.push(`${col} = ${params.add(condition)}`);
    else parts.push(...operatorConditions(col, condition, params));
  }
  return parts.join(' AND ');
}

function operatorConditions(col: string, ops: WhereOperators, params: ParamList): string[] {
  const parts: string[] = [];
  for (const key of Object.keys(COMPARISONS) as (keyof typeof COMPARISONS)[]) {
    const value = ops[key];
    if (value === undefined) continue;
    // `ne: null` means IS NOT NULL; IS DISTINCT FROM handles NULLs the way people expect.
    parts.push(`${col} ${COMPARISONS[key]} ${params.add(value)}`);
  }
  if (ops.in !== undefined) parts.push(ops.in.length === 0 ? 'false' : `${col} = ANY(${params.add(ops.in)})`);
  // A NULL never matches notIn, whatever the list (NULL = ANY('{a}') is NULL): an empty list is no exception.
  if (ops.notIn !== undefined) parts.push(ops.notIn.length === 0 ? `${col} IS NOT NULL` : `NOT (${col} = ANY(${params.add(ops.notIn)}))`);
  if (ops.isNull !== undefined) parts.push(ops.isNull ? `${col} IS NULL` : `${col} IS NOT NULL`);
  return parts;
}

/**
 * Whether a where object limits the rows at all, for the guard of `update`
 * and `delete` (allowAll): some condition other than an empty `notIn`. An
 * empty notIn excludes no value, so a list that happens to be empty must not
 * turn a where into one that passes the guard and touches every row.
 */
export function limitsRows(where: Where | undefined): boolean {
  if (!where) return false;
  for (const condition of Object.values(where)) {
    if (condition === null || typeof condition !== 'object' || Array.isArray(condition) || condition instanceof Uint8Array) return true;
    for (const [operator, operand] of Object.entries(condition)) {
      if (operand === undefined) continue;
      if (operator !== 'notIn' || (operand as unknown[]).length > 0) return true;
    }
  }
  return false;
}
