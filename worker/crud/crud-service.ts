import type { CountParams, DeleteParams, FindOneParams, FindParams, InsertParams, UpdateParams } from '../../shared/crud-params';
import type { QueryResult } from '../../shared/results';
import type { Cancellation } from '../statements/cancellation';
import type { Instance } from '../instance/instance';
import { countStatement, deleteStatement, findStatement, insertStatement, updateStatement, type Statement } from './crud-statements';

/**
 * The CRUD operations on validated params, shared by the worker's operation
 * table and the in-process methods. Each is one statement through the
 * instance's statement path, so timeouts, cancellation, prepared statements and
 * `transactionId` behave exactly as for `query`.
 */
type Common = { timeout?: number | undefined; transactionId?: string | undefined };

function run(instance: Instance, statement: Statement, p: Common, cancellation?: Cancellation): Promise<QueryResult> {
  return instance.run(
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
export async function insert(instance: Instance, p: InsertParams, cancellation?: Cancellation): Promise<unknown> {
  const result = await run(instance, insertStatement(p), p, cancellation);
  return p.returning !== undefined ? (result.rows[0] ?? null) : { rowCount: result.rowCount };
}

export async function update(instance: Instance, p: UpdateParams, cancellation?: Cancellation): Promise<{ rowCount: number | null; rows?: unknown[] }> {
  const result = await run(instance, updateStatement(p), p, cancellation);
  return p.returning !== undefined ? { rowCount: result.rowCount, rows: result.rows } : { rowCount: result.rowCount };
}

export async function remove(instance: Instance, p: DeleteParams, cancellation?: Cancellation): Promise<{ rowCount: number | null; rows?: unknown[] }> {
  const result = await run(instance, deleteStatement(p), p, cancellation);
  return p.returning !== undefined ? { rowCount: result.rowCount, rows: result.rows } : { rowCount: result.rowCount };
}

export async function find(instance: Instance, p: FindParams, cancellation?: Cancellation): Promise<unknown[]> {
  return (await run(instance, findStatement(p), p, cancellation)).rows;
}

export async function findOne(instance: Instance, p: FindOneParams, cancellation?: Cancellation): Promise<unknown> {
  return (await run(instance, findStatement(p, true), p, cancellation)).rows[0] ?? null;
}

export async function count(instance: Instance, p: CountParams, cancellation?: Cancellation): Promise<number> {
  const row = (await run(instance, countStatement(p), p, cancellation)).rows[0] as { count: string };
  return Number(row.count);
}
