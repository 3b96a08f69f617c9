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
    // which sends it as a PostgreSQL array literal (for array columns and `= ANY($n)`).
    this.values.push(value !== null && typeof value === 'object' && !Array.isArray(value) ? JSON.stringify(value) : value);
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
    else if (typeof condition !== 'object' || Array.isArray(condition)) parts.push(`${col} = ${params.add(condition)}`);
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
  if (ops.notIn !== undefined) parts.push(ops.notIn.length === 0 ? 'true' : `NOT (${col} = ANY(${params.add(ops.notIn)}))`);
  if (ops.isNull !== undefined) parts.push(ops.isNull ? `${col} IS NULL` : `${col} IS NOT NULL`);
  return parts;
}
