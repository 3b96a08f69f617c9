import { escapeIdentifier } from 'pg';
import type { CountParams, DeleteParams, FindOneParams, FindParams, InsertParams, UpdateParams, Where } from '../../shared/crud-params';
import { invalidParams } from '../../shared/validation';
import { qualifiedName } from '../schema/ddl-builder';
import { buildWhere, limitsRows, ParamList } from './where-builder';

/** One statement: text with placeholders and its bind values. */
export interface Statement {
  sql: string;
  params: unknown[];
}

function returningClause(returning: true | string[] | undefined): string {
  if (returning === undefined) return '';
  return returning === true ? ' RETURNING *' : ` RETURNING ${returning.map(escapeIdentifier).join(', ')}`;
}

function selectList(select: string[] | undefined): string {
  return select ? select.map(escapeIdentifier).join(', ') : '*';
}

function whereClause(where: string): string {
  return where ? ` WHERE ${where}` : '';
}

/** `update`/`delete` without a condition that limits the rows touch every row: only with `allowAll: true`. */
function requireWhere(where: Where | undefined, allowAll: boolean | undefined, operation: string): void {
  if (allowAll || limitsRows(where)) return;
  const path = 'params.where';
  const message = `${operation} without a where condition that limits the rows (an empty notIn excludes nothing) would touch every row; pass allowAll: true to mean it`;
  throw invalidParams([{ path, message }]);
}

export function insertStatement(p: InsertParams): Statement {
  const params = new ParamList();
  const columns = Object.keys(p.data);
  const values = columns.map((c) => params.add(p.data[c]));
  const sql = `INSERT INTO ${qualifiedName(p.table)} (${columns.map(escapeIdentifier).join(', ')}) VALUES (${values.join(', ')})${returningClause(p.returning)}`;
  return { sql, params: params.values };
}

export function updateStatement(p: UpdateParams): Statement {
  const params = new ParamList();
  const sets = Object.entries(p.data).map(([c, v]) => `${escapeIdentifier(c)} = ${params.add(v)}`);
  requireWhere(p.where, p.allowAll, 'update');
  const where = buildWhere(p.where, params);
  return { sql: `UPDATE ${qualifiedName(p.table)} SET ${sets.join(', ')}${whereClause(where)}${returningClause(p.returning)}`, params: params.values };
}

export function deleteStatement(p: DeleteParams): Statement {
  const params = new ParamList();
  requireWhere(p.where, p.allowAll, 'delete');
  const where = buildWhere(p.where, params);
  return { sql: `DELETE FROM ${qualifiedName(p.table)}${whereClause(where)}${returningClause(p.returning)}`, params: params.values };
}

export function findStatement(p: FindParams | FindOneParams, limitOne = false): Statement {
  const params = new ParamList();
  let sql = `SELECT ${selectList(p.select)} FROM ${qualifiedName(p.table)}${whereClause(buildWhere(p.where, params))}`;
  const find = p as FindParams;
  if (find.orderBy !== undefined) {
    const items = Array.isArray(find.orderBy) ? find.orderBy : [find.orderBy];
    const order = items.map((item) =>
      typeof item === 'string' ? escapeIdentifier(item) : `${escapeIdentifier(item.column)} ${item.direction?.toUpperCase() === 'DESC' ? 'DESC' : 'ASC'}`,
    );
    if (order.length > 0) sql += ` ORDER BY ${order.join(', ')}`;
  }
  if (limitOne) sql += ' LIMIT 1';
  else if (find.limit !== undefined) sql += ` LIMIT ${params.add(find.limit)}`;
  if (!limitOne && find.offset !== undefined) sql += ` OFFSET ${params.add(find.offset)}`;
  return { sql, params: params.values };
}

export function countStatement(p: CountParams): Statement {
  const params = new ParamList();
  return { sql: `SELECT count(*) AS count FROM ${qualifiedName(p.table)}${whereClause(buildWhere(p.where, params))}`, params: params.values };
}
