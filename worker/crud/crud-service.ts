import type { CountParams, DeleteParams, FindOneParams, FindParams, InsertParams, UpdateParams } from '../../shared/crud-params';
import type { QueryResult } from '../../shared/results';
import type { Cancellation } from '../statements/cancellation';
import type { PostgresPlugin } from '../postgres-plugin';
import { countStatement, deleteStatement, findStatement, insertStatement, updateStatement, type Statement } from './crud-statements';

/**
 * The CRUD operations on validated params, shared by the worker's operation
 * table and the in-process methods. Each is one statement through the
 * plugin's statement path, so timeouts, cancellation, prepared statements and
 * `transactionId` behave exactly as for `query`.
 */
type Common = { timeout?: number | undefined; transactionId?: string | undefined };

function run(plugin: PostgresPlugin, statement: Statement, p: Common, cancellation?: Cancellation): Promise<QueryResult> {
  return plugin.runStatement(
    {
      sql: statement.sql,
      params: statement.params,
      ...(p.timeout !== undefined ? { timeout: p.timeout } : {}),
      ...(p.transactionId !== undefined ? { transactionId: p.transactionId } : {}),
    },
    cancellation,
  );
}

/** The inserted row when `returning` is given, else `{ rowCount }`. */
export async function insert(plugin: PostgresPlugin, p: InsertParams, cancellation?: Cancellation): Promise<unknown> {
  const result = await run(plugin, insertStatement(p), p, cancellation);
  return p.returning !== undefined ? (result.rows[0] ?? null) : { rowCount: result.rowCount };
}

export async function update(plugin: PostgresPlugin, p: UpdateParams, cancellation?: Cancellation): Promise<{ rowCount: number | null; rows?: unknown[] }> {
  const result = await run(plugin, updateStatement(p), p, cancellation);
  return p.returning !== undefined ? { rowCount: result.rowCount, rows: result.rows } : { rowCount: result.rowCount };
}

export async function remove(plugin: PostgresPlugin, p: DeleteParams, cancellation?: Cancellation): Promise<{ rowCount: number | null; rows?: unknown[] }> {
  const result = await run(plugin, deleteStatement(p), p, cancellation);
  return p.returning !== undefined ? { rowCount: result.rowCount, rows: result.rows } : { rowCount: result.rowCount };
}

export async function find(plugin: PostgresPlugin, p: FindParams, cancellation?: Cancellation): Promise<unknown[]> {
  return (await run(plugin, findStatement(p), p, cancellation)).rows;
}

export async function findOne(plugin: PostgresPlugin, p: FindOneParams, cancellation?: Cancellation): Promise<unknown> {
  return (await run(plugin, findStatement(p, true), p, cancellation)).rows[0] ?? null;
}

export async function count(plugin: PostgresPlugin, p: CountParams, cancellation?: Cancellation): Promise<number> {
  const row = (await run(plugin, countStatement(p), p, cancellation)).rows[0] as { count: string };
  return Number(row.count);
}
